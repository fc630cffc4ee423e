// Seeded shopper traffic for one show: arrivals and departures, chat (with spam and
// abuse for the moderation features), reactions, carts, orders that lean toward the
// pinned product, BNPL, cancellations and refunds. Pure: no clock, no I/O; the same seed
// and the same calls give the same events (server/audience/audience.ts sends them).
import type { OrderLine, PaymentMethod, ShopperEvent } from '../../protocol/events';

export interface AudienceProduct {
  id: string;
  /** Price in minor units (cents), as in protocol/catalog.ts. */
  priceMinor: number;
  currency: string;
}

/** Used until a catalog is given: small, varied prices, one currency. */
export const DEFAULT_PRODUCTS: AudienceProduct[] = [
  { id: 'sunglasses-aviator', priceMinor: 8900, currency: 'USD' },
  { id: 'sunglasses-round', priceMinor: 6500, currency: 'USD' },
  { id: 'beanie-wool', priceMinor: 2900, currency: 'USD' },
  { id: 'earrings-hoop', priceMinor: 4500, currency: 'USD' },
  { id: 'scarf-silk', priceMinor: 5900, currency: 'USD' },
  { id: 'lipstick-red', priceMinor: 1900, currency: 'USD' },
];

export interface AudienceGeneratorOptions {
  showId: string;
  seed: number;
  products?: AudienceProduct[];
  /** Audience size it steers toward. */
  targetAudience?: number;
  /** Prefix of event ids; differs between runs so two rehearsals of one show are not deduped. */
  runId?: string;
}

/** mulberry32: tiny, fast, good enough for simulation (not for anything secret). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CHAT = [
  'Does it come in black?',
  'love this!!',
  'what size is she wearing?',
  'how much is shipping to Canada',
  'just ordered 🛍️',
  'can you show the back?',
  'is this real silk?',
  'hi from Lisbon 👋',
  'price please',
  'that color is 🔥',
];
const SPAM = [
  'FREE followers at hxxp://cheap-followers.example',
  'DM me for 90% off replicas',
  'win an iphone >>> bit.ly/not-a-scam',
];
const ABUSE = ['you are so dumb lol', 'this host is a clown', 'shut up and leave, idiot'];
// Must stay text all the way to the dashboard.
const HOSTILE = ['<script>alert("hi")</script>', '<img src=x onerror=alert(1)>'];
const REACTIONS = ['heart', 'heart', 'heart', 'fire', 'fire', 'clap', 'wow', 'laugh'];
const NAMES = ['sunny', 'quiet', 'happy', 'brave', 'lucky', 'swift', 'calm', 'bold'];
const ANIMALS = ['otter', 'fox', 'lynx', 'heron', 'panda', 'koala', 'wolf', 'finch'];

interface PlacedOrder {
  orderId: string;
  viewerId: string;
  totalMinor: number;
  currency: string;
}

export class AudienceGenerator {
  readonly showId: string;
  private readonly random: () => number;
  private readonly products: AudienceProduct[];
  private readonly soldOut = new Set<string>();
  private readonly runId: string;
  private targetAudience: number;
  private pinned: AudienceProduct | null = null;

  private eventCounter = 0;
  private viewerCounter = 0;
  private orderCounter = 0;
  /** Present viewers, in an array for O(1) random picks (swap-remove). */
  private readonly present: string[] = [];
  private readonly presentIndex = new Map<string, number>();
  private readonly carts = new Map<string, Map<string, number>>();
  private readonly cartOwners: string[] = [];
  /** Recent orders that may still be cancelled or refunded. */
  private readonly recentOrders: PlacedOrder[] = [];

  constructor(options: AudienceGeneratorOptions) {
    this.showId = options.showId;
    this.random = seededRandom(options.seed);
    this.products = options.products?.length ? options.products : DEFAULT_PRODUCTS;
    this.targetAudience = Math.max(1, options.targetAudience ?? 500);
    this.runId = options.runId ?? `sim${options.seed}`;
  }

  /** Follows the host: cart adds and orders lean toward the pinned product. */
  setPinned(productId: string | null): void {
    this.pinned = this.products.find((p) => p.id === productId) ?? null;
  }

  /** Sold-out products are not added to carts, and checkout drops them. */
  setSoldOut(productId: string, soldOut: boolean): void {
    if (soldOut) this.soldOut.add(productId);
    else this.soldOut.delete(productId);
  }

  get pinnedProductId(): string | null {
    return this.pinned?.id ?? null;
  }

  setTargetAudience(n: number): void {
    this.targetAudience = Math.max(1, n);
  }

  get audience(): number {
    return this.present.length;
  }

  /** `count` events with timestamps spread evenly over (fromTs, toTs]. */
  generate(count: number, fromTs: number, toTs: number): ShopperEvent[] {
    const events: ShopperEvent[] = [];
    const span = Math.max(0, toTs - fromTs);
    for (let i = 0; i < count; i++) events.push(this.next(fromTs + Math.floor(((i + 1) * span) / count)));
    return events;
  }

  /** One event at `ts`. */
  next(ts: number): ShopperEvent {
    const r = this.random;
    const n = this.present.length;
    if (n === 0) return this.join(ts);
    const pinBoost = this.pinned ? 1.6 : 1;
    // Joins and leaves balance out when the audience is at its target size.
    const pressure = Math.min(4, this.targetAudience / n);
    // Per 100 events: mostly chat and reactions, a few arrivals and departures (a viewer
    // stays about 25 of their own events), about 1.5 cart adds and 0.2 orders, so roughly one
    // viewer in ten buys; about 2% of orders are cancelled and 3% refunded.
    const weights: [number, () => ShopperEvent][] = [
      [2 * pressure, () => this.join(ts)],
      [2 / pressure, () => this.leave(ts)],
      [52, () => this.chat(ts)],
      [42, () => this.react(ts)],
      [1.5 * pinBoost, () => this.addToCart(ts)],
      [this.cartOwners.length ? 0.3 : 0, () => this.removeFromCart(ts)],
      [this.cartOwners.length ? 0.22 * pinBoost : 0, () => this.order(ts)],
      [this.recentOrders.length ? 0.005 : 0, () => this.cancel(ts)],
      [this.recentOrders.length ? 0.008 : 0, () => this.refund(ts)],
    ];
    let total = 0;
    for (const [w] of weights) total += w;
    let pick = r() * total;
    for (const [w, make] of weights) {
      pick -= w;
      if (pick < 0) return make();
    }
    return this.chat(ts);
  }

  private base(ts: number) {
    return {
      id: `${this.runId}-${(this.eventCounter++).toString(36)}`,
      v: 1 as const,
      showId: this.showId,
      ts,
    };
  }

  private pickIndex(length: number): number {
    return Math.floor(this.random() * length);
  }

  private pickViewer(): string {
    return this.present[this.pickIndex(this.present.length)]!;
  }

  private displayName(viewerId: string): string {
    const n = Number.parseInt(viewerId.slice(viewerId.lastIndexOf('-') + 1), 36);
    return `${NAMES[n % NAMES.length]}_${ANIMALS[(n >> 3) % ANIMALS.length]}${n % 97}`;
  }

  private join(ts: number): ShopperEvent {
    const viewerId = `${this.runId}-v-${(this.viewerCounter++).toString(36)}`;
    this.presentIndex.set(viewerId, this.present.length);
    this.present.push(viewerId);
    return { ...this.base(ts), type: 'viewer.joined', viewerId, displayName: this.displayName(viewerId) };
  }

  private leave(ts: number): ShopperEvent {
    const viewerId = this.pickViewer();
    const i = this.presentIndex.get(viewerId)!;
    const last = this.present.pop()!;
    if (last !== viewerId) {
      this.present[i] = last;
      this.presentIndex.set(last, i);
    }
    this.presentIndex.delete(viewerId);
    this.dropCart(viewerId); // abandoned
    return { ...this.base(ts), type: 'viewer.left', viewerId };
  }

  private chat(ts: number): ShopperEvent {
    const viewerId = this.pickViewer();
    const r = this.random();
    // About 6% spam and 3% abuse, so moderation has something to do; a few hostile markups.
    const pool = r < 0.06 ? SPAM : r < 0.09 ? ABUSE : r < 0.095 ? HOSTILE : CHAT;
    let text = pool[this.pickIndex(pool.length)]!;
    if (pool === CHAT && this.pinned && this.random() < 0.3) text = `${text} (${this.pinned.id})`;
    return {
      ...this.base(ts),
      type: 'chat.message',
      viewerId,
      displayName: this.displayName(viewerId),
      text,
    };
  }

  private react(ts: number): ShopperEvent {
    return {
      ...this.base(ts),
      type: 'reaction',
      viewerId: this.pickViewer(),
      reaction: REACTIONS[this.pickIndex(REACTIONS.length)]!,
    };
  }

  private pickProduct(): AudienceProduct {
    if (this.pinned && !this.soldOut.has(this.pinned.id) && this.random() < 0.55) return this.pinned;
    // A few tries for one in stock; when (nearly) everything is sold out, shoppers still browse.
    let product = this.products[this.pickIndex(this.products.length)]!;
    for (let i = 0; i < 8 && this.soldOut.has(product.id); i++)
      product = this.products[this.pickIndex(this.products.length)]!;
    return product;
  }

  private addToCart(ts: number): ShopperEvent {
    const viewerId = this.pickViewer();
    const product = this.pickProduct();
    const qty = this.random() < 0.85 ? 1 : 2;
    let cart = this.carts.get(viewerId);
    if (!cart) {
      cart = new Map();
      this.carts.set(viewerId, cart);
      this.cartOwners.push(viewerId);
    }
    cart.set(product.id, (cart.get(product.id) ?? 0) + qty);
    return { ...this.base(ts), type: 'cart.item_added', viewerId, productId: product.id, qty };
  }

  private removeFromCart(ts: number): ShopperEvent {
    const viewerId = this.cartOwners[this.pickIndex(this.cartOwners.length)]!;
    const cart = this.carts.get(viewerId)!;
    const [productId, qty] = [...cart][this.pickIndex(cart.size)]!;
    cart.delete(productId);
    if (cart.size === 0) this.dropCart(viewerId);
    return { ...this.base(ts), type: 'cart.item_removed', viewerId, productId, qty };
  }

  private dropCart(viewerId: string): void {
    if (!this.carts.delete(viewerId)) return;
    const i = this.cartOwners.indexOf(viewerId);
    this.cartOwners[i] = this.cartOwners[this.cartOwners.length - 1]!;
    this.cartOwners.pop();
  }

  private order(ts: number): ShopperEvent {
    // Carts holding the pinned product check out more often.
    let viewerId = this.cartOwners[this.pickIndex(this.cartOwners.length)]!;
    if (this.pinned && !this.carts.get(viewerId)!.has(this.pinned.id)) {
      viewerId = this.cartOwners[this.pickIndex(this.cartOwners.length)]!;
    }
    const cart = this.carts.get(viewerId)!;
    const byId = new Map(this.products.map((p) => [p.id, p]));
    const lines: OrderLine[] = [...cart]
      .filter(([productId]) => !this.soldOut.has(productId))
      .map(([productId, qty]) => ({ productId, qty, unitPriceMinor: byId.get(productId)!.priceMinor }));
    // Everything in the cart sold out meanwhile: the shopper gives up on it.
    if (lines.length === 0) {
      const [productId, qty] = [...cart][0]!;
      this.dropCart(viewerId);
      return { ...this.base(ts), type: 'cart.item_removed', viewerId, productId, qty };
    }
    const currency = byId.get(lines[0]!.productId)!.currency;
    const totalMinor = lines.reduce((sum, l) => sum + l.qty * l.unitPriceMinor, 0);
    this.dropCart(viewerId);
    const orderId = `${this.runId}-o-${(this.orderCounter++).toString(36)}`;
    this.recentOrders.push({ orderId, viewerId, totalMinor, currency });
    if (this.recentOrders.length > 500) this.recentOrders.shift();
    return {
      ...this.base(ts),
      type: 'order.placed',
      viewerId,
      orderId,
      lines,
      totalMinor,
      currency,
      payment: this.payment(),
    };
  }

  /** Roughly US live-commerce mixes: card first, BNPL about a fifth of orders. */
  private payment(): { method: PaymentMethod; provider?: string } {
    const r = this.random();
    const one = (names: string[]) => names[this.pickIndex(names.length)]!;
    if (r < 0.55) return { method: 'card', provider: one(['visa', 'visa', 'mastercard', 'amex']) };
    if (r < 0.77) return { method: 'bnpl', provider: one(['klarna', 'klarna', 'afterpay', 'affirm']) };
    if (r < 0.97) return { method: 'wallet', provider: one(['apple_pay', 'google_pay', 'paypal']) };
    return { method: r < 0.985 ? 'gift_card' : 'bank_transfer' };
  }

  private takeRecentOrder(): PlacedOrder {
    const i = this.pickIndex(this.recentOrders.length);
    return this.recentOrders.splice(i, 1)[0]!;
  }

  private cancel(ts: number): ShopperEvent {
    const o = this.takeRecentOrder();
    return {
      ...this.base(ts),
      type: 'order.cancelled',
      viewerId: o.viewerId,
      orderId: o.orderId,
      reason: 'changed mind',
    };
  }

  private refund(ts: number): ShopperEvent {
    const o = this.takeRecentOrder();
    // Some refunds are partial (one item returned).
    const amountMinor = this.random() < 0.7 ? o.totalMinor : Math.max(1, Math.round(o.totalMinor / 2));
    return {
      ...this.base(ts),
      type: 'order.refunded',
      viewerId: o.viewerId,
      orderId: o.orderId,
      amountMinor,
      currency: o.currency,
      reason: 'returned',
    };
  }
}

/** A show sells in one currency; shoppers of it buy what is priced in that currency. */
export function productsInCurrency(
  products: AudienceProduct[],
  currency: string | undefined,
): AudienceProduct[] {
  if (!currency) return products;
  const priced = products.filter((p) => p.currency === currency);
  if (!priced.length) throw new Error(`no product in the catalog is priced in ${currency}`);
  return priced;
}
