// docs/events.md is the contract for teams that did not write the studio: its examples must be valid.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SHOW_EVENT_TYPES, ShowEvent } from '../../../protocol/events';
import { DEFAULT_PARSE_LIMITS, parseShowEvent } from '../../../main/live-metrics/show-events';

const doc = readFileSync(new URL('../../../docs/events.md', import.meta.url), 'utf8');
const examples = [...doc.matchAll(/```json\n(.*?)\n```/gs)].map((m) => m[1]!);

describe('docs/events.md examples', () => {
  it('cover every event type', () => {
    const types = new Set(examples.map((e) => (JSON.parse(e) as { type: string }).type));
    expect([...types].sort()).toEqual([...SHOW_EVENT_TYPES].sort());
  });

  for (const example of examples) {
    const event = JSON.parse(example) as ShowEvent;
    it(`${event.type} (${event.id}) is valid`, () => {
      expect(ShowEvent.parse(event)).toEqual(event);
      expect(parseShowEvent(Buffer.from(example), DEFAULT_PARSE_LIMITS, event.showId)).toEqual({
        ok: true,
        event,
      });
    });
  }
});
