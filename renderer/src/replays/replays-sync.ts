// The renderer's owner of replays: the library, the open replay's status, timeline and
// recording, and the figures and chat at the cursor (fetched one at a time, always for the
// latest cursor). Components read the replays slice and call these actions.
import type { CsvExportKind } from '../../../protocol/replays';
import { useStudioStore } from '../store';
import type { ReplaysSlice } from '../store/replays-slice';
import type { StudioLink } from '../studio-client';

let api: StudioLink['api'] | null = null;
const set = (patch: Partial<Omit<ReplaysSlice, 'setReplays'>>) => useStudioStore.getState().setReplays(patch);
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function syncReplays(link: StudioLink): void {
  api = link.api;
  link.api.on('replay', (status) => {
    const { replayShowId } = useStudioStore.getState();
    if (status.showId !== replayShowId) return;
    set({ replayStatus: status });
    if (status.state === 'ready' && !useStudioStore.getState().timeline) void loadReplay(status.showId!);
  });
}

export async function loadLibrary(): Promise<void> {
  if (!api) return;
  set({ libraryLoading: true });
  try {
    const library = await api.listShows({});
    set({ library: library.shows, libraryProblem: library.problem, libraryLoading: false });
  } catch (error) {
    set({ libraryProblem: messageOf(error), libraryLoading: false });
  }
}

export async function openReplay(showId: string): Promise<void> {
  if (!api) return;
  set({
    replayShowId: showId,
    replayStatus: null,
    timeline: null,
    media: null,
    cursor: null,
    moment: null,
    chatMatches: null,
    replayError: null,
  });
  try {
    const status = await api.openReplay({ showId });
    if (useStudioStore.getState().replayShowId !== showId) return;
    set({ replayStatus: status });
  } catch (error) {
    set({ replayError: messageOf(error) });
  }
}

async function loadReplay(showId: string): Promise<void> {
  try {
    const [timeline, media] = await Promise.all([
      api!.getReplayTimeline({ showId }),
      api!.getReplayMedia({ showId }),
    ]);
    if (useStudioStore.getState().replayShowId !== showId) return;
    set({ timeline, media });
    moveCursor(timeline.startedAt);
  } catch (error) {
    set({ replayError: messageOf(error) });
  }
}

export function closeReplay(): void {
  void api?.cancelReplay({}).catch(() => {});
  set({ replayShowId: null, replayStatus: null, timeline: null, media: null, moment: null, cursor: null });
  void loadLibrary();
}

export const cancelReplay = () => void api?.cancelReplay({}).catch(() => {});

let fetching = false;

/** Moves the cursor; the figures and chat follow (one request in flight, the latest cursor wins). */
export function moveCursor(at: number): void {
  set({ cursor: Math.round(at) });
  void fetchMoment();
}

async function fetchMoment(): Promise<void> {
  if (fetching || !api) return;
  fetching = true;
  try {
    for (;;) {
      const { replayShowId, cursor, moment } = useStudioStore.getState();
      if (!replayShowId || cursor === null || (moment?.showId === replayShowId && moment.at === cursor))
        return;
      const next = await api.getReplayMoment({ showId: replayShowId, at: Math.max(0, cursor) });
      if (useStudioStore.getState().replayShowId !== replayShowId) return;
      set({ moment: next });
    }
  } catch (error) {
    set({ replayError: messageOf(error) });
  } finally {
    fetching = false;
  }
}

export async function searchChat(query: string): Promise<void> {
  const showId = useStudioStore.getState().replayShowId;
  if (!api || !showId) return;
  if (!query.trim()) return set({ chatMatches: null });
  try {
    set({ chatMatches: await api.searchReplayChat({ showId, query }) });
  } catch (error) {
    set({ replayError: messageOf(error) });
  }
}

/** Downloads one of the CSV exports. */
export async function exportCsv(kind: CsvExportKind): Promise<void> {
  const showId = useStudioStore.getState().replayShowId;
  if (!api || !showId) return;
  try {
    const file = await api.exportReplayCsv({ showId, kind });
    const url = URL.createObjectURL(new Blob([file.content], { type: 'text/csv;charset=utf-8' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = file.fileName;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  } catch (error) {
    set({ replayError: messageOf(error) });
  }
}

export async function deleteRecording(showId: string): Promise<void> {
  try {
    await api?.deleteRecording({ showId });
  } catch (error) {
    set({ libraryProblem: messageOf(error) });
  }
  await loadLibrary();
}
