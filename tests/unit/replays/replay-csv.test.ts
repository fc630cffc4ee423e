import { describe, expect, it } from 'vitest';
import { csvCell, csvLines } from '../../../main/replays/replay-csv';

describe('CSV export cells', () => {
  it('guards every text cell a spreadsheet would read as a formula', () => {
    for (const text of ['=HYPERLINK("http://x")', '+1+1', '-2+3', '@SUM(A1)', '\tx', '\rx'])
      expect(csvCell(text).replace(/^"/, '')).toMatch(/^'/);
    expect(csvCell('=1+1')).toBe("'=1+1");
    expect(csvCell('is this real silk?')).toBe('is this real silk?');
  });

  it('keeps numbers as numbers (a negative refund is not a formula) and quotes what needs it', () => {
    expect(csvCell(-1200)).toBe('-1200');
    expect(csvCell('a, "b"\nc')).toBe('"a, ""b""\nc"');
    expect(csvCell('=cmd|"/c calc"!A0')).toBe(`"'=cmd|""/c calc""!A0"`);
    expect(csvLines(['a', 'b'], [[1, null]])).toBe('a,b\r\n1,\r\n');
  });
});
