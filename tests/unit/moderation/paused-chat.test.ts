// A paused chat keeps the rows the producer was reading, in their latest state, even when the
// window's cap has dropped them from the live list, and counts what arrived since.
import { describe, expect, it } from 'vitest';
import type { ChatEntry } from '../../../protocol/moderation';
import { pausedChat } from '../../../renderer/src/moderation/paused-chat';

const entry = (id: string, status: ChatEntry['status'] = 'visible'): ChatEntry => ({
  id,
  ts: 0,
  viewerId: `viewer-${id}`,
  displayName: null,
  text: `message ${id}`,
  fromHost: false,
  replyTo: null,
  status,
  reason: null,
  decidedBy: null,
  decidedAt: null,
});

describe('pausedChat', () => {
  it('keeps the frozen rows in place, with their latest status, and counts the new ones', () => {
    const frozen = ['a', 'b', 'c'].map((id) => entry(id));
    // Since the pause: "a" fell out of the capped live list, "b" was hidden, two arrived.
    const live = [entry('b', 'hidden'), entry('c'), entry('d'), entry('e')];
    const { rows, fresh } = pausedChat(frozen, live);
    expect(rows.map((r) => [r.id, r.status])).toEqual([
      ['a', 'visible'],
      ['b', 'hidden'],
      ['c', 'visible'],
    ]);
    expect(fresh).toBe(2);
  });

  it('counts every message as new once the cap replaced the whole list', () => {
    const frozen = ['a', 'b'].map((id) => entry(id));
    const live = ['x', 'y', 'z'].map((id) => entry(id));
    expect(pausedChat(frozen, live)).toMatchObject({ fresh: 3, rows: frozen });
  });
});
