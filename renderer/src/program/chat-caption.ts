// The pinned chat message as a caption in the program, so viewers of the stream and of the
// recording see what the producer pinned. Shopper text is untrusted: it is only ever drawn
// as text, the name and each line in their own fillText (a direction override in one cannot
// reorder another), and clipped to the caption's box (stacked combining marks stay inside).

export interface ChatCaption {
  name: string;
  text: string;
}

/** What the compositor draws for a caption: the fitted name and at most MAX_LINES lines. */
export interface CaptionLines {
  name: string;
  lines: string[];
}

const MAX_LINES = 2;
const MAX_NAME_CHARS = 40;
/** Beyond this the caption is cut anyway; measuring less keeps a 2,000-character line cheap. */
const MAX_TEXT_CHARS = 400;

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
/** User-perceived characters, so a cut never splits an emoji or a letter from its marks. */
const graphemes = (text: string) => Array.from(segmenter.segment(text), (s) => s.segment);

/** The longest start of `parts` (joined) that fits `maxWidth`, by binary search; at least one part. */
function longestFit(parts: string[], maxWidth: number, measure: (text: string) => number): number {
  let low = 1;
  let high = parts.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (measure(parts.slice(0, mid).join('')) <= maxWidth) low = mid;
    else high = mid - 1;
  }
  return low;
}

/** Ends `line` with an ellipsis that still fits. */
function withEllipsis(line: string, maxWidth: number, measure: (text: string) => number): string {
  const parts = graphemes(line.trimEnd());
  while (parts.length > 0 && measure(`${parts.join('')}…`) > maxWidth) parts.pop();
  return `${parts.join('')}…`;
}

/**
 * Wraps text into at most `maxLines` lines no wider than `maxWidth` (words kept whole unless
 * one alone is too wide), the last one ending in "…" when text is left over. Pure: `measure`
 * is the canvas's measureText width.
 */
export function wrapCaption(
  text: string,
  maxWidth: number,
  measure: (text: string) => number,
  maxLines = MAX_LINES,
): string[] {
  // Line breaks, tabs and other controls become spaces; the caption is one paragraph.
  const clean = text
    .replace(/[\p{Cc}\p{Zl}\p{Zp}]+/gu, ' ')
    .replace(/ {2,}/g, ' ')
    .trim();
  let rest = graphemes(clean.length > MAX_TEXT_CHARS ? clean.slice(0, MAX_TEXT_CHARS) : clean);
  const cut = clean.length > MAX_TEXT_CHARS;
  const lines: string[] = [];
  while (rest.length > 0 && lines.length < maxLines) {
    let take = longestFit(rest, maxWidth, measure);
    if (take < rest.length) {
      // Break after the last space that fits, if there is one.
      const space = rest.slice(0, take + 1).lastIndexOf(' ');
      if (space > 0) take = space + 1;
    }
    lines.push(rest.slice(0, take).join('').trimEnd());
    rest = rest.slice(take);
    while (rest[0] === ' ') rest.shift();
  }
  if ((rest.length > 0 || cut) && lines.length > 0)
    lines[lines.length - 1] = withEllipsis(lines[lines.length - 1]!, maxWidth, measure);
  return lines;
}

export interface CaptionGeometry {
  x: number;
  y: number;
  width: number;
  height: number;
  /** The accent bar on the left edge. */
  barWidth: number;
  unit: number;
}

/** Top left of the program: the product's lower third is at the bottom, its card top right. */
export function captionGeometry(width: number, height: number, lineCount: number): CaptionGeometry {
  const unit = height / 720;
  const boxHeight = (44 + 30 * Math.max(1, lineCount)) * unit;
  return {
    x: 32 * unit,
    y: 32 * unit,
    width: Math.min(width * 0.55, 680 * unit),
    height: boxHeight,
    barWidth: 8 * unit,
    unit,
  };
}

const NAME_FONT = (unit: number) => `600 ${22 * unit}px system-ui, sans-serif`;
const TEXT_FONT = (unit: number) => `500 ${24 * unit}px system-ui, sans-serif`;

/** Fits a caption to the program's size (measured once per caption, not per frame). */
export function layoutCaption(
  ctx: CanvasRenderingContext2D,
  width: number,
  height: number,
  caption: ChatCaption,
): CaptionLines {
  const { width: boxWidth, unit } = captionGeometry(width, height, MAX_LINES);
  const maxWidth = boxWidth - 44 * unit;
  const measure = (text: string) => ctx.measureText(text).width;
  ctx.save();
  ctx.font = NAME_FONT(unit);
  const [name = ''] = wrapCaption(caption.name.slice(0, MAX_NAME_CHARS * 4), maxWidth, measure, 1);
  ctx.font = TEXT_FONT(unit);
  const lines = wrapCaption(caption.text, maxWidth, measure);
  ctx.restore();
  return { name, lines };
}

export function drawChatCaption(
  ctx: CanvasRenderingContext2D,
  width: number,
  height: number,
  caption: CaptionLines,
): void {
  const {
    x,
    y,
    width: boxWidth,
    height: boxHeight,
    barWidth,
    unit,
  } = captionGeometry(width, height, caption.lines.length);
  ctx.save();
  ctx.beginPath();
  ctx.rect(x, y, boxWidth, boxHeight);
  ctx.clip();
  ctx.globalAlpha = 0.92;
  ctx.fillStyle = '#111318';
  ctx.fillRect(x, y, boxWidth, boxHeight);
  ctx.globalAlpha = 1;
  ctx.fillStyle = CAPTION_ACCENT;
  ctx.fillRect(x, y, barWidth, boxHeight);
  ctx.direction = 'ltr';
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  ctx.fillStyle = CAPTION_ACCENT;
  ctx.font = NAME_FONT(unit);
  ctx.fillText(caption.name, x + 24 * unit, y + 12 * unit);
  ctx.fillStyle = '#ffffff';
  ctx.font = TEXT_FONT(unit);
  caption.lines.forEach((line, i) => ctx.fillText(line, x + 24 * unit, y + (40 + 30 * i) * unit));
  ctx.restore();
}

/** The caption's accent colour (tests find the caption by it). */
export const CAPTION_ACCENT = '#f7c948';
