// The replay's CSV exports: orders, per product, per pin, and chat with its moderation status.
// Every text cell a spreadsheet would read as a formula is guarded.
import type { ShowEvent } from '../../protocol/events';
import type { ShowMetricsSnapshot } from '../../protocol/metrics';
import type { CsvExportKind, ReplayChatMessage, ReplayTimeline } from '../../protocol/replays';

type Cell = string | number | boolean | null;

/** A text cell that starts like a formula (= + - @, tab, CR) is prefixed with ' so it stays text. */
export function csvCell(value: Cell): string {
  if (value === null) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvLines(header: string[], rows: Iterable<Cell[]>): string {
  const lines = [header.map(csvCell).join(',')];
  for (const row of rows) lines.push(row.map(csvCell).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export interface CsvSources {
  timeline: ReplayTimeline;
  final: ShowMetricsSnapshot;
  events: () => Iterable<ShowEvent>;
  chat: () => Iterable<ReplayChatMessage>;
}

export function replayCsv(kind: CsvExportKind, s: CsvSources): string {
  const name = (id: string) => s.timeline.productNames[id] ?? id;
  switch (kind) {
    case 'orders':
      return csvLines(
        [
          'time',
          'event',
          'order id',
          'viewer id',
          'payment',
          'provider',
          'currency',
          'total (minor units)',
          'lines',
        ],
        (function* () {
          for (const e of s.events()) {
            if (e.type === 'order.placed')
              yield [
                iso(e.ts),
                e.type,
                e.orderId,
                e.viewerId,
                e.payment.method,
                e.payment.provider ?? null,
                e.currency,
                e.totalMinor,
                e.lines.map((l) => `${l.qty}x ${name(l.productId)} @ ${l.unitPriceMinor}`).join('; '),
              ];
            else if (e.type === 'order.cancelled')
              yield [iso(e.ts), e.type, e.orderId, e.viewerId, null, null, null, null, e.reason ?? null];
            else if (e.type === 'order.refunded')
              yield [
                iso(e.ts),
                e.type,
                e.orderId,
                e.viewerId,
                null,
                null,
                e.currency,
                -e.amountMinor,
                e.reason ?? null,
              ];
          }
        })(),
      );
    case 'products':
      return csvLines(
        [
          'product id',
          'product',
          'cart adds',
          'orders',
          'units',
          `revenue (minor units, ${s.final.currency ?? '?'})`,
          'sold out',
        ],
        s.final.products.map((p) => [
          p.productId,
          name(p.productId),
          p.cartAdds,
          p.orders,
          p.units,
          p.revenueMinor,
          p.soldOut,
        ]),
      );
    case 'pins':
      return csvLines(
        [
          'pinned at',
          'unpinned at',
          'product id',
          'product',
          'product orders',
          'product units',
          'product revenue (minor units)',
          'orders in window',
          'window revenue (minor units)',
        ],
        s.timeline.pins.map((p) => [
          iso(p.pinnedAt),
          iso(p.unpinnedAt),
          p.productId,
          p.name,
          p.productOrders,
          p.productUnits,
          p.productRevenueMinor,
          p.windowOrders,
          p.windowRevenueMinor,
        ]),
      );
    case 'chat':
      return csvLines(
        ['time', 'message id', 'viewer id', 'display name', 'text', 'moderation'],
        (function* () {
          for (const m of s.chat())
            yield [
              iso(m.ts),
              m.id,
              m.viewerId,
              m.displayName,
              m.text,
              m.moderation.length
                ? m.moderation
                    .map((d) => `${d.action} by ${d.by}${d.reason ? ` (${d.reason})` : ''}`)
                    .join('; ')
                : 'visible',
            ];
        })(),
      );
  }
}
