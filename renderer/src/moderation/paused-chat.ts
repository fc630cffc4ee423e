// What a paused chat shows: the messages as they were when the producer paused (so rows do
// not move under their eyes even when the window's message cap drops the oldest at 1,000
// messages a second), each in its latest state, and how many arrived since.
import type { ChatEntry } from '../../../protocol/moderation';

export interface PausedChat {
  rows: ChatEntry[];
  /** Messages that arrived since the pause. */
  fresh: number;
}

export function pausedChat(frozen: readonly ChatEntry[], current: readonly ChatEntry[]): PausedChat {
  const frozenIds = new Set(frozen.map((entry) => entry.id));
  const latest = new Map<string, ChatEntry>();
  let fresh = 0;
  for (const entry of current) {
    if (frozenIds.has(entry.id)) latest.set(entry.id, entry);
    else fresh++;
  }
  return { rows: frozen.map((entry) => latest.get(entry.id) ?? entry), fresh };
}
