// Where each source goes on the program canvas. Pure, so it is unit-tested.

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export type ScreenLayout = 'pip' | 'side-by-side';

/** Scales a source to cover the box (cropping the overflow), centred. */
export function coverRect(sourceWidth: number, sourceHeight: number, box: Rect): Rect {
  if (sourceWidth <= 0 || sourceHeight <= 0) return { ...box };
  const scale = Math.max(box.width / sourceWidth, box.height / sourceHeight);
  const width = sourceWidth * scale;
  const height = sourceHeight * scale;
  return { x: box.x + (box.width - width) / 2, y: box.y + (box.height - height) / 2, width, height };
}

/** Scales a source to fit inside the box (letterboxed), centred. */
export function containRect(sourceWidth: number, sourceHeight: number, box: Rect): Rect {
  if (sourceWidth <= 0 || sourceHeight <= 0) return { ...box };
  const scale = Math.min(box.width / sourceWidth, box.height / sourceHeight);
  const width = sourceWidth * scale;
  const height = sourceHeight * scale;
  return { x: box.x + (box.width - width) / 2, y: box.y + (box.height - height) / 2, width, height };
}

export interface ProgramLayout {
  /** The box the camera fills (its picture is cropped to cover it). */
  camera: Rect | null;
  /** The box the shared screen fits into (letterboxed, never cropped: text must stay readable). */
  screen: Rect | null;
}

const PIP_SCALE = 0.28;
const PIP_MARGIN = 0.025;

/**
 * Camera alone fills the program. With a screen share, the screen is the main
 * picture and the camera sits in a corner (pip) or they share the width.
 */
export function programLayout(
  width: number,
  height: number,
  sources: { camera: boolean; screen: boolean },
  layout: ScreenLayout,
): ProgramLayout {
  const full: Rect = { x: 0, y: 0, width, height };
  if (!sources.screen) return { camera: sources.camera ? full : null, screen: null };
  if (!sources.camera) return { camera: null, screen: full };
  if (layout === 'side-by-side') {
    const half = width / 2;
    return { screen: { x: 0, y: 0, width: half, height }, camera: { x: half, y: 0, width: half, height } };
  }
  const pipWidth = Math.round(width * PIP_SCALE);
  const pipHeight = Math.round((pipWidth * 9) / 16);
  const margin = Math.round(width * PIP_MARGIN);
  return {
    screen: full,
    camera: {
      x: width - pipWidth - margin,
      y: height - pipHeight - margin,
      width: pipWidth,
      height: pipHeight,
    },
  };
}
