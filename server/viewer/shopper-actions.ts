// The SFU process's side of the viewer page: the pinned product per show (set by the
// studio with the admin secret), shoppers' add-to-cart / buy clicks, which become
// `cart.item_added` / `order.placed` events on Kafka, keyed by show id, and viewers
// joining and leaving (`viewer.joined` / `viewer.left`). The SFU's one Kafka producer
// (shopper chat and its automod holds go out through it too).
// A click is taken only for the product pinned now, and only while it is in stock: a
// product pinned earlier (or sold out since) cannot be bought by replaying its id.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import kafkajs, { Kafka, logLevel, type Producer } from 'kafkajs';
import { ShowEvent, topicForEvent } from '../../protocol/events';
import {
  PinnedProductAnswer,
  ViewerActionRequest,
  type PinnedProduct,
  type ViewerActionAnswer,
  type ViewerActionRefusal,
} from '../../protocol/viewer-actions';
import type { KafkaConnection } from '../../protocol/kafka-connection';
import { registerKafkaCodecs, type KafkaCodecTable } from '../../protocol/kafka-codecs';

const MAX_BODY_BYTES = 16 * 1024;
/** Memory stays bounded while Kafka is away: about a minute of heavy audience churn. */
const MAX_PENDING_PRESENCE = 5000;

export interface ShopperActionsOptions {
  /** Where the events go; without brokers clicks are refused with 503. */
  kafka: KafkaConnection;
  /** Checks a show's token: 'viewer' or 'host' when it is valid for an open show. */
  roleFor: (showId: string, token: string) => 'host' | 'viewer' | null;
  isAdmin: (secret: string) => boolean;
  /** The studio changed the pinned product of a show (viewers are told at once). */
  onPinned?: (showId: string, product: PinnedProduct | null) => void;
  log: (line: string) => void;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function refuse(res: ServerResponse, status: number, body: ViewerActionRefusal): void {
  sendJson(res, status, body);
}

/** A browser names the page's origin; it must be this server's own (no Origin: not a browser). */
function sameSite(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Error('body too large');
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

export class ShopperActions {
  /** The product pinned now, per show: the only one a shopper can buy. */
  private readonly pinned = new Map<string, PinnedProduct>();
  private producer: Producer | null = null;
  private connecting: Promise<Producer> | null = null;
  private presenceQueue: Promise<void> = Promise.resolve();
  /** Presence events waiting for Kafka; past the cap (Kafka away, heavy churn) new ones are dropped. */
  private presencePending = 0;
  private presenceDropped = 0;

  constructor(private readonly options: ShopperActionsOptions) {}

  /** Handles /shows/:showId/(pinned|actions); returns false for other paths. */
  route(req: IncomingMessage, res: ServerResponse, pathname: string, url: URL): boolean {
    const match = /^\/shows\/([A-Za-z0-9_-]{1,64})\/(pinned|actions)$/.exec(pathname);
    if (!match) return false;
    const [, showId, what] = match as unknown as [string, string, 'pinned' | 'actions'];
    void this.handle(req, res, showId, what, url).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 400, { error: (error as Error).message });
    });
    return true;
  }

  async stop(): Promise<void> {
    // viewer.left of the viewers a shutdown sent away goes out first.
    await this.presenceQueue;
    await this.producer?.disconnect().catch(() => {});
  }

  private async handle(
    req: IncomingMessage,
    res: ServerResponse,
    showId: string,
    what: 'pinned' | 'actions',
    url: URL,
  ): Promise<void> {
    const method = req.method ?? 'GET';
    if (what === 'pinned' && method === 'GET') {
      if (!this.options.roleFor(showId, url.searchParams.get('token') ?? ''))
        return sendJson(res, 401, { error: 'unknown show or wrong token' });
      return sendJson(res, 200, { product: this.pinned.get(showId) ?? null });
    }
    if (what === 'pinned' && method === 'PUT') {
      const secret = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      if (!this.options.isAdmin(secret)) return sendJson(res, 401, { error: 'wrong admin secret' });
      const body = PinnedProductAnswer.safeParse(await readJson(req));
      if (!body.success) return sendJson(res, 400, { error: 'expected { product }' });
      const { product } = body.data;
      if (product) this.pinned.set(showId, product);
      else this.pinned.delete(showId);
      this.options.onPinned?.(showId, product);
      return sendJson(res, 200, { product });
    }
    if (what === 'actions' && method === 'POST') {
      // JSON only: a form or text/plain post is what another site's page can send without asking.
      if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? ''))
        return sendJson(res, 415, { error: 'send the action as application/json' });
      if (!sameSite(req)) return sendJson(res, 403, { error: "only the viewer page's own site may shop" });
      const body = ViewerActionRequest.safeParse(await readJson(req));
      if (!body.success) return sendJson(res, 400, { error: 'invalid action' });
      const { token, viewerId, action } = body.data;
      if (this.options.roleFor(showId, token) !== 'viewer')
        return sendJson(res, 401, { error: 'unknown show or wrong token' });
      const product = this.pinned.get(showId);
      if (product?.productId !== action.productId)
        return refuse(res, 404, { error: 'that product is not pinned now', reason: 'not-pinned' });
      if (product.soldOut) return refuse(res, 409, { error: 'that product is sold out', reason: 'sold-out' });
      return this.publish(res, showId, viewerId, action, product);
    }
    sendJson(res, 405, { error: 'method not allowed' });
  }

  private async publish(
    res: ServerResponse,
    showId: string,
    viewerId: string,
    action: ViewerActionRequest['action'],
    product: PinnedProduct,
  ): Promise<void> {
    const base = { id: randomUUID(), v: 1, ts: Date.now(), showId, viewerId };
    const orderId = action.action === 'buy' ? `order-${randomUUID()}` : undefined;
    const candidate =
      action.action === 'add_to_cart'
        ? { ...base, type: 'cart.item_added', productId: product.productId, qty: action.qty }
        : {
            ...base,
            type: 'order.placed',
            orderId,
            lines: [{ productId: product.productId, qty: action.qty, unitPriceMinor: product.priceMinor }],
            totalMinor: product.priceMinor * action.qty,
            currency: product.currency,
            payment: action.payment,
          };
    const event = ShowEvent.safeParse(candidate);
    if (!event.success) return sendJson(res, 400, { error: event.error.issues[0]?.message ?? 'invalid' });
    try {
      await this.produce(event.data);
    } catch (error) {
      this.options.log(`shopper action not delivered: ${(error as Error).message}`);
      return sendJson(res, 503, { error: 'the shop is unavailable, try again' });
    }
    const answer: ViewerActionAnswer = {
      eventId: event.data.id,
      type: event.data.type as ViewerActionAnswer['type'],
      ...(orderId ? { orderId } : {}),
    };
    sendJson(res, 202, answer);
  }

  /**
   * A viewer page joined or left a show's room (the signaling side reports it): one
   * viewer.joined / viewer.left event each. Sent in order per show; a lost one is logged.
   */
  viewerPresence(change: 'joined' | 'left', showId: string, viewerId: string): void {
    const event = ShowEvent.safeParse({
      id: randomUUID(),
      v: 1,
      ts: Date.now(),
      showId,
      type: change === 'joined' ? 'viewer.joined' : 'viewer.left',
      viewerId,
    });
    if (!event.success || this.options.kafka.brokers.length === 0) return;
    const data = event.data;
    if (this.presencePending >= MAX_PENDING_PRESENCE) {
      this.presenceDropped += 1;
      if (Number.isInteger(Math.log10(this.presenceDropped)))
        this.options.log(`${this.presenceDropped} viewer presence events dropped: Kafka is not keeping up`);
      return;
    }
    this.presencePending += 1;
    // Chained, so a quick join-then-leave cannot reach Kafka as leave-then-join.
    this.presenceQueue = this.presenceQueue
      .then(() => this.produce(data))
      .catch((error: unknown) => this.options.log(`${data.type} not delivered: ${(error as Error).message}`))
      .finally(() => (this.presencePending -= 1));
  }

  /** Sends one event to its topic (shopper or studio), keyed by its show; resolves once acknowledged. */
  async produce(event: ShowEvent): Promise<void> {
    const producer = await this.kafkaProducer();
    await producer.send({
      topic: topicForEvent(event),
      messages: [{ key: event.showId, value: JSON.stringify(event), timestamp: String(event.ts) }],
    });
  }

  private kafkaProducer(): Promise<Producer> {
    if (this.producer) return Promise.resolve(this.producer);
    if (this.options.kafka.brokers.length === 0)
      return Promise.reject(new Error('no Kafka brokers configured'));
    this.connecting ??= (async () => {
      registerKafkaCodecs(kafkajs.CompressionCodecs as unknown as KafkaCodecTable);
      const kafka = new Kafka({
        clientId: 'shopcast-sfu-shopper-actions',
        brokers: this.options.kafka.brokers,
        ssl: this.options.kafka.ssl,
        ...(this.options.kafka.sasl ? { sasl: this.options.kafka.sasl } : {}),
        logLevel: logLevel.NOTHING,
        connectionTimeout: 2000,
        retry: { retries: 2 },
      });
      const producer = kafka.producer({ allowAutoTopicCreation: true });
      await producer.connect();
      this.producer = producer;
      return producer;
    })().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }
}
