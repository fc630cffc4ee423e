// The show's key figures as tiles. Each tile carries its raw value in data-value so tests
// and benchmarks can read exact numbers, whatever the locale formatting.
import type { ShowHeadline } from '../../../protocol/metrics';
import { formatCount, formatMoney, formatShare } from './format';

interface Tile {
  id: string;
  label: string;
  value: number;
  text: string;
  detail?: string;
}

export function kpiTiles(s: ShowHeadline): Tile[] {
  const money = (minor: number) => formatMoney(minor, s.currency);
  const o = s.orders;
  // Beyond 10 million unique viewer ids the viewer figures are estimates: say so on each.
  const about = s.viewers.estimated ? '≈ ' : '';
  const estimate = s.viewers.estimated ? 'estimate (over 10 million viewers)' : undefined;
  const tiles: Tile[] = [
    {
      id: 'viewers-now',
      label: 'Viewers now',
      value: s.viewers.current,
      text: about + formatCount(s.viewers.current),
      ...(estimate ? { detail: estimate } : {}),
    },
    {
      id: 'viewers-peak',
      label: 'Peak viewers',
      value: s.viewers.peak,
      text: about + formatCount(s.viewers.peak),
    },
    {
      id: 'viewers-unique',
      label: 'Unique viewers',
      value: s.viewers.unique,
      text: about + formatCount(s.viewers.unique),
      ...(estimate ? { detail: estimate } : {}),
    },
    {
      id: 'chat-per-minute',
      label: 'Chat / min',
      value: s.chat.perMinute,
      text: formatCount(s.chat.perMinute),
    },
    {
      id: 'cart-adds-per-minute',
      label: 'Cart adds / min',
      value: s.cart.addsPerMinute,
      text: formatCount(s.cart.addsPerMinute),
      detail: `${formatCount(s.cart.adds)} in total`,
    },
    {
      id: 'orders',
      label: 'Orders',
      value: o.count,
      text: formatCount(o.count),
      detail: `${formatCount(o.perMinute)} / min`,
    },
    { id: 'orders-per-minute', label: 'Orders / min', value: o.perMinute, text: formatCount(o.perMinute) },
    {
      id: 'revenue',
      label: 'Revenue',
      value: o.grossRevenueMinor,
      text: money(o.grossRevenueMinor),
      detail: `net ${money(o.netRevenueMinor)}`,
    },
    {
      id: 'revenue-per-minute',
      label: 'Revenue / min',
      value: o.revenuePerMinuteMinor,
      text: money(o.revenuePerMinuteMinor),
    },
    { id: 'units', label: 'Units sold', value: o.units, text: formatCount(o.units) },
    { id: 'aov', label: 'Average order', value: o.aovMinor, text: money(o.aovMinor) },
    {
      id: 'conversion',
      label: 'Conversion',
      value: o.conversion,
      text: about + formatShare(o.conversion),
      detail: `${about}${formatCount(o.buyers)} buyers`,
    },
    {
      id: 'bnpl-orders',
      label: 'BNPL share of orders',
      value: o.bnplOrderShare,
      text: formatShare(o.bnplOrderShare),
    },
    {
      id: 'bnpl-revenue',
      label: 'BNPL share of revenue',
      value: o.bnplRevenueShare,
      text: formatShare(o.bnplRevenueShare),
    },
    {
      id: 'refunds',
      label: 'Refunds',
      value: o.refunds.amountMinor,
      text: money(o.refunds.amountMinor),
      detail: `${formatCount(o.refunds.count)} refunds, ${formatCount(o.cancelled.count)} cancelled`,
    },
  ];
  // Orders in other currencies are not in the show's money figures; they are shown, not dropped.
  if (o.otherCurrency > 0) {
    tiles.push({
      id: 'other-currencies',
      label: 'Orders in other currencies',
      value: o.otherCurrency,
      text: formatCount(o.otherCurrency),
      detail: o.otherCurrencies
        .map((c) => `${formatMoney(c.grossMinor, c.currency)} (${c.orders})`)
        .join(', '),
    });
  }
  return tiles;
}

export function KpiTiles({ snapshot, only }: { snapshot: ShowHeadline; only?: string[] }) {
  const tiles = kpiTiles(snapshot).filter((t) => !only || only.includes(t.id));
  return (
    <div className="kpi-tiles">
      {tiles.map((t) => (
        <div key={t.id} className="kpi" data-testid={`kpi-${t.id}`} data-value={t.value}>
          <span className="kpi-label">{t.label}</span>
          <span className="kpi-value">{t.text}</span>
          {t.detail && <span className="kpi-detail">{t.detail}</span>}
        </div>
      ))}
    </div>
  );
}
