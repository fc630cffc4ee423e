// The renderer's owner of chat moderation: keeps the moderation slice in step with the
// studio services' pushes, carries the producer's actions to them, and shows the pinned
// message as a caption in the program.
import type { ModerateRequest, Moderator } from '../../../protocol/moderation';
import { program } from '../media/studio-media';
import type { StudioLink } from '../studio-client';
import { useStudioStore, type StudioState } from '../store';

let api: StudioLink['api'] | null = null;

export function syncModeration(link: StudioLink): () => void {
  api = link.api;
  const { applyModeration } = useStudioStore.getState();
  const refresh = async () => {
    try {
      applyModeration({ ...(await link.api.getModeration({})), reset: true });
    } catch (error) {
      console.warn(`Moderation unavailable: ${(error as Error).message}`);
    }
  };
  const stops = [
    useStudioStore.subscribe((state, previous) => {
      if (state.moderation !== previous.moderation || state.runningShow !== previous.runningShow)
        showPinnedCaption(state);
    }),
    link.api.on('moderation', applyModeration),
    link.onLinkState((state) => {
      if (state === 'connected') void refresh();
    }),
  ];
  return () => stops.forEach((stop) => stop());
}

/** The program is this studio's show: it shows a pin of that show, not of one a producer follows. */
function showPinnedCaption(state: StudioState): void {
  const pinned = state.moderation?.pinned;
  const ours = !!pinned && !!state.runningShow && state.moderation?.showId === state.runningShow.showId;
  program().setChatCaption(ours ? { name: pinned.displayName ?? 'Shopper', text: pinned.text } : null);
}

async function attempt<T>(what: string, action: () => Promise<T>): Promise<T | null> {
  const { setModerationNote } = useStudioStore.getState();
  try {
    return await action();
  } catch (error) {
    setModerationNote(`${what}: ${(error as Error).message}`);
    return null;
  }
}

export async function moderate(request: ModerateRequest): Promise<void> {
  const result = await attempt('Could not do that', () => api!.moderate(request));
  if (result) useStudioStore.getState().setModerationNote(result.note);
}

export const followShow = (showId: string | null) =>
  attempt('Could not follow that show', async () => {
    useStudioStore.getState().applyModeration({ ...(await api!.followShow({ showId })), reset: true });
  });

export const setModerator = (change: Pick<Moderator, 'name' | 'kind'>) =>
  attempt('Could not change your name', () => api!.setModerator(change));

export const reviewMessage = (messageEventId: string | null) =>
  attempt('Could not mark the message', () => api!.reviewMessage({ messageEventId }));

export const loadAudit = () => attempt('Could not load the audit', () => api!.getModerationAudit({}));

/** Saves the audit as a CSV file through the browser's download. */
export async function exportAudit(): Promise<void> {
  const file = await attempt('Could not export the audit', () => api!.exportModerationAudit({}));
  if (!file) return;
  const url = URL.createObjectURL(new Blob([file.csv], { type: 'text/csv;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = file.fileName;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
