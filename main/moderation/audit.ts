// The audit: every moderation decision of the show with time, who and why, and its CSV
// export. Cells a spreadsheet would run as a formula are made inert.
import type { AuditEntry, ModerationLedger } from '../../protocol/moderation';

function detailOf(decision: ModerationLedger['decisions'][number]): string | null {
  if (decision.action === 'user_muted')
    return decision.durationMs === undefined
      ? 'rest of show'
      : `${Math.round(decision.durationMs / 60_000)} min`;
  if (decision.action === 'slow_mode_changed')
    return decision.slowModeSeconds ? `${decision.slowModeSeconds} s` : 'off';
  if (decision.action === 'rules_changed' && decision.rules) {
    const r = decision.rules;
    return `links ${r.links}, toxicity ≥ ${r.toxicityHoldAt}, ${r.blockedTerms.length} blocked terms`;
  }
  return null;
}

export function auditEntries(ledger: ModerationLedger): AuditEntry[] {
  return ledger.decisions.map((decision) => ({
    eventId: decision.id,
    ts: decision.ts,
    action: decision.action,
    decidedBy: decision.decidedBy,
    targetViewerId: decision.targetViewerId ?? null,
    messageEventId: decision.messageEventId ?? null,
    messageText: decision.messageEventId
      ? (ledger.messages.get(decision.messageEventId)?.text ?? decision.message?.text ?? null)
      : null,
    detail: detailOf(decision),
    reason: decision.reason ?? null,
  }));
}

/**
 * One CSV cell. A leading = + - @ (or tab / carriage return) would make Excel, LibreOffice
 * and Google Sheets evaluate it, so such cells get a leading apostrophe (OWASP's advice).
 */
export function csvCell(value: string | number | null): string {
  let text = value === null ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n']/.test(text) || text !== text.trim() ? `"${text.replaceAll('"', '""')}"` : text;
}

export function auditCsv(entries: AuditEntry[]): string {
  const header = [
    'time',
    'action',
    'decided by',
    'decider id',
    'shopper',
    'message id',
    'message',
    'detail',
    'reason',
  ];
  const rows = entries.map((e) => [
    new Date(e.ts).toISOString(),
    e.action,
    e.decidedBy.name ?? e.decidedBy.kind,
    `${e.decidedBy.kind}:${e.decidedBy.id}`,
    e.targetViewerId,
    e.messageEventId,
    e.messageText,
    e.detail,
    e.reason,
  ]);
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
