// Live metrics of one show, computed from its validated events. Pure and synchronous:
// time comes only from event timestamps, so replaying the same events gives the same
// snapshot. Definitions of every figure: docs/events.md, "Metrics".
import type { OrderLine, ShowEvent, ShowEventOf } from '../../protocol/events';
import type { PinWindowMetrics, ProductMetrics, ShowMetricsSnapshot } from '../../protocol/metrics';
import { copyState } from './copy-state';

export interface ShowAggregatorOptions {
  /** Event ids are remembered for at least this long in show time (see RecentIds). */
  dedupeWindowMs: number;
  /** ...unless more than this many arrive within the window; then the oldest go first. */
  dedupeMaxIds: number;
  /** Seconds kept in the per-second ring buffers. */
  seriesSeconds: number;
  /** Seconds of series included in a snapshot (the dashboard's chart width). */
  snapshotSeconds: number;
  /** Distinct product ids tracked; more are summed under OTHER_PRODUCTS (hostile producers). */
  maxProducts: number;
  maxMarkers: number;
  /** Money events kept until show.started confirms the currency (see confirmCurrency). */
  maxProvisionalMoneyEvents: number;
}

export const DEFAULT_AGGREGATOR_OPTIONS: ShowAggregatorOptions = {
  dedupeWindowMs: 10 * 60_000,
  dedupeMaxIds: 1_000_000,
  seriesSeconds: 3600,
  snapshotSeconds: 300,
  maxProducts: 5000,
  maxMarkers: 1000,
  maxProvisionalMoneyEvents: 100_000,
};

export const OTHER_PRODUCTS = '(other products)';

type MoneyEvent = ShowEventOf<'order.placed' | 'order.cancelled' | 'order.refunded'>;

export type ApplyResult = 'applied' | 'duplicate' | 'other-show';

/**
 * Event ids seen recently, in two generations: ids go into `current`; when `current`
 * spans the window (or holds half the id budget) it becomes `previous` and the old
 * `previous` is dropped. So an id is remembered for at least one full window of show
 * time (or dedupeMaxIds/2 later ids), and memory stays under dedupeMaxIds ids.
 * Redelivered and retried messages arrive seconds apart, well inside the window;
 * orders are additionally deduped forever by order id.
 */
class RecentIds {
  private current = new Set<string>();
  private previous = new Set<string>();
  private generationStart = -Infinity;

  constructor(
    private readonly windowMs: number,
    private readonly maxIds: number,
  ) {}

  /** False when the id was already seen. */
  add(id: string, clock: number): boolean {
    if (this.current.has(id) || this.previous.has(id)) return false;
    if (clock - this.generationStart >= this.windowMs || this.current.size >= this.maxIds / 2) {
      this.previous = this.current;
      this.current = new Set();
      this.generationStart = clock;
    }
    this.current.add(id);
    return true;
  }
}

/** Per-second counters in a ring; a slot is reused when its second falls out of the ring. */
class SecondSeries {
  readonly second: Float64Array;
  readonly chat: Uint32Array;
  readonly reactions: Uint32Array;
  readonly cartAdds: Uint32Array;
  readonly orders: Uint32Array;
  readonly revenue: Float64Array;
  /** Audience before the slot's first join/leave and after its last one (when `viewersMoved`). */
  readonly viewersMoved: Uint8Array;
  readonly viewersIn: Uint32Array;
  readonly viewersOut: Uint32Array;

  constructor(readonly size: number) {
    this.second = new Float64Array(size).fill(-1);
    this.chat = new Uint32Array(size);
    this.reactions = new Uint32Array(size);
    this.cartAdds = new Uint32Array(size);
    this.orders = new Uint32Array(size);
    this.revenue = new Float64Array(size);
    this.viewersMoved = new Uint8Array(size);
    this.viewersIn = new Uint32Array(size);
    this.viewersOut = new Uint32Array(size);
  }

  /** Slot for an epoch second, or -1 when it is older than the ring. */
  slot(sec: number, clockSec: number): number {
    if (sec <= clockSec - this.size) return -1;
    const i = sec % this.size;
    if (this.second[i] !== sec) {
      this.second[i] = sec;
      this.chat[i] = this.reactions[i] = this.cartAdds[i] = this.orders[i] = 0;
      this.revenue[i] = 0;
      this.viewersMoved[i] = 0;
    }
    return i;
  }

  /** Sum of one counter over [fromSec, toSec]. */
  sum(counter: Uint32Array | Float64Array, fromSec: number, toSec: number): number {
    let total = 0;
    for (let s = Math.max(fromSec, toSec - this.size + 1); s <= toSec; s++) {
      const i = s % this.size;
      if (this.second[i] === s) total += counter[i]!;
    }
    return total;
  }
}

interface OrderRecord {
  ts: number;
  totalMinor: number;
  /** Not yet cancelled or refunded. */
  remainingMinor: number;
  lines: OrderLine[];
  /** Placed in another currency than the show's: kept out of money figures. */
  foreign: boolean;
  cancelled: boolean;
}

interface PinWindow {
  productId: string;
  pinnedAt: number;
  unpinnedAt: number | null;
  productOrders: number;
  productUnits: number;
  productRevenueMinor: number;
  windowOrders: number;
  windowRevenueMinor: number;
}

const emptyProduct = (productId: string): ProductMetrics => ({
  productId,
  cartAdds: 0,
  orders: 0,
  units: 0,
  revenueMinor: 0,
  soldOut: false,
});

export class ShowAggregator {
  private readonly opts: ShowAggregatorOptions;
  private readonly ids: RecentIds;
  private readonly series: SecondSeries;

  private status: ShowMetricsSnapshot['status'] = 'pending';
  private startedAt: number | null = null;
  private endedAt: number | null = null;
  private clock = -Infinity;
  private clockSec = -Infinity;
  private currency: string | null = null;
  /**
   * Until show.started says the show's currency, an order can fix it only provisionally:
   * the studio topic may be read after the shopper topic. The money events seen meanwhile
   * are kept so the figures can be recomputed in the declared currency (null: no longer kept).
   */
  private provisionalMoney: MoneyEvent[] | null = [];

  private accepted = 0;
  private duplicates = 0;
  private readonly present = new Set<string>();
  private peakViewers = 0;
  private readonly everSeen = new Set<string>();
  private readonly buyers = new Set<string>();
  private chatMessages = 0;
  private reactions = 0;
  private cartAdds = 0;
  private cartRemoves = 0;

  private readonly orders = new Map<string, OrderRecord>();
  /** Orders in arrival order, for re-attributing pin windows. */
  private readonly orderList: OrderRecord[] = [];
  private orderCount = 0;
  private units = 0;
  private grossMinor = 0;
  private bnplOrders = 0;
  private bnplMinor = 0;
  private otherCurrency = 0;
  private cancelledCount = 0;
  private cancelledMinor = 0;
  private refundCount = 0;
  private refundMinor = 0;

  private readonly products = new Map<string, ProductMetrics>();
  private readonly pins: PinWindow[] = [];
  private readonly markers: { ts: number; label: string }[] = [];

  constructor(
    readonly showId: string,
    options: Partial<ShowAggregatorOptions> = {},
  ) {
    this.opts = { ...DEFAULT_AGGREGATOR_OPTIONS, ...options };
    this.ids = new RecentIds(this.opts.dedupeWindowMs, this.opts.dedupeMaxIds);
    this.series = new SecondSeries(this.opts.seriesSeconds);
  }

  /**
   * An independent copy of this aggregator's whole state: fed the same events, it continues
   * exactly like this one (replays keep such copies as checkpoints along a show).
   */
  clone(): ShowAggregator {
    return copyState(this);
  }

  apply(e: ShowEvent): ApplyResult {
    if (e.showId !== this.showId) return 'other-show';
    if (e.ts > this.clock) {
      this.clock = e.ts;
      this.clockSec = Math.floor(e.ts / 1000);
    }
    if (!this.ids.add(e.id, this.clock)) {
      this.duplicates++;
      return 'duplicate';
    }
    if (e.type === 'order.placed' && this.orders.has(e.orderId)) {
      this.duplicates++;
      return 'duplicate';
    }
    this.accepted++;
    const slot = this.series.slot(Math.floor(e.ts / 1000), this.clockSec);
    this.dispatch(e, slot);
    return 'applied';
  }

  private dispatch(e: ShowEvent, slot: number): void {
    const s = this.series;
    switch (e.type) {
      case 'viewer.joined':
      case 'viewer.left':
        if (slot >= 0 && !s.viewersMoved[slot]) {
          s.viewersMoved[slot] = 1;
          s.viewersIn[slot] = this.present.size;
        }
        if (e.type === 'viewer.joined') this.present.add(e.viewerId);
        else this.present.delete(e.viewerId);
        this.everSeen.add(e.viewerId);
        if (this.present.size > this.peakViewers) this.peakViewers = this.present.size;
        if (slot >= 0) s.viewersOut[slot] = this.present.size;
        return;
      case 'chat.message':
        this.everSeen.add(e.viewerId);
        this.chatMessages++;
        if (slot >= 0) s.chat[slot]!++;
        return;
      case 'reaction':
        this.everSeen.add(e.viewerId);
        this.reactions++;
        if (slot >= 0) s.reactions[slot]!++;
        return;
      case 'cart.item_added':
        this.everSeen.add(e.viewerId);
        this.cartAdds++;
        this.product(e.productId).cartAdds++;
        if (slot >= 0) s.cartAdds[slot]!++;
        return;
      case 'cart.item_removed':
        this.everSeen.add(e.viewerId);
        this.cartRemoves++;
        return;
      case 'order.placed':
      case 'order.cancelled':
      case 'order.refunded':
        this.everSeen.add(e.viewerId);
        this.applyMoney(e, slot);
        return;
      case 'show.started':
        this.status = this.status === 'ended' ? 'ended' : 'live';
        this.startedAt = e.ts;
        this.confirmCurrency(e.currency);
        return;
      case 'show.ended':
        this.status = 'ended';
        this.endedAt = e.ts;
        this.closePin(e.ts);
        return;
      case 'product.pinned':
        this.pin(e.productId, e.ts);
        return;
      case 'product.unpinned':
        if (this.openPin()?.productId === e.productId) this.closePin(e.ts);
        return;
      case 'product.sold_out':
        this.product(e.productId).soldOut = true;
        return;
      case 'product.back_in_stock':
        this.product(e.productId).soldOut = false;
        return;
      case 'marker':
        if (this.markers.length < this.opts.maxMarkers) this.markers.push({ ts: e.ts, label: e.label });
        return;
      case 'moderation.decision':
        return;
    }
  }

  private product(productId: string): ProductMetrics {
    let p = this.products.get(productId);
    if (!p) {
      const id = this.products.size < this.opts.maxProducts ? productId : OTHER_PRODUCTS;
      p = this.products.get(id) ?? emptyProduct(id);
      this.products.set(id, p);
    }
    return p;
  }

  private applyMoney(e: MoneyEvent, slot: number): void {
    if (this.provisionalMoney) {
      if (this.provisionalMoney.length < this.opts.maxProvisionalMoneyEvents) this.provisionalMoney.push(e);
      else this.provisionalMoney = null; // the first order's currency stands
    }
    if (e.type === 'order.placed') this.placeOrder(e, slot);
    else if (e.type === 'order.cancelled') this.cancelOrder(e.orderId);
    else this.refund(e);
  }

  /** The show's declared currency wins over one that orders processed earlier fixed. */
  private confirmCurrency(currency: string): void {
    const log = this.provisionalMoney;
    if (!log) return;
    this.provisionalMoney = null;
    if (this.currency === null || this.currency === currency) {
      this.currency = currency;
      return;
    }
    this.currency = currency;
    this.resetMoney();
    for (const e of log) this.applyMoney(e, this.series.slot(Math.floor(e.ts / 1000), this.clockSec));
  }

  private resetMoney(): void {
    this.orders.clear();
    this.orderList.length = 0;
    this.buyers.clear();
    this.orderCount = this.units = this.grossMinor = this.bnplOrders = this.bnplMinor = 0;
    this.otherCurrency = this.cancelledCount = this.cancelledMinor = this.refundCount = this.refundMinor = 0;
    for (const p of this.products.values()) p.orders = p.units = p.revenueMinor = 0;
    for (const w of this.pins)
      w.productOrders = w.productUnits = w.productRevenueMinor = w.windowOrders = w.windowRevenueMinor = 0;
    this.series.orders.fill(0);
    this.series.revenue.fill(0);
  }

  private placeOrder(e: ShowEventOf<'order.placed'>, slot: number): void {
    this.currency ??= e.currency;
    const foreign = e.currency !== this.currency;
    const order: OrderRecord = {
      ts: e.ts,
      totalMinor: e.totalMinor,
      remainingMinor: e.totalMinor,
      lines: e.lines,
      foreign,
      cancelled: false,
    };
    this.orders.set(e.orderId, order);
    if (foreign) {
      this.otherCurrency++;
      return;
    }
    this.orderList.push(order);
    this.orderCount++;
    this.buyers.add(e.viewerId);
    this.grossMinor += e.totalMinor;
    if (e.payment.method === 'bnpl') {
      this.bnplOrders++;
      this.bnplMinor += e.totalMinor;
    }
    const counted = new Set<string>();
    for (const line of e.lines) {
      const p = this.product(line.productId);
      this.units += line.qty;
      p.units += line.qty;
      p.revenueMinor += line.qty * line.unitPriceMinor;
      if (!counted.has(p.productId)) {
        counted.add(p.productId);
        p.orders++;
      }
    }
    if (slot >= 0) {
      this.series.orders[slot]!++;
      this.series.revenue[slot]! += e.totalMinor;
    }
    const pin = this.pinAt(e.ts);
    if (pin) attribute(pin, order);
  }

  private cancelOrder(orderId: string): void {
    const order = this.orders.get(orderId);
    // Orders placed before what we read (or in another currency) have no amount we can reverse.
    if (!order || order.cancelled || order.foreign) return;
    order.cancelled = true;
    this.cancelledCount++;
    this.cancelledMinor += order.remainingMinor;
    order.remainingMinor = 0;
  }

  private refund(e: ShowEventOf<'order.refunded'>): void {
    if (this.currency !== null && e.currency !== this.currency) return;
    const order = this.orders.get(e.orderId);
    if (order?.foreign) return;
    // Never refund more than is left of a known order.
    const amount = order ? Math.min(e.amountMinor, order.remainingMinor) : e.amountMinor;
    if (order) order.remainingMinor -= amount;
    this.refundCount++;
    this.refundMinor += amount;
  }

  // Pin windows: one product pinned at a time; pinning another closes the previous window.

  private openPin(): PinWindow | undefined {
    const last = this.pins.at(-1);
    return last && last.unpinnedAt === null ? last : undefined;
  }

  private pin(productId: string, ts: number): void {
    const open = this.openPin();
    if (open?.productId === productId) return;
    this.closePin(ts);
    const window: PinWindow = {
      productId,
      pinnedAt: ts,
      unpinnedAt: null,
      productOrders: 0,
      productUnits: 0,
      productRevenueMinor: 0,
      windowOrders: 0,
      windowRevenueMinor: 0,
    };
    this.pins.push(window);
    this.recount(window);
  }

  private closePin(ts: number): void {
    const open = this.openPin();
    if (!open) return;
    open.unpinnedAt = Math.max(ts, open.pinnedAt);
    // Orders processed before this unpin (the studio topic can lag) may lie after it.
    this.recount(open);
  }

  private pinAt(ts: number): PinWindow | undefined {
    for (let i = this.pins.length - 1; i >= 0; i--) {
      const w = this.pins[i]!;
      if (w.pinnedAt <= ts && (w.unpinnedAt === null || ts < w.unpinnedAt)) return w;
      if (w.unpinnedAt !== null && w.unpinnedAt <= ts) return undefined;
    }
    return undefined;
  }

  /** Recomputes a window from all orders: pin events are rare, orders may precede them in processing. */
  private recount(w: PinWindow): void {
    w.productOrders = w.productUnits = w.productRevenueMinor = w.windowOrders = w.windowRevenueMinor = 0;
    for (const order of this.orderList) {
      if (order.ts >= w.pinnedAt && (w.unpinnedAt === null || order.ts < w.unpinnedAt)) attribute(w, order);
    }
  }

  snapshot(): ShowMetricsSnapshot {
    const s = this.series;
    const hasClock = Number.isFinite(this.clock);
    const now = hasClock ? this.clockSec : 0;
    const minute = (c: Uint32Array | Float64Array) => (hasClock ? s.sum(c, now - 59, now) : 0);
    const uniqueViewers = this.everSeen.size;
    return {
      showId: this.showId,
      status: this.status,
      startedAt: this.startedAt,
      endedAt: this.endedAt,
      asOf: hasClock ? this.clock : null,
      currency: this.currency,
      events: { accepted: this.accepted, duplicates: this.duplicates },
      viewers: { current: this.present.size, peak: this.peakViewers, unique: uniqueViewers },
      chat: { messages: this.chatMessages, perMinute: minute(s.chat) },
      reactions: { total: this.reactions, perMinute: minute(s.reactions) },
      cart: { adds: this.cartAdds, removes: this.cartRemoves, addsPerMinute: minute(s.cartAdds) },
      orders: {
        count: this.orderCount,
        perMinute: minute(s.orders),
        units: this.units,
        buyers: this.buyers.size,
        grossRevenueMinor: this.grossMinor,
        revenuePerMinuteMinor: minute(s.revenue),
        netRevenueMinor: this.grossMinor - this.cancelledMinor - this.refundMinor,
        aovMinor: this.orderCount ? Math.round(this.grossMinor / this.orderCount) : 0,
        conversion: uniqueViewers ? this.buyers.size / uniqueViewers : 0,
        bnplOrderShare: this.orderCount ? this.bnplOrders / this.orderCount : 0,
        bnplRevenueShare: this.grossMinor ? this.bnplMinor / this.grossMinor : 0,
        cancelled: { count: this.cancelledCount, amountMinor: this.cancelledMinor },
        refunds: { count: this.refundCount, amountMinor: this.refundMinor },
        otherCurrency: this.otherCurrency,
      },
      pinnedProductId: this.openPin()?.productId ?? null,
      products: [...this.products.values()]
        .map((p) => ({ ...p }))
        .sort((a, b) => b.revenueMinor - a.revenueMinor || a.productId.localeCompare(b.productId)),
      pins: this.pins.map((w): PinWindowMetrics => ({ ...w })),
      markers: this.markers.map((m) => ({ ...m })),
      series: this.seriesSnapshot(hasClock ? now : null),
    };
  }

  private seriesSnapshot(now: number | null): ShowMetricsSnapshot['series'] {
    const s = this.series;
    const out: ShowMetricsSnapshot['series'] = {
      startSecond: 0,
      viewers: [],
      chat: [],
      cartAdds: [],
      orders: [],
      revenueMinor: [],
    };
    if (now === null) return out;
    const length = Math.min(this.opts.snapshotSeconds, s.size);
    out.startSecond = now - length + 1;
    // Seconds without joins or leaves carry the audience of the last one that had some;
    // leading such seconds take the audience from before the first join/leave after them
    // (or the current audience when nobody came or went in the whole range).
    let viewers: number | null = null;
    const leading: number[] = [];
    for (let sec = out.startSecond; sec <= now; sec++) {
      const i = ((sec % s.size) + s.size) % s.size;
      const here = s.second[i] === sec;
      if (here && s.viewersMoved[i]) {
        if (viewers === null) for (const j of leading) out.viewers[j] = s.viewersIn[i]!;
        viewers = s.viewersOut[i]!;
      }
      if (viewers === null) leading.push(out.viewers.length);
      out.viewers.push(viewers ?? this.present.size);
      out.chat.push(here ? s.chat[i]! : 0);
      out.cartAdds.push(here ? s.cartAdds[i]! : 0);
      out.orders.push(here ? s.orders[i]! : 0);
      out.revenueMinor.push(here ? s.revenue[i]! : 0);
    }
    return out;
  }
}

function attribute(w: PinWindow, order: OrderRecord): void {
  w.windowOrders++;
  w.windowRevenueMinor += order.totalMinor;
  let hit = false;
  for (const line of order.lines) {
    if (line.productId !== w.productId) continue;
    hit = true;
    w.productUnits += line.qty;
    w.productRevenueMinor += line.qty * line.unitPriceMinor;
  }
  if (hit) w.productOrders++;
}
