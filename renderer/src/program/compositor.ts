// The one owner of the program feed: a canvas composed every frame from the camera,
// an optional screen share, the pinned product's lower third, the pinned chat message's
// caption and the AR layer.
// captureStream() of this canvas is what goes out and what gets recorded, and the
// host's preview shows this very canvas.
import { FrameClock } from './frame-clock';
import { containRect, coverRect, programLayout, type Rect, type ScreenLayout } from './layout';
import { drawLowerThird, type LowerThird } from './lower-third';
import { drawChatCaption, layoutCaption, type CaptionLines, type ChatCaption } from './chat-caption';
import { drawTimeStamp } from '../../../protocol/debug-stamp';

/** Draws on top of the camera picture (the AR try-on). `cameraRect` is where the camera frame landed. */
export interface ProgramOverlay {
  draw(
    ctx: CanvasRenderingContext2D,
    camera: { video: HTMLVideoElement; rect: Rect; mirrored: boolean },
  ): void;
}

export interface ProgramSettings {
  width: number;
  height: number;
  fps: number;
  mirrorCamera: boolean;
}

export const DEFAULT_PROGRAM: ProgramSettings = { width: 1280, height: 720, fps: 30, mirrorCamera: false };

const FPS_WINDOW_MS = 2000;

/** What tests read of the composed frames (only when window.__shopcastTest is set). */
export interface ProgramDebug {
  /** The caption drawn in the last composed frame: its name and lines; null when none. */
  caption: CaptionLines | null;
  frames: number;
}

declare global {
  interface Window {
    __shopcastProgram?: ProgramDebug;
  }
}

function videoFor(stream: MediaStream | null): HTMLVideoElement | null {
  if (!stream) return null;
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  video.srcObject = stream;
  void video.play().catch(() => {});
  return video;
}

function hasPicture(video: HTMLVideoElement | null): video is HTMLVideoElement {
  return !!video && video.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA && video.videoWidth > 0;
}

export class ProgramCompositor {
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly clock = new FrameClock(() => this.renderFrame());
  private camera: HTMLVideoElement | null = null;
  private screen: HTMLVideoElement | null = null;
  private layout: ScreenLayout = 'pip';
  private lowerThird: LowerThird | null = null;
  private chatCaption: ChatCaption | null = null;
  /** The caption fitted to the canvas, measured once per caption. */
  private captionLines: CaptionLines | null = null;
  private overlay: ProgramOverlay | null = null;
  private frameTimes: number[] = [];
  private output: MediaStream | null = null;
  /** Latency benchmarks only (`?debugStamp=1`): stamps the wall clock into every frame. */
  private readonly debugStamp =
    typeof location !== 'undefined' && new URLSearchParams(location.search).has('debugStamp');
  private readonly debug: ProgramDebug | null =
    typeof window !== 'undefined' && window.__shopcastTest
      ? (window.__shopcastProgram = { caption: null, frames: 0 })
      : null;

  constructor(private settings: ProgramSettings = DEFAULT_PROGRAM) {
    this.canvas = document.createElement('canvas');
    this.canvas.width = settings.width;
    this.canvas.height = settings.height;
    const ctx = this.canvas.getContext('2d', { alpha: false });
    if (!ctx) throw new Error('This browser cannot draw the program (no 2D canvas)');
    this.ctx = ctx;
    this.renderFrame();
  }

  start(): void {
    this.clock.start(this.settings.fps);
  }

  stop(): void {
    this.clock.stop();
    this.output?.getTracks().forEach((track) => track.stop());
    this.output = null;
  }

  setCamera(stream: MediaStream | null): void {
    this.camera = videoFor(stream);
  }

  setScreen(stream: MediaStream | null): void {
    this.screen = videoFor(stream);
  }

  setLayout(layout: ScreenLayout): void {
    this.layout = layout;
  }

  setLowerThird(info: LowerThird | null): void {
    this.lowerThird = info;
  }

  /** The pinned chat message shown as a caption (null: none). */
  setChatCaption(caption: ChatCaption | null): void {
    if (caption?.name === this.chatCaption?.name && caption?.text === this.chatCaption?.text) return;
    this.chatCaption = caption;
    this.captionLines = null;
  }

  setOverlay(overlay: ProgramOverlay | null): void {
    this.overlay = overlay;
  }

  setMirrorCamera(mirrored: boolean): void {
    this.settings = { ...this.settings, mirrorCamera: mirrored };
  }

  /** The program as a video track source; one stream, shared by the publisher and the recorder. */
  captureStream(): MediaStream {
    this.output ??= this.canvas.captureStream(this.settings.fps);
    return this.output;
  }

  /** Frames actually composed per second over the last two seconds. */
  get fps(): number {
    const now = performance.now();
    this.frameTimes = this.frameTimes.filter((time) => now - time <= FPS_WINDOW_MS);
    return (this.frameTimes.length * 1000) / FPS_WINDOW_MS;
  }

  private renderFrame(): void {
    const { ctx } = this;
    const { width, height, mirrorCamera } = this.settings;
    ctx.fillStyle = '#0d0f12';
    ctx.fillRect(0, 0, width, height);
    const camera = hasPicture(this.camera) ? this.camera : null;
    const screen = hasPicture(this.screen) ? this.screen : null;
    const boxes = programLayout(width, height, { camera: !!camera, screen: !!screen }, this.layout);

    if (screen && boxes.screen) {
      const rect = containRect(screen.videoWidth, screen.videoHeight, boxes.screen);
      ctx.drawImage(screen, rect.x, rect.y, rect.width, rect.height);
    }
    if (camera && boxes.camera) {
      const box = boxes.camera;
      const rect = coverRect(camera.videoWidth, camera.videoHeight, box);
      ctx.save();
      ctx.beginPath();
      ctx.rect(box.x, box.y, box.width, box.height);
      ctx.clip();
      if (mirrorCamera) {
        ctx.translate(2 * rect.x + rect.width, 0);
        ctx.scale(-1, 1);
      }
      ctx.drawImage(camera, rect.x, rect.y, rect.width, rect.height);
      ctx.restore();
      if (this.overlay) {
        ctx.save();
        ctx.beginPath();
        ctx.rect(box.x, box.y, box.width, box.height);
        ctx.clip();
        try {
          this.overlay.draw(ctx, { video: camera, rect, mirrored: mirrorCamera });
        } catch (error) {
          // A broken overlay must never stop the show: drop it and keep streaming.
          console.error('Program overlay failed and was removed:', error);
          this.overlay = null;
        }
        ctx.restore();
      }
    }
    if (!camera && !screen) {
      ctx.fillStyle = '#8b93a1';
      ctx.font = `500 ${height / 24}px system-ui, sans-serif`;
      ctx.textAlign = 'center';
      ctx.fillText('No camera', width / 2, height / 2);
      ctx.textAlign = 'start';
    }
    if (this.lowerThird) drawLowerThird(ctx, width, height, this.lowerThird);
    if (this.chatCaption) {
      this.captionLines ??= layoutCaption(ctx, width, height, this.chatCaption);
      drawChatCaption(ctx, width, height, this.captionLines);
    }
    if (this.debug) {
      this.debug.caption = this.chatCaption ? this.captionLines : null;
      this.debug.frames++;
    }
    if (this.debugStamp) drawTimeStamp(ctx, Date.now());
    this.frameTimes.push(performance.now());
    if (this.frameTimes.length > this.settings.fps * 4) this.frameTimes.splice(0, this.settings.fps);
  }
}
