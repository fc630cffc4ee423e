// The AR layer of the program: the one owner of the try-on's face tracker and WebGL
// renderer. A pinned wearable is worn on the tracked face; any other product with a
// model spins on a small card in a corner. The compositor calls draw() every frame;
// tracking runs in its worker and only hands back landmarks, and the 3D layer is
// re-rendered only when something moved, so the compositor never waits on either.
import * as THREE from 'three';
import { GLTFLoader } from 'three/examples/jsm/loaders/GLTFLoader.js';
import { formatPrice, type Product } from '../../../protocol/catalog';
import type { ProgramOverlay } from '../program/compositor';
import type { Rect } from '../program/layout';
import type { TryOnStatus } from '../store/products-slice';
import { FaceTracker, type TrackedFace } from './face-tracker';
import { followFrames } from './frame-follower';
import type { FaceLandmarks } from './landmarks';
import { TryOnScene } from './try-on-scene';

/** True when WebGL runs on the CPU (SwiftShader, llvmpipe): every pixel costs CPU the tracker needs. */
function softwareWebGl(): boolean {
  const gl = document.createElement('canvas').getContext('webgl2');
  const info = gl?.getExtension('WEBGL_debug_renderer_info');
  const name = info ? String(gl!.getParameter(info.UNMASKED_RENDERER_WEBGL)) : '';
  gl?.getExtension('WEBGL_lose_context')?.loseContext();
  return /swiftshader|llvmpipe|software/i.test(name);
}
/** A face older than this is treated as gone, so the model never hangs in the air. */
const FACE_STALE_MS = 500;
const CARD_SIZE = 200;
const CARD_RENDER_MS = 66;

/** Where a product's model comes from: a URL the page may load. */
export type ModelUrl = (product: Product) => string;

/** What tests and benchmarks read (only when window.__shopcastTest is set). */
export interface TryOnDebug {
  status: TryOnStatus;
  trackedFrames: number;
  facesSeen: number;
  lastInferenceMs: number;
  /** Recent samples for benchmarks: worker inference time per tracked frame, overlay time per composed frame. */
  inferenceMs: number[];
  drawMs: number[];
  /** Time of each render of the wearable layer (pose, WebGL render, copy out). */
  renderMs: number[];
  /** Composed frames the overlay was asked to draw (one per program frame with a camera). */
  draws: number;
  /** Benchmarks set this to track without drawing the 3D layer (what does the layer cost?). */
  skipLayer?: boolean;
  /** Last tracked face, in pixels of the tracked (downscaled) frame. */
  face: FaceLandmarks | null;
  /** The last composed frame: was the layer drawn, and where the eye midpoint landed on the canvas. */
  lastDraw: {
    drawn: boolean;
    rect: Rect | null;
    /** Canvas pixels: eye midpoint, nose bridge (the glasses' anchor), outer eye corner distance. */
    eyeMid?: { x: number; y: number };
    noseBridge?: { x: number; y: number };
    eyeSpan?: number;
  };
  /** performance.now() of the product request and of the first frame that showed it. */
  requestedAt: number | null;
  visibleAt: number | null;
}

declare global {
  interface Window {
    __shopcastTest?: boolean;
    __shopcastTryOn?: TryOnDebug;
  }
}

type Mode =
  | { kind: 'none' }
  | { kind: 'wearable'; product: Product; ready: boolean }
  | { kind: 'turntable'; product: Product; model: THREE.Object3D | null };

export class TryOnOverlay implements ProgramOverlay {
  private mode: Mode = { kind: 'none' };
  private ticket = 0;
  private gl: THREE.WebGLRenderer | null = null;
  private glFailed = false;
  /** The wearable layer is rendered at this fraction of the program size. */
  private renderScale = 1;
  private cardRenderedAt = -Infinity;
  /** The last rendered wearable layer, copied out of WebGL. */
  private readonly layer = document.createElement('canvas');
  private readonly wear = new TryOnScene();
  private readonly card = { scene: new THREE.Scene(), camera: new THREE.PerspectiveCamera(30, 1, 0.1, 20) };
  private tracker: Promise<FaceTracker> | null = null;
  private following: { video: HTMLVideoElement; stop: () => void } | null = null;
  private latest: (TrackedFace & { at: number }) | null = null;
  private renderedFace: (TrackedFace & { at: number }) | null = null;
  private renderedView = '';
  /** Where the camera was last composed, so a tracking result can be rendered at once. */
  private view: { width: number; height: number; rect: Rect; mirrored: boolean } | null = null;
  private status: TryOnStatus = { state: 'off', message: null };
  private readonly debug: TryOnDebug | null;

  constructor(
    private readonly modelUrl: ModelUrl,
    private readonly onStatus: (status: TryOnStatus) => void,
  ) {
    this.card.scene.add(new THREE.AmbientLight(0xffffff, 1.4));
    const key = new THREE.DirectionalLight(0xffffff, 2.2);
    key.position.set(1, 2, 3);
    this.card.scene.add(key);
    this.card.camera.position.set(0, 0.25, 3.2);
    this.card.camera.lookAt(0, 0.1, 0);
    this.debug = window.__shopcastTest ? this.newDebug() : null;
  }

  /** Loads the face tracker ahead of the first pin, so pinning a wearable shows it quickly. */
  preload(): void {
    void this.faceTracker().catch(() => {});
  }

  /** Shows the pinned product (or nothing). Safe to call with the same product again. */
  async setProduct(product: Product | null): Promise<void> {
    const mode = this.mode;
    const sameModel =
      mode.kind !== 'none' &&
      product !== null &&
      product.id === mode.product.id &&
      product.model === mode.product.model;
    if (sameModel && sameFit(mode.product, product)) return;
    if (sameModel && (mode.kind === 'turntable' || mode.ready)) {
      // Only the fit changed (the host is dragging a slider): no reload, no flicker.
      this.wear.setAdjustment(product.id, product.tryOnAdjustment);
      mode.product = product;
      return;
    }
    const ticket = ++this.ticket;
    if (this.debug) Object.assign(this.debug, { requestedAt: performance.now(), visibleAt: null });
    this.disposeCard();
    this.latest = null;
    this.renderedFace = null;
    this.cardRenderedAt = -Infinity;

    if (!product || (product.tryOn === 'none' && !product.model)) {
      this.stopFollowing();
      this.mode = { kind: 'none' };
      await this.wear.setProduct(null, () => '');
      this.setStatus({ state: 'off', message: null });
      return;
    }
    if (!this.renderer()) return;
    if (product.tryOn === 'none') {
      this.stopFollowing();
      await this.wear.setProduct(null, () => '');
      this.mode = { kind: 'turntable', product, model: null };
      this.setStatus({ state: 'loading', message: null });
      try {
        const gltf = await new GLTFLoader().loadAsync(this.modelUrl(product));
        if (ticket !== this.ticket) return;
        this.mode = { kind: 'turntable', product, model: this.fitToCard(gltf.scene) };
        this.setStatus({ state: 'turntable', message: null });
      } catch (error) {
        if (ticket === this.ticket) this.fail(`The 3D model of "${product.name}" could not be loaded`, error);
      }
      return;
    }

    this.mode = { kind: 'wearable', product, ready: false };
    this.setStatus({ state: 'loading', message: null });
    try {
      await Promise.all([this.faceTracker(), this.wear.setProduct(product, () => this.modelUrl(product))]);
    } catch (error) {
      if (ticket !== this.ticket) return;
      const what = this.tracker
        ? `The 3D model of "${product.name}" could not be loaded`
        : 'Face tracking failed to start';
      this.fail(what, error);
      return;
    }
    if (ticket !== this.ticket) return;
    if (this.debug) this.tintForTests();
    this.mode = { kind: 'wearable', product, ready: true };
    this.setStatus({ state: 'no-face', message: null });
  }

  draw(
    ctx: CanvasRenderingContext2D,
    camera: { video: HTMLVideoElement; rect: Rect; mirrored: boolean },
  ): void {
    const started = performance.now();
    try {
      if (this.mode.kind === 'wearable' && this.mode.ready) this.drawWearable(ctx, camera);
      else if (this.mode.kind === 'turntable' && this.mode.model)
        this.drawCard(ctx, this.mode.product, this.mode.model);
      else if (this.debug) this.debug.lastDraw = { drawn: false, rect: camera.rect };
    } catch (error) {
      // Never let the AR layer take the program down: drop the product and carry on.
      this.fail('The try-on stopped', error);
    }
    if (this.debug) {
      this.debug.draws++;
      pushSample(this.debug.drawMs, performance.now() - started);
    }
  }

  dispose(): void {
    this.stopFollowing();
    this.wear.dispose();
    this.disposeCard();
    this.gl?.dispose();
    void this.tracker?.then((tracker) => tracker.dispose()).catch(() => {});
  }

  private drawWearable(
    ctx: CanvasRenderingContext2D,
    camera: { video: HTMLVideoElement; rect: Rect; mirrored: boolean },
  ): void {
    this.follow(camera.video);
    const { width, height } = ctx.canvas;
    this.view = { width, height, rect: camera.rect, mirrored: camera.mirrored };
    const now = performance.now();
    const fresh = this.latest && now - this.latest.at < FACE_STALE_MS ? this.latest : null;
    const face = fresh?.face ?? null;
    this.setStatus(face ? { state: 'tracking', message: null } : { state: 'no-face', message: null });
    if (this.debug)
      this.debug.lastDraw = { drawn: !!face, rect: camera.rect, ...(face ? faceOnCanvas(face, camera) : {}) };
    if (!fresh || !face || this.debug?.skipLayer) return;

    // Normally rendered as the result arrived (see follow); again only if the layout moved.
    if (fresh !== this.renderedFace || viewKey(this.view) !== this.renderedView) this.renderLayer(fresh);
    ctx.drawImage(this.layer, 0, 0, width, height);
    if (this.debug && this.debug.visibleAt === null) this.debug.visibleAt = now;
  }

  /** Copies a WebGL render into the 2D layer canvas the program draws from. */
  private copyToLayer(source: HTMLCanvasElement): void {
    if (this.layer.width !== source.width || this.layer.height !== source.height) {
      this.layer.width = source.width;
      this.layer.height = source.height;
    }
    const layer = this.layer.getContext('2d')!;
    layer.clearRect(0, 0, this.layer.width, this.layer.height);
    layer.drawImage(source, 0, 0);
  }

  /** Poses the wearable on the face and copies the render out of WebGL (once per render). */
  private renderLayer(tracked: TrackedFace & { at: number }): void {
    const gl = this.gl;
    const view = this.view;
    if (!gl || !view || !tracked.face) return;
    const started = performance.now();
    const { width, height } = view;
    if (gl.domElement.width !== Math.round(width * this.renderScale)) {
      gl.setSize(Math.round(width * this.renderScale), Math.round(height * this.renderScale), false);
    }
    this.wear.setSize(width, height);
    this.wear.update(tracked.face, { ...view.rect, mirrored: view.mirrored });
    gl.render(this.wear.scene, this.wear.camera);
    this.copyToLayer(gl.domElement);
    this.renderedFace = tracked;
    this.renderedView = viewKey(view);
    if (this.debug) pushSample(this.debug.renderMs, performance.now() - started);
  }

  private drawCard(ctx: CanvasRenderingContext2D, product: Product, model: THREE.Object3D): void {
    const gl = this.gl!;
    const now = performance.now();
    // A slow turn needs no more than 15 renders a second; frames in between reuse the last.
    if (now - this.cardRenderedAt >= CARD_RENDER_MS) {
      if (gl.domElement.width !== CARD_SIZE) gl.setSize(CARD_SIZE, CARD_SIZE, false);
      model.rotation.y = (now / 1000) * 0.9;
      gl.render(this.card.scene, this.card.camera);
      this.copyToLayer(gl.domElement);
      this.cardRenderedAt = now;
    }

    const unit = ctx.canvas.height / 720;
    const size = CARD_SIZE * unit;
    const x = ctx.canvas.width - size - 24 * unit;
    const y = 24 * unit;
    ctx.save();
    ctx.fillStyle = 'rgba(13, 15, 18, 0.72)';
    ctx.beginPath();
    ctx.roundRect(x, y, size, size + 52 * unit, 12 * unit);
    ctx.fill();
    ctx.drawImage(this.layer, x, y, size, size);
    // Product names are untrusted: drawn as text only, clipped to the card.
    ctx.beginPath();
    ctx.rect(x, y, size, size + 52 * unit);
    ctx.clip();
    ctx.fillStyle = '#f4f6fa';
    ctx.font = `600 ${15 * unit}px system-ui, sans-serif`;
    ctx.fillText(product.name.slice(0, 40), x + 12 * unit, y + size + 18 * unit);
    ctx.fillStyle = '#ffd166';
    ctx.font = `700 ${15 * unit}px system-ui, sans-serif`;
    ctx.fillText(formatPrice(product.priceMinor, product.currency), x + 12 * unit, y + size + 40 * unit);
    ctx.restore();
    if (this.debug) {
      this.debug.lastDraw = { drawn: true, rect: null };
      this.debug.visibleAt ??= performance.now();
    }
  }

  /** Scales and centres a product model to a unit box on the card's turntable. */
  private fitToCard(model: THREE.Object3D): THREE.Object3D {
    const box = new THREE.Box3().setFromObject(model);
    const size = box.getSize(new THREE.Vector3());
    const center = box.getCenter(new THREE.Vector3());
    const spin = new THREE.Group();
    model.position.sub(center);
    spin.add(model);
    spin.scale.setScalar(1.3 / Math.max(size.x, size.y, size.z, 1e-6));
    this.card.scene.add(spin);
    return spin;
  }

  private disposeCard(): void {
    if (this.mode.kind !== 'turntable' || !this.mode.model) return;
    this.card.scene.remove(this.mode.model);
    this.mode.model.traverse((object) => {
      const mesh = object as THREE.Mesh;
      if (!mesh.isMesh) return;
      mesh.geometry.dispose();
      for (const material of ([] as THREE.Material[]).concat(mesh.material)) material.dispose();
    });
  }

  private renderer(): THREE.WebGLRenderer | null {
    if (this.gl || this.glFailed) return this.gl;
    try {
      // On a CPU renderer: half size and no multisampling, which leaves the cores to tracking.
      const software = softwareWebGl();
      this.renderScale = software ? 0.5 : 1;
      this.gl = new THREE.WebGLRenderer({
        canvas: document.createElement('canvas'),
        alpha: true,
        antialias: !software,
        // Each render is copied out at once (copyToLayer), so the buffer need not be kept.
        preserveDrawingBuffer: false,
      });
      this.gl.setPixelRatio(1);
      this.gl.setClearColor(0x000000, 0);
    } catch (error) {
      this.glFailed = true;
      this.fail('3D rendering is not available on this computer', error);
    }
    return this.gl;
  }

  private faceTracker(): Promise<FaceTracker> {
    this.tracker ??= FaceTracker.create();
    // A failed load may be retried with the next pin.
    this.tracker.catch(() => {
      this.tracker = null;
    });
    return this.tracker;
  }

  private follow(video: HTMLVideoElement): void {
    if (this.following?.video === video) return;
    this.stopFollowing();
    const tracker = this.tracker;
    if (!tracker) return;
    const following = { video, stop: () => {} };
    this.following = following;
    void tracker.then((t) => {
      if (this.following !== following) return;
      following.stop = followFrames(
        t,
        video,
        (tracked) => {
          this.latest = { ...tracked, at: performance.now() };
          // Render now, before the next frame goes to the tracker: on a CPU renderer the
          // render and the inference would otherwise compete for the same cores.
          if (this.mode.kind === 'wearable' && this.mode.ready && !this.debug?.skipLayer) {
            try {
              this.renderLayer(this.latest);
            } catch (error) {
              this.fail('The try-on stopped', error);
            }
          }
          if (this.debug) {
            this.debug.trackedFrames++;
            if (tracked.face) this.debug.facesSeen++;
            this.debug.lastInferenceMs = tracked.inferenceMs;
            pushSample(this.debug.inferenceMs, tracked.inferenceMs);
            this.debug.face = tracked.face;
          }
        },
        (error) => this.fail('Face tracking stopped', error),
      );
    });
  }

  private stopFollowing(): void {
    this.following?.stop();
    this.following = null;
  }

  private fail(what: string, error: unknown): void {
    console.warn(`${what}:`, error);
    this.stopFollowing();
    this.disposeCard();
    this.mode = { kind: 'none' };
    this.ticket++;
    const reason = error instanceof Error ? error.message : String(error);
    this.setStatus({ state: 'error', message: `${what} (${reason}). The show goes on without it.` });
  }

  private setStatus(status: TryOnStatus): void {
    if (status.state === this.status.state && status.message === this.status.message) return;
    this.status = status;
    if (this.debug) this.debug.status = status;
    this.onStatus(status);
  }

  /** Tests find the model by colour: paint it a flat magenta that no camera picture has. */
  private tintForTests(): void {
    const paint = new THREE.MeshBasicMaterial({ color: 0xff00ff });
    for (const child of this.wear.scene.children) {
      if (!child.name.startsWith('try-on ')) continue;
      child.traverse((object) => {
        const mesh = object as THREE.Mesh;
        if (mesh.isMesh) mesh.material = paint;
      });
    }
  }

  private newDebug(): TryOnDebug {
    const debug: TryOnDebug = {
      status: this.status,
      trackedFrames: 0,
      facesSeen: 0,
      lastInferenceMs: 0,
      inferenceMs: [],
      drawMs: [],
      renderMs: [],
      draws: 0,
      face: null,
      lastDraw: { drawn: false, rect: null },
      requestedAt: null,
      visibleAt: null,
    };
    window.__shopcastTryOn = debug;
    return debug;
  }
}

function sameFit(a: Product, b: Product): boolean {
  const x = a.tryOnAdjustment;
  const y = b.tryOnAdjustment;
  return x?.scale === y?.scale && x?.offsetX === y?.offsetX && x?.offsetY === y?.offsetY;
}

/** Tracked points on the program canvas (tests compare the drawn glasses with them). */
function faceOnCanvas(face: FaceLandmarks, camera: { rect: Rect; mirrored: boolean }) {
  const scale = camera.rect.width / face.frame.width;
  const at = (p: { x: number; y: number }) => ({
    x: camera.rect.x + (camera.mirrored ? face.frame.width - p.x : p.x) * scale,
    y: camera.rect.y + p.y * scale,
  });
  const span = Math.hypot(
    face.eyeOuterLeft.x - face.eyeOuterRight.x,
    face.eyeOuterLeft.y - face.eyeOuterRight.y,
  );
  return { eyeMid: at(face.eyeMid), noseBridge: at(face.noseBridge), eyeSpan: span * scale };
}

function pushSample(samples: number[], value: number): void {
  samples.push(value);
  if (samples.length > 2000) samples.splice(0, 1000);
}

function viewKey(view: { width: number; height: number; rect: Rect; mirrored: boolean }): string {
  const { rect } = view;
  return `${view.width}x${view.height}:${rect.x},${rect.y},${rect.width},${rect.height},${view.mirrored}`;
}
