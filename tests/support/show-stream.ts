// A show's stream as an outside shop platform would produce it, for the live-metrics drills:
// valid shopper events with producer retries, and refused messages (oversized values, bad
// JSON) mixed in. Plus an independent reader that rebuilds the truth from the topics.
import { randomUUID } from 'node:crypto';
import type { Kafka, Message } from 'kafkajs';
import { ShowAggregator } from '../../main/live-metrics/show-aggregator';
import { DEFAULT_PARSE_LIMITS, parseShowEvent } from '../../main/live-metrics/show-events';
import { DEAD_LETTER_HEADERS, SHOW_TOPICS, type ShowEvent } from '../../protocol/events';
import type { ShowMetricsSnapshot } from '../../protocol/metrics';
import type { ShowState } from '../../protocol/show';
import { until } from './until';

export interface StreamMessage {
  topic: string;
  message: Message;
}

export function newDrillShow(startedAt = Date.now() - 60_000): {
  show: ShowState;
  started: StreamMessage;
} {
  const showId = `drill-${randomUUID()}`;
  const show: ShowState = {
    showId,
    title: 'Drill',
    mode: 'rehearsal',
    currency: 'USD',
    startedAt,
    pinnedProductId: null,
    soldOutProductIds: [],
  };
  const event: ShowEvent = {
    id: `${showId}-start`,
    v: 1,
    type: 'show.started',
    showId,
    ts: startedAt,
    currency: 'USD',
  };
  return { show, started: { topic: SHOW_TOPICS.studio, message: toMessage(event) } };
}

export const toMessage = (e: ShowEvent): Message => ({
  key: e.showId,
  value: JSON.stringify(e),
  timestamp: String(e.ts),
});

/**
 * `count` shopper messages numbered from `from`: joins, chat, cart adds and orders; every 50th
 * a retried duplicate, and every `refuseEvery`th a refused message (alternately a value of
 * `oversizedBytes`, and bad JSON).
 */
export function shopperStream(
  showId: string,
  from: number,
  count: number,
  t0: number,
  refuse: { every: number; oversizedBytes: number } = { every: 20, oversizedBytes: 100_000 },
): StreamMessage[] {
  const out: StreamMessage[] = [];
  const topic = SHOW_TOPICS.shopper;
  for (let i = from; i < from + count; i++) {
    const base = { id: `${showId}-${i}`, v: 1 as const, showId, ts: t0 + i * 5 };
    const viewerId = `v${i % 97}`;
    if (i % refuse.every === refuse.every - 1) {
      const value =
        (i / refuse.every) % 2 < 1
          ? JSON.stringify({
              ...base,
              type: 'viewer.joined',
              viewerId,
              displayName: 'x'.repeat(refuse.oversizedBytes),
            })
          : `{"showId":"${showId}", "n": ${i}, oops`;
      out.push({ topic, message: { key: showId, value, timestamp: String(base.ts) } });
      continue;
    }
    let event: ShowEvent;
    switch (i % 4) {
      case 0:
        event = { ...base, type: 'viewer.joined', viewerId };
        break;
      case 1:
        event = { ...base, type: 'chat.message', viewerId, text: `hello ${i}` };
        break;
      case 2:
        event = { ...base, type: 'cart.item_added', viewerId, productId: `p${i % 7}`, qty: 1 };
        break;
      default:
        event = {
          ...base,
          type: 'order.placed',
          viewerId,
          orderId: `o-${i}`,
          lines: [{ productId: `p${i % 7}`, qty: 2, unitPriceMinor: 1250 }],
          totalMinor: 2500,
          currency: 'USD',
          payment: i % 8 === 3 ? { method: 'bnpl', provider: 'klarna' } : { method: 'card' },
        };
    }
    out.push({ topic, message: toMessage(event) });
    if (i % 50 === 0) out.push({ topic, message: toMessage(event) }); // a producer retry
  }
  return out;
}

/** What a plain consumer reads back: the show's figures and where its refused messages are. */
export interface StreamTruth {
  snapshot: ShowMetricsSnapshot;
  /** "topic:partition:offset" of each refused message. */
  refused: Set<string>;
  messages: number;
}

/**
 * Reads every message of the show on both topics with a plain consumer, to the topics' end
 * (at least `expected`: a producer that retried may have written some twice).
 */
export async function readTruth(kafka: Kafka, showId: string, expected: number): Promise<StreamTruth> {
  const aggregator = new ShowAggregator(showId);
  const refused = new Set<string>();
  let messages = 0;
  const events: { topic: string; event: ShowEvent }[] = [];
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<string, number>();
  for (const topic of [SHOW_TOPICS.shopper, SHOW_TOPICS.studio]) {
    for (const p of await admin.fetchTopicOffsets(topic)) ends.set(`${topic}:${p.partition}`, Number(p.high));
  }
  await admin.disconnect();
  const reached = new Map<string, number>();
  const consumer = kafka.consumer({ groupId: `truth-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topics: [SHOW_TOPICS.shopper, SHOW_TOPICS.studio], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      reached.set(`${topic}:${partition}`, Number(message.offset) + 1);
      if (message.key?.toString() !== showId) return;
      messages++;
      const parsed = parseShowEvent(message.value, DEFAULT_PARSE_LIMITS, message.key);
      if (parsed.ok) events.push({ topic, event: parsed.event });
      else refused.add(`${topic}:${partition}:${message.offset}`);
    },
  });
  const atEnd = () => [...ends].every(([key, end]) => end === 0 || (reached.get(key) ?? 0) >= end);
  await until("the truth consumer at the topics' end", () => atEnd() && messages >= expected, 60_000);
  await consumer.disconnect();
  // Studio events first: the show's currency is known before any order, as the studio does it.
  for (const { event } of events.filter((e) => e.topic === SHOW_TOPICS.studio)) aggregator.apply(event);
  for (const { event } of events.filter((e) => e.topic !== SHOW_TOPICS.studio)) aggregator.apply(event);
  return { snapshot: aggregator.snapshot(), refused, messages };
}

/** Dead letters of the show, by their source: "topic:partition:offset" → how many copies. */
export async function readDeadLetters(
  kafka: Kafka,
  showId: string,
  expected: number,
): Promise<Map<string, number>> {
  const copies = new Map<string, number>();
  let seen = 0;
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(SHOW_TOPICS.deadLetter);
  await admin.disconnect();
  const total = ends.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  const consumer = kafka.consumer({ groupId: `truth-dlq-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic: SHOW_TOPICS.deadLetter, fromBeginning: true });
  let read = 0;
  await consumer.run({
    eachMessage: async ({ message }) => {
      read++;
      if (message.key?.toString() !== showId) return;
      seen++;
      const h = message.headers ?? {};
      const source = `${String(h[DEAD_LETTER_HEADERS.sourceTopic])}:${String(h[DEAD_LETTER_HEADERS.sourcePartition])}:${String(h[DEAD_LETTER_HEADERS.sourceOffset])}`;
      copies.set(source, (copies.get(source) ?? 0) + 1);
    },
  });
  await until('the dead-letter topic read to its end', () => read >= total && seen >= expected, 60_000);
  await consumer.disconnect();
  return copies;
}

/** Members of this studio's consumer groups on the broker (a leaked pipeline shows here). */
export async function groupMembers(kafka: Kafka, prefix: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.listGroups();
    const ours = groups.map((g) => g.groupId).filter((id) => id.startsWith(prefix));
    if (!ours.length) return 0;
    const described = await admin.describeGroups(ours);
    return described.groups.reduce((sum, g) => sum + g.members.length, 0);
  } finally {
    await admin.disconnect();
  }
}
