// The one producer of studio events (show started/ended, pins, markers, moderation), and
// of the host's chat replies (chat.message with fromHost, on the shopper topic).
// Events wait in an outbox until Kafka has acknowledged them, so a broker blip delays
// them but loses none; the outbox is written through to disk so a killed app loses none either.
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Kafka, Producer } from 'kafkajs';
import { ShowEvent, SHOPPER_EVENT_TYPES, topicForEvent } from '../../protocol/events';
import { describeIssues } from '../../protocol/rpc';
import { parseJsonOrNull } from './safe-json';

const RETRY_MS = 1000;

export type NewStudioEvent = Omit<ShowEvent, 'id' | 'v' | 'ts'> & { ts?: number };

export class StudioEventPublisher {
  private producer: Producer | null = null;
  private outbox: ShowEvent[] = [];
  private flushing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly kafka: Kafka,
    /** Where unacknowledged events are kept across restarts; null keeps them in memory only. */
    private readonly outboxFile: string | null,
    private readonly onPending: (pending: number) => void = () => {},
  ) {
    if (outboxFile && existsSync(outboxFile)) {
      let unreadable = 0;
      for (const line of readFileSync(outboxFile, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        // A killed app can leave a half-written last line: skip it, keep the rest.
        const parsed = ShowEvent.safeParse(parseJsonOrNull(line));
        if (parsed.success) this.outbox.push(parsed.data);
        else unreadable++;
      }
      if (unreadable)
        console.warn(`Skipped ${unreadable} unreadable line(s) of the studio event outbox ${outboxFile}`);
    }
  }

  get pending(): number {
    return this.outbox.length;
  }

  /** Validates and queues the event, then sends it as soon as Kafka takes it. */
  publish(event: ShowEvent): ShowEvent {
    const hostReply = event.type === 'chat.message' && event.fromHost === true;
    if ((SHOPPER_EVENT_TYPES as readonly string[]).includes(event.type) && !hostReply) {
      throw new Error(`${event.type} is a shopper event; the studio publishes studio events only`);
    }
    const parsed = ShowEvent.safeParse(event);
    if (!parsed.success) throw new Error(`Invalid ${event.type} event: ${describeIssues(parsed.error)}`);
    this.outbox.push(parsed.data);
    this.saveToDisk(() => {
      mkdirSync(dirname(this.outboxFile!), { recursive: true });
      appendFileSync(this.outboxFile!, `${JSON.stringify(parsed.data)}\n`);
    });
    this.onPending(this.outbox.length);
    void this.flush();
    return parsed.data;
  }

  /** Resolves once everything queued so far has been acknowledged (or rejects on stop). */
  async drain(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.outbox.length > 0) {
      if (Date.now() > deadline)
        throw new Error(`${this.outbox.length} studio events are still waiting for Kafka`);
      await (this.flushing ?? this.flush());
      if (this.outbox.length > 0) await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Stops sending; whatever is unacknowledged stays in the outbox file for the next run. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    // Disconnecting also ends a connect attempt that is still waiting for a dead broker.
    const producer = this.producer;
    this.producer = null;
    await producer?.disconnect().catch(() => {});
  }

  private flush(): Promise<void> {
    this.flushing ??= this.sendAll().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async sendAll(): Promise<void> {
    while (this.outbox.length > 0 && !this.stopped) {
      const batch = this.outbox.slice(0, 500);
      try {
        if (!this.producer) {
          // Few retries inside kafkajs: the outbox itself keeps retrying for as long as it takes.
          this.producer = this.kafka.producer({
            idempotent: true,
            maxInFlightRequests: 1,
            retry: { retries: 2 },
          });
          await this.producer.connect();
        }
        // Almost always one topic; a host reply goes to the shopper topic in the same batch.
        const topics = new Map<string, ShowEvent[]>();
        for (const event of batch) {
          const topic = topicForEvent(event);
          topics
            .set(topic, topics.get(topic) ?? [])
            .get(topic)!
            .push(event);
        }
        await this.producer.sendBatch({
          acks: -1,
          topicMessages: [...topics].map(([topic, events]) => ({
            topic,
            messages: events.map((event) => ({
              key: event.showId,
              value: JSON.stringify(event),
              timestamp: String(event.ts),
            })),
          })),
        });
        this.outbox.splice(0, batch.length);
        this.rewriteOutboxFile();
        this.onPending(this.outbox.length);
      } catch {
        // Kafka is away: keep the events and try again shortly with a fresh producer.
        const producer = this.producer;
        this.producer = null;
        void producer?.disconnect().catch(() => {});
        if (!this.stopped) {
          if (this.timer) clearTimeout(this.timer);
          this.timer = setTimeout(() => void this.flush(), RETRY_MS);
        }
        return;
      }
    }
  }

  private rewriteOutboxFile(): void {
    this.saveToDisk(() => {
      const temp = `${this.outboxFile}.tmp`;
      writeFileSync(temp, this.outbox.map((event) => `${JSON.stringify(event)}\n`).join(''));
      renameSync(temp, this.outboxFile!);
    });
  }

  /** A full or read-only disk must not stop the show: the events stay queued in memory. */
  private saveToDisk(write: () => void): void {
    if (!this.outboxFile) return;
    try {
      write();
    } catch (error) {
      console.warn(
        `Could not save the studio event outbox to ${this.outboxFile}: ${(error as Error).message}`,
      );
    }
  }
}
