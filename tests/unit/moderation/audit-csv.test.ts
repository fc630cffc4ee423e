import { describe, expect, it } from 'vitest';
import { auditCsv, csvCell } from '../../../main/moderation';

describe('audit CSV', () => {
  it('makes formula-like cells inert and quotes what needs quoting', () => {
    expect(csvCell('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
    for (const lead of ['+', '-', '@', '\t', '\r'])
      expect(csvCell(`${lead}1+1`).replaceAll('"', '')).toMatch(/^'/);
    expect(csvCell('plain text')).toBe('plain text');
    expect(csvCell('a, b')).toBe('"a, b"');
    expect(csvCell(null)).toBe('');
  });

  it('writes one row per decision under a header', () => {
    const csv = auditCsv([
      {
        eventId: 'd1',
        ts: Date.UTC(2025, 5, 1, 18),
        action: 'message_hidden',
        decidedBy: { kind: 'moderator', id: 'p1', name: '=cmd|"/c calc"!A1' },
        targetViewerId: 'v1',
        messageEventId: 'c1',
        messageText: '@SUM(1)',
        detail: null,
        reason: 'spam',
      },
    ]);
    const [header, row] = csv.split('\r\n');
    expect(header).toBe('time,action,decided by,decider id,shopper,message id,message,detail,reason');
    expect(row).toContain(`"'=cmd|""/c calc""!A1"`);
    expect(row).toContain(`"'@SUM(1)"`);
  });
});
