// Number formatting for the dashboard. Money arrives in minor units of the show currency.
const moneyFormats = new Map<string, Intl.NumberFormat>();

function moneyFormat(currency: string): Intl.NumberFormat {
  let format = moneyFormats.get(currency);
  if (!format) {
    format = new Intl.NumberFormat(undefined, { style: 'currency', currency });
    moneyFormats.set(currency, format);
  }
  return format;
}

/** Digits after the decimal point of a currency: 2 for USD, 0 for JPY, 3 for KWD. */
export function minorDigits(currency: string): number {
  return moneyFormat(currency).resolvedOptions().maximumFractionDigits ?? 2;
}

export function formatMoney(minor: number, currency: string | null): string {
  if (!currency) return formatCount(minor);
  return moneyFormat(currency).format(minor / 10 ** minorDigits(currency));
}

const counts = new Intl.NumberFormat();
export const formatCount = (n: number): string => counts.format(n);

const percents = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });
export const formatShare = (share: number): string => percents.format(share);

export function formatClock(ms: number | null): string {
  return ms === null ? '—' : new Date(ms).toLocaleTimeString();
}
