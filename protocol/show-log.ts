// Follows one show's chat and moderation events on Kafka from a point in time: the studio's
// moderation and the SFU's chat gate both rebuild their ledger this way (from the show's
// start), then stay live. Each run uses a fresh consumer group, so every follower sees the
// whole stream. The Kafka client is passed in (kafkajs's Kafka fits these interfaces), so
// this file stays free of Node imports, like signaling-client.ts.
import { SHOW_TOPICS, ShowEvent } from './events';
import { ensureShowTopics, type TopicAdmin, type TopicSettingsInput } from './show-topics';
import type { ChatMessageEvent, ModerationDecisionEvent } from './moderation';

interface TopicOffsets {
  partition: number;
  offset?: string;
  high?: string;
}
export interface LogAdmin extends TopicAdmin {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  fetchTopicOffsetsByTimestamp(topic: string, timestamp?: number): Promise<TopicOffsets[]>;
  fetchTopicOffsets(topic: string): Promise<TopicOffsets[]>;
  deleteGroups(groupIds: string[]): Promise<unknown>;
}
export interface LogBatch {
  topic: string;
  partition: number;
  messages: Array<{ key: Buffer | null; value: Buffer | null; offset: string }>;
}
export interface LogConsumer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  subscribe(subscription: { topics: string[]; fromBeginning: boolean }): Promise<void>;
  seek(target: { topic: string; partition: number; offset: string }): void;
  on(event: 'consumer.group_join', listener: () => void): unknown;
  on(
    event: 'consumer.crash',
    listener: (event: { payload: { error: Error; restart: boolean } }) => void,
  ): unknown;
  run(config: {
    autoCommit: boolean;
    eachBatch: (payload: { batch: LogBatch; heartbeat(): Promise<void> }) => Promise<void>;
  }): Promise<void>;
}
export interface LogKafka {
  admin(): LogAdmin;
  consumer(config: { groupId: string; maxWaitTimeInMs: number }): LogConsumer;
}

export type ModerationLogEvent = ChatMessageEvent | ModerationDecisionEvent;

export interface ShowLogOptions {
  showId: string;
  /** Start reading here (ms epoch): the show's start. */
  fromMs: number;
  /** Names the consumer group (a fresh one per run). */
  groupPrefix: string;
  /** Each chat message and decision of the show, in each topic's order. `live`: after the catch-up. */
  onEvent(event: ModerationLogEvent, live: boolean): void;
  /** Everything that was in the log when following began has been read. */
  onCaughtUp(): void;
  onError(message: string): void;
  /** Settings for the show topics if this follower is the first to need them. */
  topics?: TopicSettingsInput;
}

const TOPICS = [SHOW_TOPICS.shopper, SHOW_TOPICS.studio];
/** Producers' clocks may run behind: start a minute early (events are deduplicated by id). */
const CLOCK_SLACK_MS = 60_000;

async function settled<T>(lookup: () => Promise<T>, attempts = 20): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await lookup();
    } catch (error) {
      // Leaders are still being elected right after topics are created or a broker returns.
      if ((error as { retriable?: boolean }).retriable !== true || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(100 * attempt, 1000)));
    }
  }
}

export class ShowLog {
  private consumer: LogConsumer | null = null;
  private admin: LogAdmin | null = null;
  private readonly groupId: string;
  /** Offset each partition must reach for the catch-up to be over. */
  private readonly catchUp = new Map<string, number>();
  private caughtUp = false;
  private stopped = false;

  constructor(
    private readonly kafka: LogKafka,
    private readonly options: ShowLogOptions,
  ) {
    const random = Math.random().toString(36).slice(2, 10);
    this.groupId = `${options.groupPrefix}.${options.showId}.${Date.now().toString(36)}${random}`;
  }

  /** Starts following; a failed start (topics not there yet, broker away) is retried until stop. */
  async start(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.follow();
        return;
      } catch (error) {
        this.options.onError(`${(error as Error).message}; retrying`);
        await this.consumer?.disconnect().catch(() => {});
        await this.admin?.disconnect().catch(() => {});
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  private async follow(): Promise<void> {
    {
      const admin = (this.admin = this.kafka.admin());
      await admin.connect();
      // A fresh cluster: whoever comes first creates the show topics (the studio does too).
      await ensureShowTopics(admin, this.options.topics ?? {});
      const seeks: Array<{ topic: string; partition: number; offset: string }> = [];
      for (const topic of TOPICS) {
        const starts = await settled(() =>
          admin.fetchTopicOffsetsByTimestamp(topic, this.options.fromMs - CLOCK_SLACK_MS),
        );
        const highs = await settled(() => admin.fetchTopicOffsets(topic));
        for (const { partition, offset = '0' } of starts) {
          seeks.push({ topic, partition, offset });
          const high = Number(highs.find((h) => h.partition === partition)?.high ?? offset);
          if (high > Number(offset)) this.catchUp.set(`${topic}:${partition}`, high);
        }
      }
      if (this.stopped) return;
      // Short fetch waits: a decision must reach every page within a fraction of a second.
      const consumer = (this.consumer = this.kafka.consumer({ groupId: this.groupId, maxWaitTimeInMs: 100 }));
      consumer.on('consumer.crash', ({ payload }) => {
        if (!payload.restart) this.options.onError(payload.error.message);
      });
      // A fresh group starts where we say, before its first fetch (see show-pipeline.ts).
      let seeked = false;
      consumer.on('consumer.group_join', () => {
        if (seeked) return;
        seeked = true;
        for (const seek of seeks) consumer.seek(seek);
      });
      await consumer.connect();
      await consumer.subscribe({ topics: TOPICS, fromBeginning: true });
      this.checkCaughtUp();
      await consumer.run({ autoCommit: true, eachBatch: (payload) => this.onBatch(payload.batch) });
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.consumer?.disconnect().catch(() => {});
    await this.admin?.deleteGroups([this.groupId]).catch(() => {});
    await this.admin?.disconnect().catch(() => {});
    this.consumer = this.admin = null;
  }

  private async onBatch(batch: LogBatch): Promise<void> {
    const { showId } = this.options;
    for (const message of batch.messages) {
      if (this.stopped) return;
      // One show's events carry its id as the key; anything else is another show's.
      if (message.key === null || message.value === null || message.key.toString() !== showId) continue;
      let json: unknown;
      try {
        json = JSON.parse(message.value.toString('utf8'));
      } catch {
        continue; // the live-metrics pipeline dead-letters what is malformed
      }
      const type = (json as { type?: unknown } | null)?.type;
      if (type !== 'chat.message' && type !== 'moderation.decision') continue;
      const parsed = ShowEvent.safeParse(json);
      if (!parsed.success || parsed.data.showId !== showId) continue;
      try {
        this.options.onEvent(parsed.data as ModerationLogEvent, this.caughtUp);
      } catch (error) {
        this.options.onError(`event ${parsed.data.id}: ${(error as Error).message}`);
      }
    }
    const last = batch.messages[batch.messages.length - 1];
    const key = `${batch.topic}:${batch.partition}`;
    const target = this.catchUp.get(key);
    if (last && target !== undefined && Number(last.offset) + 1 >= target) this.catchUp.delete(key);
    this.checkCaughtUp();
  }

  private checkCaughtUp(): void {
    if (this.caughtUp || this.catchUp.size > 0) return;
    this.caughtUp = true;
    this.options.onCaughtUp();
  }
}
