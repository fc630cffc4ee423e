// The pinned product's lower third, drawn onto the program canvas. Product text is
// untrusted and only ever drawn as text.

export interface LowerThird {
  name: string;
  /** Already formatted for display, e.g. "€49.00". */
  price: string;
  soldOut: boolean;
}

const MAX_NAME_CHARS = 60;

function fitText(ctx: CanvasRenderingContext2D, text: string, maxWidth: number): string {
  let fitted = text.length > MAX_NAME_CHARS ? `${text.slice(0, MAX_NAME_CHARS - 1)}…` : text;
  while (fitted.length > 1 && ctx.measureText(fitted).width > maxWidth) fitted = `${fitted.slice(0, -2)}…`;
  return fitted;
}

export function drawLowerThird(
  ctx: CanvasRenderingContext2D,
  width: number,
  height: number,
  info: LowerThird,
): void {
  const unit = height / 720;
  const boxHeight = 92 * unit;
  const boxWidth = Math.min(width * 0.55, 640 * unit);
  const x = 32 * unit;
  const y = height - boxHeight - 32 * unit;
  ctx.save();
  ctx.globalAlpha = 0.92;
  ctx.fillStyle = '#111318';
  ctx.fillRect(x, y, boxWidth, boxHeight);
  ctx.globalAlpha = 1;
  ctx.fillStyle = info.soldOut ? '#8b93a1' : '#ff4d6d';
  ctx.fillRect(x, y, 8 * unit, boxHeight);
  ctx.textBaseline = 'top';
  ctx.fillStyle = '#ffffff';
  ctx.font = `600 ${30 * unit}px system-ui, sans-serif`;
  ctx.fillText(fitText(ctx, info.name, boxWidth - 44 * unit), x + 24 * unit, y + 14 * unit);
  ctx.font = `500 ${26 * unit}px system-ui, sans-serif`;
  ctx.fillStyle = info.soldOut ? '#ef4b4b' : '#ffd5dd';
  ctx.fillText(info.soldOut ? `${info.price} · Sold out` : info.price, x + 24 * unit, y + 52 * unit);
  ctx.restore();
}
