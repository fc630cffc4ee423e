// Live metrics of one show, computed from its validated events. Pure and synchronous:
// time comes only from event timestamps, so replaying the same events gives the same
// snapshot. Definitions of every figure: docs/events.md, "Metrics".
import type { OrderLine, ShowEvent, ShowEventOf } from '../../protocol/events';
import type { PinWindowMetrics, ProductMetrics, ShowMetricsSnapshot } from '../../protocol/metrics';
import { copyState } from './copy-state';
import { DistinctEstimate, FingerprintTable, GrowableFloat64, fingerprint, fp } from './id-tables';

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
  /** Unique viewers counted exactly; beyond, viewer figures are estimates (labelled so). */
  maxExactViewers: number;
  /** Pin windows kept (the oldest go first); a snapshot carries the last snapshotPins. */
  maxPins: number;
  snapshotPins: number;
  /** Products a snapshot carries (the best-selling), and markers (the latest). */
  snapshotProducts: number;
  snapshotMarkers: number;
  /**
   * Orders read ahead of the studio topic wait this long (show time), at most this many, for
   * a pin or unpin stamped before them; then they count for the window open at the time.
   */
  pinSettleMs: number;
  maxUnsettledOrders: number;
}

export const DEFAULT_AGGREGATOR_OPTIONS: ShowAggregatorOptions = {
  dedupeWindowMs: 10 * 60_000,
  dedupeMaxIds: 1_000_000,
  seriesSeconds: 3600,
  snapshotSeconds: 300,
  maxProducts: 5000,
  maxMarkers: 1000,
  maxProvisionalMoneyEvents: 100_000,
  maxExactViewers: 10_000_000,
  maxPins: 10_000,
  snapshotPins: 100,
  snapshotProducts: 200,
  snapshotMarkers: 100,
  pinSettleMs: 10 * 60_000,
  maxUnsettledOrders: 100_000,
};

export const OTHER_PRODUCTS = '(other products)';

type MoneyEvent = ShowEventOf<'order.placed' | 'order.cancelled' | 'order.refunded'>;

export type ApplyResult = 'applied' | 'duplicate' | 'other-show';

/**
 * Event ids seen recently, in two generations of fingerprints: ids go into `current`; when
 * `current` spans the window (or holds half the id budget) it becomes `previous` and the old
 * `previous` is dropped. So an id is remembered for at least one full window of show time (or
 * dedupeMaxIds/2 later ids), and memory stays under dedupeMaxIds fingerprints (8 bytes each,
 * about 16 with the table's room). Redelivered and retried messages arrive seconds apart, well
 * inside the window; orders are additionally deduped forever by order id.
 */
class RecentIds {
  private current = new FingerprintTable();
  private previous = new FingerprintTable();
  private generationStart = -Infinity;

  constructor(
    private readonly windowMs: number,
    private readonly maxIds: number,
  ) {}

  /** False when the id was already seen. */
  add(id: string, clock: number): boolean {
    fingerprint(id);
    const { hi, lo } = fp;
    if (this.previous.find(hi, lo) >= 0) return false;
    if (clock - this.generationStart >= this.windowMs || this.current.size >= this.maxIds / 2) {
      if (this.current.find(hi, lo) >= 0) return false;
      this.previous = this.current;
      this.current = new FingerprintTable();
      this.generationStart = clock;
    }
    // Adds it unless it is there: one probe for both.
    this.current.insert(hi, lo);
    return this.current.added;
  }
}

const PRESENT = 1;
const BUYER = 2;

/**
 * Who is watching and who bought, per viewer id: a byte of flags per fingerprint, exact up to
 * maxExact unique viewers (12–24 bytes each). Beyond that, new ids are only counted: unique
 * viewers and buyers by HyperLogLog (±1 %), current viewers by joins minus leaves, and
 * `estimated` says so.
 */
class Viewers {
  private readonly table = new FingerprintTable(1024, 'u8');
  private readonly unique = new DistinctEstimate();
  private readonly buyersBeyond = new DistinctEstimate();
  private present = 0;
  private presentBeyond = 0;
  private buyerCount = 0;
  estimated = false;

  constructor(private readonly maxExact: number) {}

  get current(): number {
    return this.present + this.presentBeyond;
  }

  get uniqueCount(): number {
    return this.estimated ? Math.max(this.unique.estimate(), this.table.size) : this.table.size;
  }

  get buyers(): number {
    return this.buyerCount + (this.estimated ? this.buyersBeyond.estimate() : 0);
  }

  /** The viewer's slot (-1 beyond the exact range); records it as seen. */
  seen(viewerId: string): number {
    fingerprint(viewerId);
    const { hi, lo } = fp;
    if (this.estimated) {
      const slot = this.table.find(hi, lo);
      if (slot < 0) this.unique.add(hi, lo);
      return slot;
    }
    if (this.table.size >= this.maxExact && this.table.find(hi, lo) < 0) {
      // From here on: estimates, seeded with every id counted so far.
      this.estimated = true;
      this.table.forEach((h, l) => this.unique.add(h, l));
      this.unique.add(hi, lo);
      return -1;
    }
    return this.table.insert(hi, lo);
  }

  join(viewerId: string): void {
    const slot = this.seen(viewerId);
    if (slot < 0) this.presentBeyond++;
    else if (!(this.table.values![slot]! & PRESENT)) {
      this.table.values![slot]! |= PRESENT;
      this.present++;
    }
  }

  leave(viewerId: string): void {
    const slot = this.seen(viewerId);
    if (slot < 0) this.presentBeyond = Math.max(0, this.presentBeyond - 1);
    else if (this.table.values![slot]! & PRESENT) {
      this.table.values![slot]! &= ~PRESENT;
      this.present--;
    }
  }

  bought(viewerId: string): void {
    const slot = this.seen(viewerId);
    if (slot < 0) this.buyersBeyond.add(fp.hi, fp.lo);
    else if (!(this.table.values![slot]! & BUYER)) {
      this.table.values![slot]! |= BUYER;
      this.buyerCount++;
    }
  }

  clearBuyers(): void {
    if (this.table.values) for (let i = 0; i < this.table.values.length; i++) this.table.values[i]! &= ~BUYER;
    this.buyerCount = 0;
    this.buyersBeyond.registers.fill(0);
  }

  get bytes(): number {
    return this.table.bytes + 2 * this.unique.registers.byteLength;
  }
}

/**
 * Orders by order id: a fingerprint and, by index, what is left of the order (to reverse on a
 * cancel or refund) and its state. About 25 bytes per order.
 */
class Orders {
  private readonly table = new FingerprintTable(1024, 'u32');
  private readonly remaining = new GrowableFloat64();
  /** Per order: FOREIGN | CANCELLED bits, in a parallel array. */
  private state = new Uint8Array(1024);

  /** The order's index, or -1. */
  find(orderId: string): number {
    fingerprint(orderId);
    const slot = this.table.find(fp.hi, fp.lo);
    return slot < 0 ? -1 : this.table.values![slot]!;
  }

  add(orderId: string, totalMinor: number, foreign: boolean): void {
    fingerprint(orderId);
    const slot = this.table.insert(fp.hi, fp.lo);
    const index = this.remaining.push(totalMinor);
    this.table.values![slot] = index;
    if (index >= this.state.length) {
      const grown = new Uint8Array(this.state.length * 2);
      grown.set(this.state);
      this.state = grown;
    }
    this.state[index] = foreign ? ORDER_FOREIGN : 0;
  }

  remainingOf(index: number): number {
    return this.remaining.data[index]!;
  }

  setRemaining(index: number, minor: number): void {
    this.remaining.data[index] = minor;
  }

  is(index: number, flag: number): boolean {
    return (this.state[index]! & flag) !== 0;
  }

  mark(index: number, flag: number): void {
    this.state[index]! |= flag;
  }

  clear(): void {
    this.table.clear();
    this.remaining.length = 0;
    this.state.fill(0);
  }
}

const ORDER_FOREIGN = 1;
const ORDER_CANCELLED = 2;

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

/** An order read before the studio topic reached its time: its pin window may still change. */
interface UnsettledOrder {
  ts: number;
  totalMinor: number;
  lines: OrderLine[];
}

/** What the unsettled orders add to a pin window (in total, or for one product). */
interface WindowFigures {
  orders: number;
  units: number;
  revenueMinor: number;
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
  private readonly viewers: Viewers;
  private peakViewers = 0;
  private chatMessages = 0;
  private reactions = 0;
  private cartAdds = 0;
  private cartRemoves = 0;

  private readonly orders = new Orders();
  private orderCount = 0;
  private units = 0;
  private grossMinor = 0;
  private bnplOrders = 0;
  private bnplMinor = 0;
  /** Orders in other currencies than the show's, per currency: counted, not summed in. */
  private readonly foreign = new Map<string, { orders: number; grossMinor: number }>();
  private otherCurrency = 0;
  private cancelledCount = 0;
  private cancelledMinor = 0;
  private refundCount = 0;
  private refundMinor = 0;

  private readonly products = new Map<string, ProductMetrics>();
  private readonly pins: PinWindow[] = [];
  private pinsTotal = 0;
  private readonly markers: { ts: number; label: string }[] = [];
  private markersTotal = 0;

  /**
   * Pin attribution, incremental: the studio topic has been read up to `studioClock`. Orders
   * stamped before it are attributed at once to the window that contains them; later ones
   * wait in `unsettled` (by ts) until a studio event passes them, and meanwhile count for the
   * open window through the running sums. A pin costs only the orders it settles.
   */
  private studioClock = -Infinity;
  private readonly unsettled: UnsettledOrder[] = [];
  private readonly unsettledTotal: WindowFigures = { orders: 0, units: 0, revenueMinor: 0 };
  private readonly unsettledByProduct = new Map<string, WindowFigures>();

  constructor(
    readonly showId: string,
    options: Partial<ShowAggregatorOptions> = {},
  ) {
    this.opts = { ...DEFAULT_AGGREGATOR_OPTIONS, ...options };
    this.ids = new RecentIds(this.opts.dedupeWindowMs, this.opts.dedupeMaxIds);
    this.series = new SecondSeries(this.opts.seriesSeconds);
    this.viewers = new Viewers(this.opts.maxExactViewers);
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
    if (e.type === 'order.placed' && this.orders.find(e.orderId) >= 0) {
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
          s.viewersIn[slot] = this.viewers.current;
        }
        if (e.type === 'viewer.joined') this.viewers.join(e.viewerId);
        else this.viewers.leave(e.viewerId);
        if (this.viewers.current > this.peakViewers) this.peakViewers = this.viewers.current;
        if (slot >= 0) s.viewersOut[slot] = this.viewers.current;
        return;
      case 'chat.message':
        this.viewers.seen(e.viewerId);
        this.chatMessages++;
        if (slot >= 0) s.chat[slot]!++;
        return;
      case 'reaction':
        this.viewers.seen(e.viewerId);
        this.reactions++;
        if (slot >= 0) s.reactions[slot]!++;
        return;
      case 'cart.item_added':
        this.viewers.seen(e.viewerId);
        this.cartAdds++;
        this.product(e.productId).cartAdds++;
        if (slot >= 0) s.cartAdds[slot]!++;
        return;
      case 'cart.item_removed':
        this.viewers.seen(e.viewerId);
        this.cartRemoves++;
        return;
      case 'order.placed':
      case 'order.cancelled':
      case 'order.refunded':
        this.viewers.seen(e.viewerId);
        this.applyMoney(e, slot);
        return;
      default:
        this.applyStudio(e);
    }
  }

  /** Studio events, read in the studio topic's order. */
  private applyStudio(e: Exclude<ShowEvent, { viewerId: string }>): void {
    // A studio event stamped before one already read counts at that one's time.
    const at = Math.max(e.ts, this.studioClock);
    this.settleBefore(at);
    this.studioClock = at;
    switch (e.type) {
      case 'show.started':
        this.status = this.status === 'ended' ? 'ended' : 'live';
        this.startedAt = e.ts;
        this.confirmCurrency(e.currency);
        return;
      case 'show.ended':
        this.status = 'ended';
        this.endedAt = e.ts;
        this.closePin(at);
        return;
      case 'product.pinned':
        this.pin(e.productId, at);
        return;
      case 'product.unpinned':
        if (this.openPin()?.productId === e.productId) this.closePin(at);
        return;
      case 'product.sold_out':
        this.product(e.productId).soldOut = true;
        return;
      case 'product.back_in_stock':
        this.product(e.productId).soldOut = false;
        return;
      case 'marker':
        this.markersTotal++;
        this.markers.push({ ts: e.ts, label: e.label });
        if (this.markers.length > this.opts.maxMarkers) this.markers.shift();
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
    this.viewers.clearBuyers();
    this.foreign.clear();
    this.orderCount = this.units = this.grossMinor = this.bnplOrders = this.bnplMinor = 0;
    this.otherCurrency = this.cancelledCount = this.cancelledMinor = this.refundCount = this.refundMinor = 0;
    for (const p of this.products.values()) p.orders = p.units = p.revenueMinor = 0;
    for (const w of this.pins)
      w.productOrders = w.productUnits = w.productRevenueMinor = w.windowOrders = w.windowRevenueMinor = 0;
    this.unsettled.length = 0;
    this.unsettledTotal.orders = this.unsettledTotal.units = this.unsettledTotal.revenueMinor = 0;
    this.unsettledByProduct.clear();
    this.series.orders.fill(0);
    this.series.revenue.fill(0);
  }

  private placeOrder(e: ShowEventOf<'order.placed'>, slot: number): void {
    this.currency ??= e.currency;
    const foreign = e.currency !== this.currency;
    this.orders.add(e.orderId, e.totalMinor, foreign);
    if (foreign) {
      this.otherCurrency++;
      const f = this.foreign.get(e.currency) ?? { orders: 0, grossMinor: 0 };
      f.orders++;
      f.grossMinor += e.totalMinor;
      this.foreign.set(e.currency, f);
      return;
    }
    this.orderCount++;
    this.viewers.bought(e.viewerId);
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
    const order: UnsettledOrder = { ts: e.ts, totalMinor: e.totalMinor, lines: e.lines };
    if (e.ts < this.studioClock) {
      const pin = this.pinAt(e.ts);
      if (pin) attribute(pin, order);
    } else {
      this.holdUnsettled(order);
    }
  }

  private cancelOrder(orderId: string): void {
    const order = this.orders.find(orderId);
    // Orders placed before what we read (or in another currency) have no amount we can reverse.
    if (order < 0 || this.orders.is(order, ORDER_CANCELLED | ORDER_FOREIGN)) return;
    this.orders.mark(order, ORDER_CANCELLED);
    this.cancelledCount++;
    this.cancelledMinor += this.orders.remainingOf(order);
    this.orders.setRemaining(order, 0);
  }

  private refund(e: ShowEventOf<'order.refunded'>): void {
    if (this.currency !== null && e.currency !== this.currency) return;
    const order = this.orders.find(e.orderId);
    if (order >= 0 && this.orders.is(order, ORDER_FOREIGN)) return;
    // Never refund more than is left of a known order.
    const amount = order >= 0 ? Math.min(e.amountMinor, this.orders.remainingOf(order)) : e.amountMinor;
    if (order >= 0) this.orders.setRemaining(order, this.orders.remainingOf(order) - amount);
    this.refundCount++;
    this.refundMinor += amount;
  }

  // Pin windows: one product pinned at a time; pinning another closes the previous window.

  private openPin(): PinWindow | undefined {
    const last = this.pins.at(-1);
    return last && last.unpinnedAt === null ? last : undefined;
  }

  private pin(productId: string, at: number): void {
    const open = this.openPin();
    if (open?.productId === productId) return;
    this.closePin(at);
    this.pinsTotal++;
    this.pins.push({
      productId,
      pinnedAt: at,
      unpinnedAt: null,
      productOrders: 0,
      productUnits: 0,
      productRevenueMinor: 0,
      windowOrders: 0,
      windowRevenueMinor: 0,
    });
    if (this.pins.length > this.opts.maxPins) this.pins.shift();
  }

  private closePin(at: number): void {
    const open = this.openPin();
    if (open) open.unpinnedAt = Math.max(at, open.pinnedAt);
  }

  /** The window that contains ts (windows are in time order and do not overlap). */
  private pinAt(ts: number): PinWindow | undefined {
    let lo = 0;
    let hi = this.pins.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const w = this.pins[mid]!;
      if (ts < w.pinnedAt) hi = mid - 1;
      else if (w.unpinnedAt !== null && ts >= w.unpinnedAt) lo = mid + 1;
      else return w;
    }
    return undefined;
  }

  /** Keeps an order until the studio topic passes its time (bounded: see pinSettleMs). */
  private holdUnsettled(order: UnsettledOrder): void {
    const list = this.unsettled;
    let at = list.length;
    while (at > 0 && list[at - 1]!.ts > order.ts) at--; // nearly always appended
    list.splice(at, 0, order);
    this.addFigures(this.unsettledTotal, order, null, 1);
    for (const productId of new Set(order.lines.map((l) => l.productId))) {
      let f = this.unsettledByProduct.get(productId);
      if (!f) this.unsettledByProduct.set(productId, (f = { orders: 0, units: 0, revenueMinor: 0 }));
      this.addFigures(f, order, productId, 1);
    }
    // Waiting longer than this for the studio topic: count them for the window open now.
    const horizon = this.clock - this.opts.pinSettleMs;
    while (list.length > this.opts.maxUnsettledOrders || (list.length && list[0]!.ts < horizon)) {
      this.studioClock = Math.max(this.studioClock, list[0]!.ts);
      this.settleBefore(this.studioClock + 1);
    }
  }

  /** Attributes the unsettled orders stamped before `at` to the window open now (if any). */
  private settleBefore(at: number): void {
    const list = this.unsettled;
    let n = 0;
    const open = this.openPin();
    while (n < list.length && list[n]!.ts < at) {
      const order = list[n++]!;
      if (open) attribute(open, order);
      this.addFigures(this.unsettledTotal, order, null, -1);
      for (const productId of new Set(order.lines.map((l) => l.productId))) {
        const f = this.unsettledByProduct.get(productId)!;
        this.addFigures(f, order, productId, -1);
        if (f.orders === 0) this.unsettledByProduct.delete(productId);
      }
    }
    if (n) list.splice(0, n);
  }

  private addFigures(f: WindowFigures, order: UnsettledOrder, productId: string | null, sign: 1 | -1): void {
    f.orders += sign;
    if (productId === null) {
      f.revenueMinor += sign * order.totalMinor;
      return;
    }
    for (const line of order.lines) {
      if (line.productId !== productId) continue;
      f.units += sign * line.qty;
      f.revenueMinor += sign * line.qty * line.unitPriceMinor;
    }
  }

  /** A window's figures: what is settled, plus (while it is open) the unsettled orders. */
  private windowMetrics(w: PinWindow): PinWindowMetrics {
    if (w.unpinnedAt !== null || w !== this.openPin()) return { ...w };
    const product = this.unsettledByProduct.get(w.productId);
    return {
      ...w,
      windowOrders: w.windowOrders + this.unsettledTotal.orders,
      windowRevenueMinor: w.windowRevenueMinor + this.unsettledTotal.revenueMinor,
      productOrders: w.productOrders + (product?.orders ?? 0),
      productUnits: w.productUnits + (product?.units ?? 0),
      productRevenueMinor: w.productRevenueMinor + (product?.revenueMinor ?? 0),
    };
  }

  snapshot(): ShowMetricsSnapshot {
    const s = this.series;
    const hasClock = Number.isFinite(this.clock);
    const now = hasClock ? this.clockSec : 0;
    const minute = (c: Uint32Array | Float64Array) => (hasClock ? s.sum(c, now - 59, now) : 0);
    const uniqueViewers = this.viewers.uniqueCount;
    const buyers = this.viewers.buyers;
    const products = [...this.products.values()].sort(
      (a, b) => b.revenueMinor - a.revenueMinor || a.productId.localeCompare(b.productId),
    );
    return {
      showId: this.showId,
      status: this.status,
      startedAt: this.startedAt,
      endedAt: this.endedAt,
      asOf: hasClock ? this.clock : null,
      currency: this.currency,
      events: { accepted: this.accepted, duplicates: this.duplicates },
      viewers: {
        current: this.viewers.current,
        peak: this.peakViewers,
        unique: uniqueViewers,
        estimated: this.viewers.estimated,
      },
      chat: { messages: this.chatMessages, perMinute: minute(s.chat) },
      reactions: { total: this.reactions, perMinute: minute(s.reactions) },
      cart: { adds: this.cartAdds, removes: this.cartRemoves, addsPerMinute: minute(s.cartAdds) },
      orders: {
        count: this.orderCount,
        perMinute: minute(s.orders),
        units: this.units,
        buyers,
        grossRevenueMinor: this.grossMinor,
        revenuePerMinuteMinor: minute(s.revenue),
        netRevenueMinor: this.grossMinor - this.cancelledMinor - this.refundMinor,
        aovMinor: this.orderCount ? Math.round(this.grossMinor / this.orderCount) : 0,
        conversion: uniqueViewers ? Math.min(1, buyers / uniqueViewers) : 0,
        bnplOrderShare: this.orderCount ? this.bnplOrders / this.orderCount : 0,
        bnplRevenueShare: this.grossMinor ? this.bnplMinor / this.grossMinor : 0,
        cancelled: { count: this.cancelledCount, amountMinor: this.cancelledMinor },
        refunds: { count: this.refundCount, amountMinor: this.refundMinor },
        otherCurrency: this.otherCurrency,
        otherCurrencies: [...this.foreign]
          .map(([currency, f]) => ({ currency, orders: f.orders, grossMinor: f.grossMinor }))
          .sort((a, b) => b.orders - a.orders || a.currency.localeCompare(b.currency))
          .slice(0, OTHER_CURRENCIES_SHOWN),
      },
      pinnedProductId: this.openPin()?.productId ?? null,
      products: products.slice(0, this.opts.snapshotProducts).map((p) => ({ ...p })),
      productsTotal: products.length,
      pins: this.pins.slice(-this.opts.snapshotPins).map((w) => this.windowMetrics(w)),
      pinsTotal: this.pinsTotal,
      markers: this.markers.slice(-this.opts.snapshotMarkers).map((m) => ({ ...m })),
      markersTotal: this.markersTotal,
      series: this.seriesSnapshot(hasClock ? now : null),
    };
  }

  /** What the show's state takes in memory, roughly (benchmarks and tests). */
  get viewerBytes(): number {
    return this.viewers.bytes;
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
      out.viewers.push(viewers ?? this.viewers.current);
      out.chat.push(here ? s.chat[i]! : 0);
      out.cartAdds.push(here ? s.cartAdds[i]! : 0);
      out.orders.push(here ? s.orders[i]! : 0);
      out.revenueMinor.push(here ? s.revenue[i]! : 0);
    }
    return out;
  }
}

/** Other currencies a snapshot lists (the most ordered first). */
const OTHER_CURRENCIES_SHOWN = 10;

function attribute(w: PinWindow, order: UnsettledOrder): void {
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
