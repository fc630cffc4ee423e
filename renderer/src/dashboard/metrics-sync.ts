// The renderer's owner of live show metrics: keeps the metrics slice in step with the
// studio services' pushes, and carries the dashboard's actions (rehearsal, end show).
import type { ChatFeed } from '../../../protocol/contract';
import type { ShowMetricsSnapshot } from '../../../protocol/metrics';
import type { StudioLink } from '../studio-client';
import { useStudioStore } from '../store';

let api: StudioLink['api'] | null = null;
const snapshotListeners = new Set<(snapshot: ShowMetricsSnapshot | null) => void>();

/** Charts subscribe here to update without a React render per snapshot. */
export function onSnapshot(listener: (snapshot: ShowMetricsSnapshot | null) => void): () => void {
  snapshotListeners.add(listener);
  listener(useStudioStore.getState().metrics);
  return () => snapshotListeners.delete(listener);
}

export function syncMetrics(link: StudioLink): () => void {
  api = link.api;
  const set = useStudioStore.getState().setMetricsState;
  const setSnapshot = (metrics: ShowMetricsSnapshot | null) => {
    set({ metrics });
    for (const listener of snapshotListeners) listener(metrics);
  };
  const setChat = (feed: ChatFeed) => set({ chatFeed: feed.messages });
  const refresh = async () => {
    try {
      const [show, state] = await Promise.all([link.api.getShow({}), link.api.getMetrics({})]);
      set({ runningShow: show, pipeline: state.pipeline, rehearsal: state.rehearsal, headline: null });
      setSnapshot(state.snapshot);
      setChat(state.chat);
    } catch (error) {
      console.warn(`Metrics unavailable: ${(error as Error).message}`);
    }
  };
  const stops = [
    link.api.on('show', (runningShow) => set({ runningShow })),
    link.api.on('metrics', setSnapshot),
    link.api.on('headline', (headline) => set({ headline })),
    link.api.on('pipeline', (pipeline) => set({ pipeline })),
    link.api.on('chat', setChat),
    link.api.on('rehearsal', (rehearsal) => set({ rehearsal })),
    link.onLinkState((state) => {
      if (state === 'connected') void refresh();
    }),
  ];
  return () => stops.forEach((stop) => stop());
}

async function act(what: string, action: () => Promise<unknown>): Promise<void> {
  const set = useStudioStore.getState().setMetricsState;
  set({ metricsError: null });
  try {
    await action();
  } catch (error) {
    set({ metricsError: `${what}: ${(error as Error).message}` });
  }
}

export const startRehearsal = (options: { title?: string; rate?: number; seed?: number } = {}) =>
  act('Could not start the rehearsal', () => api!.startRehearsal(options));

export const stopSimulatedShoppers = () =>
  act('Could not stop the simulated shoppers', () => api!.stopRehearsal({}));

export const endShow = () => act('Could not end the show', () => api!.endShow({}));
