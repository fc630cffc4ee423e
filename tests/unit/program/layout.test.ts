import { describe, expect, it } from 'vitest';
import { containRect, coverRect, programLayout } from '../../../renderer/src/program/layout';

describe('program layout', () => {
  it('camera alone fills the program', () => {
    expect(programLayout(1280, 720, { camera: true, screen: false }, 'pip')).toEqual({
      camera: { x: 0, y: 0, width: 1280, height: 720 },
      screen: null,
    });
  });

  it('picture-in-picture keeps the screen full and the camera in the bottom-right corner', () => {
    const layout = programLayout(1280, 720, { camera: true, screen: true }, 'pip');
    expect(layout.screen).toEqual({ x: 0, y: 0, width: 1280, height: 720 });
    const camera = layout.camera!;
    expect(camera.x + camera.width).toBeLessThan(1280);
    expect(camera.y + camera.height).toBeLessThan(720);
    expect(camera.width / camera.height).toBeCloseTo(16 / 9, 1);
  });

  it('side by side splits the width', () => {
    const layout = programLayout(1280, 720, { camera: true, screen: true }, 'side-by-side');
    expect(layout.screen).toEqual({ x: 0, y: 0, width: 640, height: 720 });
    expect(layout.camera).toEqual({ x: 640, y: 0, width: 640, height: 720 });
  });

  it('nothing to show gives no boxes', () => {
    expect(programLayout(1280, 720, { camera: false, screen: false }, 'pip')).toEqual({
      camera: null,
      screen: null,
    });
  });

  it('cover crops a 4:3 camera to fill 16:9, centred', () => {
    expect(coverRect(640, 480, { x: 0, y: 0, width: 1280, height: 720 })).toEqual({
      x: 0,
      y: -120,
      width: 1280,
      height: 960,
    });
  });

  it('contain letterboxes a tall screen share without cropping', () => {
    expect(containRect(1080, 1920, { x: 0, y: 0, width: 1280, height: 720 })).toEqual({
      x: 437.5,
      y: 0,
      width: 405,
      height: 720,
    });
  });
});
