// The pinned message's caption is fitted to at most two lines of the program: words stay
// whole, a word too long for a line is broken, what does not fit ends in "…", and a cut
// never separates a letter from its combining marks.
import { describe, expect, it } from 'vitest';
import { wrapCaption } from '../../../renderer/src/program/chat-caption';

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
/** 10 px per user-perceived character. */
const measure = (text: string) => [...segmenter.segment(text)].length * 10;

describe('wrapCaption', () => {
  it('keeps a short message as it is', () => {
    expect(wrapCaption('is this real silk?', 300, measure)).toEqual(['is this real silk?']);
  });

  it('wraps at spaces and ends what is left over with an ellipsis', () => {
    const lines = wrapCaption('does it come in black or in navy and what sizes are left', 160, measure);
    expect(lines).toEqual(['does it come in', 'black or in nav…']);
    for (const line of lines) expect(measure(line)).toBeLessThanOrEqual(160);
  });

  it('breaks a 2,000-character word and stays within the width', () => {
    const lines = wrapCaption('x'.repeat(2000), 200, measure);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe('x'.repeat(20));
    expect(lines[1]).toBe(`${'x'.repeat(19)}…`);
  });

  it('cuts between graphemes, never inside one', () => {
    const zalgo = 'Z\u0336\u0322\u0353a\u0334\u0354\u0352l\u0335g\u0337o\u0338'.repeat(20);
    const lines = wrapCaption(zalgo, 100, measure);
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).not.toMatch(/^\p{M}/u);
    expect(lines[0]).toBe(zalgo.slice(0, zalgo.indexOf('Z', 1) * 2));
  });

  it('turns line breaks and controls into spaces', () => {
    expect(wrapCaption('one\ntwo\r\n\tthree\u2028four', 500, measure)).toEqual(['one two three four']);
  });
});
