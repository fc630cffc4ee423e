// Writes refused messages to the dead-letter topic, in requests the broker accepts, without
// ever writing one twice, and gives up on what cannot be kept instead of stalling the show.
//
// - Requests fit the topic: its max.message.bytes (read from the cluster; a safe default
//   where that is not allowed) bounds what one partition takes in one request, so letters are
//   grouped by key (one key, one partition) and split by bytes.
// - No duplicates: the producer is idempotent (a retried request is recognised by the broker),
//   a failed request is retried alone and unchanged, and DeadLetterLedger remembers per
//   partition up to which offset this studio has already dead-lettered, across pipelines
//   and restarts.
// - Giving up: a letter larger than the topic accepts is lost at once. Others are retried for
//   as long as the broker is unreachable (nothing else moves then either), but for at most
//   GIVE_UP_AFTER_MS of the broker answering with an error (topic missing, not authorised).
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Admin, IHeaders, Kafka, Producer } from 'kafkajs';
import { DEAD_LETTER_HEADERS, SHOW_TOPICS } from '../../protocol/events';
import type { InvalidEventReason } from '../../protocol/metrics';

/** One refused message and where it came from. */
export interface DeadLetter {
  key: Buffer | null;
  value: Buffer | null;
  timestamp: string;
  headers: IHeaders | undefined;
  reason: InvalidEventReason;
  topic: string;
  partition: number;
  offset: string;
  /** Extra headers (an undecodable batch's codec and offsets). */
  extra?: Record<string, string>;
}

export interface DeadLetterOutcome {
  written: number;
  /** Letters that could not be kept, each with why. */
  lost: { letter: DeadLetter; why: string }[];
}

export interface DeadLetterOptions {
  topic: string;
  /** Used when the topic's max.message.bytes cannot be read (Kafka's own default is 1 048 588). */
  defaultMaxMessageBytes: number;
  /** How long failures that the broker answers (topic missing, not authorised) are retried. */
  giveUpAfterMs: number;
  retryMs: { first: number; max: number };
}

export const DEFAULT_DEAD_LETTER_OPTIONS: DeadLetterOptions = {
  topic: SHOW_TOPICS.deadLetter,
  defaultMaxMessageBytes: 1_000_000,
  giveUpAfterMs: 60_000,
  retryMs: { first: 200, max: 5000 },
};

// Room for the record batch header and a record's own fields, beyond its key, value and headers.
const BATCH_OVERHEAD = 128;
const RECORD_OVERHEAD = 32;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Errors that say the request (or a message in it) is larger than the broker takes. */
const TOO_LARGE = /MESSAGE_TOO_LARGE|RECORD_LIST_TOO_LARGE|too large/i;

/** Errors of a broker that could not be reached, or did not answer in time. */
const UNREACHABLE_NAME = /Connection|RequestTimeout|BrokerNotFound/;
const UNREACHABLE_MESSAGE = /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|Connection error|Closed connection/i;

/**
 * The broker answered (as opposed to: could not be reached, or did not answer in time).
 * kafkajs wraps a connection error it gave up on in a non-retriable one: the chain decides.
 */
export function brokerAnswered(error: unknown): boolean {
  for (
    let e = error as
      { name?: string; message?: string; cause?: unknown; originalError?: unknown } | undefined;
    e;
    e = (e.originalError ?? e.cause) as typeof e
  ) {
    if (UNREACHABLE_NAME.test(e.name ?? '') || UNREACHABLE_MESSAGE.test(e.message ?? '')) return false;
  }
  for (
    let e = error as { name?: string; type?: string; cause?: unknown; originalError?: unknown } | undefined;
    e;
  ) {
    if (e.name === 'KafkaJSProtocolError' || e.name === 'KafkaJSNonRetriableError') return true;
    if (e.type && e.type !== 'UNKNOWN') return true;
    e = (e.originalError ?? e.cause) as typeof e;
  }
  return false;
}

function describe(error: unknown): string {
  const messages: string[] = [];
  for (let e = error as { message?: string; cause?: unknown; originalError?: unknown } | undefined; e;) {
    if (e.message) messages.push(e.message);
    e = (e.originalError ?? e.cause) as typeof e;
    if (messages.length > 3) break;
  }
  return messages.join(' ← ') || String(error);
}

export class DeadLetterWriter {
  private readonly opts: DeadLetterOptions;
  private producer: Producer | null = null;
  private maxBytes: number;
  /** Writes go one after the other, in the order asked (batches are counted in order anyway). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly kafka: Kafka,
    private readonly admin: Admin,
    options: Partial<DeadLetterOptions> = {},
  ) {
    this.opts = { ...DEFAULT_DEAD_LETTER_OPTIONS, ...options };
    this.maxBytes = this.opts.defaultMaxMessageBytes;
  }

  async start(): Promise<void> {
    // Idempotent: a request retried after a lost answer is not written again.
    this.producer = this.kafka.producer({
      allowAutoTopicCreation: false,
      idempotent: true,
      maxInFlightRequests: 1,
      retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 2000 },
    });
    await this.producer.connect();
    await this.readLimit();
  }

  async stop(): Promise<void> {
    await this.producer?.disconnect().catch(() => {});
    this.producer = null;
  }

  /** The largest record batch the dead-letter topic takes, as far as the cluster tells. */
  get maxMessageBytes(): number {
    return this.maxBytes;
  }

  /** Writes the letters (in order with earlier calls); resolves once each is written or lost. */
  write(letters: DeadLetter[], stopped: () => boolean): Promise<DeadLetterOutcome> {
    const run = this.queue.then(() => this.writeNow(letters, stopped));
    this.queue = run.catch(() => {});
    return run;
  }

  private async readLimit(): Promise<void> {
    try {
      const { resources } = await this.admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: 2 /* TOPIC */, name: this.opts.topic, configNames: ['max.message.bytes'] }],
      });
      const value = Number(
        resources[0]?.configEntries.find((c) => c.configName === 'max.message.bytes')?.configValue,
      );
      if (Number.isInteger(value) && value > 0) this.maxBytes = value;
    } catch {
      // Not allowed to describe configs (or the topic is missing): keep the safe default.
    }
  }

  private async writeNow(letters: DeadLetter[], stopped: () => boolean): Promise<DeadLetterOutcome> {
    const outcome: DeadLetterOutcome = { written: 0, lost: [] };
    // One key goes to one partition: a request per key keeps a partition's failure to itself.
    const byKey = new Map<string, DeadLetter[]>();
    for (const letter of letters) {
      const key = letter.key?.toString('base64') ?? '';
      let list = byKey.get(key);
      if (!list) byKey.set(key, (list = []));
      list.push(letter);
    }
    const pending: DeadLetter[][] = [];
    for (const list of byKey.values()) pending.push(...this.split(list, outcome));
    let answeredSince: number | null = null;
    let wait = this.opts.retryMs.first;
    while (pending.length) {
      const chunk = pending[0]!;
      if (stopped()) return outcome;
      try {
        await this.send(chunk);
        outcome.written += chunk.length;
        pending.shift();
        answeredSince = null;
        wait = this.opts.retryMs.first;
        continue;
      } catch (error) {
        const why = describe(error);
        if (TOO_LARGE.test(why)) {
          // The topic takes less than we thought: split again by its current limit.
          await this.readLimit();
          pending.shift();
          if (chunk.length === 1)
            outcome.lost.push({ letter: chunk[0]!, why: `too large for the topic: ${why}` });
          else {
            const half = Math.ceil(chunk.length / 2);
            pending.unshift(
              ...this.split(chunk.slice(0, half), outcome),
              ...this.split(chunk.slice(half), outcome),
            );
          }
          continue;
        }
        if (brokerAnswered(error)) {
          answeredSince ??= Date.now();
          if (Date.now() - answeredSince >= this.opts.giveUpAfterMs) {
            for (const rest of pending.splice(0))
              for (const letter of rest) outcome.lost.push({ letter, why });
            return outcome;
          }
        }
        await sleep(wait);
        wait = Math.min(wait * 2, this.opts.retryMs.max);
      }
    }
    return outcome;
  }

  /** Requests of at most the topic's limit; a letter larger than that on its own is lost. */
  private split(letters: DeadLetter[], outcome: DeadLetterOutcome): DeadLetter[][] {
    const budget = this.maxBytes - BATCH_OVERHEAD;
    const chunks: DeadLetter[][] = [];
    let chunk: DeadLetter[] = [];
    let bytes = 0;
    for (const letter of letters) {
      const size = letterBytes(letter);
      if (size > budget) {
        outcome.lost.push({
          letter,
          why: `${size} bytes, more than the dead-letter topic takes (max.message.bytes ${this.maxBytes})`,
        });
        continue;
      }
      if (chunk.length && bytes + size > budget) {
        chunks.push(chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push(letter);
      bytes += size;
    }
    if (chunk.length) chunks.push(chunk);
    return chunks;
  }

  private async send(chunk: DeadLetter[]): Promise<void> {
    if (!this.producer) throw new Error('dead-letter producer stopped');
    await this.producer.send({
      topic: this.opts.topic,
      acks: -1,
      messages: chunk.map((letter) => ({
        key: letter.key,
        value: letter.value,
        timestamp: letter.timestamp,
        headers: letterHeaders(letter),
        // A letter without a key would be spread over partitions; keep its request on one.
        ...(letter.key === null ? { partition: 0 } : {}),
      })),
    });
  }
}

function letterHeaders(letter: DeadLetter): IHeaders {
  return {
    ...letter.headers,
    [DEAD_LETTER_HEADERS.reason]: letter.reason,
    [DEAD_LETTER_HEADERS.sourceTopic]: letter.topic,
    [DEAD_LETTER_HEADERS.sourcePartition]: String(letter.partition),
    [DEAD_LETTER_HEADERS.sourceOffset]: letter.offset,
    ...letter.extra,
  };
}

/** What a letter adds to a request, generously: key, value, every header, and record overhead. */
export function letterBytes(letter: DeadLetter): number {
  let bytes = RECORD_OVERHEAD + (letter.key?.length ?? 0) + (letter.value?.length ?? 0);
  for (const [key, value] of Object.entries(letterHeaders(letter))) {
    bytes += Buffer.byteLength(key) + 10;
    for (const v of Array.isArray(value) ? value : [value])
      bytes += v === undefined ? 0 : Buffer.byteLength(v);
  }
  return bytes;
}

/**
 * Per source partition of a show, the offset below which this studio has dead-lettered every
 * refused message (or given up on it), kept in the data dir so a replay after a restart or a
 * lost pipeline does not write the same letters again. Saved at most every SAVE_EVERY_MS, so a
 * crash can repeat the letters of that last moment.
 */
export class DeadLetterLedger {
  private showId: string | null = null;
  private upTo = new Map<string, number>();
  private saveTimer: NodeJS.Timeout | null = null;
  private static readonly SAVE_EVERY_MS = 500;

  constructor(private readonly file: string | null) {}

  /** The show whose letters are tracked; another show starts from nothing. */
  use(showId: string): void {
    if (this.showId === showId) return;
    this.showId = showId;
    this.upTo = new Map();
    if (!this.file || !existsSync(this.file)) return;
    try {
      const saved = JSON.parse(readFileSync(this.file, 'utf8')) as { showId?: unknown; upTo?: unknown };
      if (saved.showId !== showId || typeof saved.upTo !== 'object' || saved.upTo === null) return;
      for (const [key, value] of Object.entries(saved.upTo)) {
        if (Number.isSafeInteger(value)) this.upTo.set(key, value as number);
      }
    } catch {
      // Unreadable: worst case, letters of this show are written again.
    }
  }

  /** Offsets below this on the partition are already dead-lettered. */
  writtenBelow(topic: string, partition: number): number {
    return this.upTo.get(`${topic}:${partition}`) ?? 0;
  }

  advance(topic: string, partition: number, end: number): void {
    const key = `${topic}:${partition}`;
    if ((this.upTo.get(key) ?? 0) >= end) return;
    this.upTo.set(key, end);
    this.saveTimer ??= setTimeout(() => this.flush(), DeadLetterLedger.SAVE_EVERY_MS);
  }

  flush(): void {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = null;
    if (!this.file || !this.showId) return;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      writeFileSync(
        `${this.file}.tmp`,
        JSON.stringify({ showId: this.showId, upTo: Object.fromEntries(this.upTo) }),
      );
      renameSync(`${this.file}.tmp`, this.file);
    } catch (error) {
      console.warn(`Could not save ${this.file}: ${(error as Error).message}`);
    }
  }
}
