// The three.js side of the try-on: holds the pinned product's model, moves it onto
// the tracked face every frame, and hides what the head would hide. The program
// compositor renders `scene` with `camera` on top of the camera video.
import * as THREE from 'three';
import { GLTFLoader } from 'three/examples/jsm/loaders/GLTFLoader.js';
import type { Product, TryOnKind } from '../../../protocol/catalog';
import { tryOnPoses, type VideoRect } from './anchor';
import type { FaceLandmarks } from './landmarks';

// Depth-only stand-in for the head, in hat model space (origin at the forehead
// point, 1 unit = face width; see assets/models/README.md). Its front stays behind
// the face surface so it never hides glasses lenses, only temples and far earrings.
const HEAD_OCCLUDER = { center: new THREE.Vector3(0, -0.3, -0.56), radii: new THREE.Vector3(0.42, 0.6, 0.5) };

function disposeTree(root: THREE.Object3D): void {
  root.traverse((object) => {
    const mesh = object as THREE.Mesh;
    if (!mesh.isMesh) return;
    mesh.geometry.dispose();
    for (const material of ([] as THREE.Material[]).concat(mesh.material)) material.dispose();
  });
}

export class TryOnScene {
  readonly scene = new THREE.Scene();
  /** Canvas-pixel camera: x right, y up, origin at the bottom left. */
  readonly camera = new THREE.OrthographicCamera(0, 1, 1, 0, -1e4, 1e4);
  private readonly loader = new GLTFLoader();
  private readonly head: THREE.Mesh;
  private product: {
    id: string;
    kind: TryOnKind;
    adjustment: Product['tryOnAdjustment'];
    parts: THREE.Object3D[];
  } | null = null;
  private loading = 0;
  private height = 1;

  constructor() {
    this.scene.add(new THREE.AmbientLight(0xffffff, 1.2));
    const key = new THREE.DirectionalLight(0xffffff, 2);
    key.position.set(0.3, 0.6, 1);
    this.scene.add(key);

    const occluder = new THREE.SphereGeometry(1, 24, 16);
    occluder.scale(HEAD_OCCLUDER.radii.x, HEAD_OCCLUDER.radii.y, HEAD_OCCLUDER.radii.z);
    occluder.translate(HEAD_OCCLUDER.center.x, HEAD_OCCLUDER.center.y, HEAD_OCCLUDER.center.z);
    // Writes depth only, and before the product, so the product is cut where the head is.
    this.head = new THREE.Mesh(occluder, new THREE.MeshBasicMaterial({ colorWrite: false }));
    this.head.renderOrder = -1;
    this.head.visible = false;
    this.scene.add(this.head);
  }

  /** Size of the canvas the scene is drawn on, in pixels. */
  setSize(width: number, height: number): void {
    this.height = height;
    Object.assign(this.camera, { left: 0, right: width, top: height, bottom: 0 });
    this.camera.updateProjectionMatrix();
  }

  /**
   * Shows a product (or nothing). `modelUrl` turns the catalog's model path into a
   * URL the page may load. Products that are not worn show nothing here.
   */
  async setProduct(product: Product | null, modelUrl: (path: string) => string): Promise<void> {
    const ticket = ++this.loading;
    if (this.product) {
      for (const part of this.product.parts) this.scene.remove(part);
      disposeTree(this.product.parts[0] as THREE.Object3D);
      this.product = null;
    }
    if (!product || product.tryOn === 'none' || !product.model) return;
    const gltf = await this.loader.loadAsync(modelUrl(product.model));
    // A newer pin arrived while this one loaded.
    if (ticket !== this.loading) {
      disposeTree(gltf.scene);
      return;
    }
    // Earrings: one model per ear; clones share geometry and materials.
    const parts = product.tryOn === 'earrings' ? [gltf.scene, gltf.scene.clone()] : [gltf.scene];
    for (const [i, part] of parts.entries()) {
      part.name = `try-on ${product.id}${parts.length > 1 ? ` ${i === 0 ? 'left' : 'right'}` : ''}`;
      part.visible = false;
      this.scene.add(part);
    }
    this.product = { id: product.id, kind: product.tryOn, adjustment: product.tryOnAdjustment, parts };
  }

  /** A new fit for the loaded product takes effect on the next frame, without a reload. */
  setAdjustment(productId: string, adjustment: Product['tryOnAdjustment']): void {
    if (this.product?.id === productId) this.product.adjustment = adjustment;
  }

  /** Id of the product currently loaded, if any. */
  get productId(): string | null {
    return this.product?.id ?? null;
  }

  /** Moves the product onto the face (or hides it when no face is tracked). */
  update(face: FaceLandmarks | null, rect: VideoRect): void {
    const product = this.product;
    this.head.visible = false;
    if (!product) return;
    if (!face) {
      for (const part of product.parts) part.visible = false;
      return;
    }
    const poses = tryOnPoses(product.kind, face, rect, product.adjustment);
    poses.forEach((pose, i) => {
      const part = product.parts[i];
      if (!part) return;
      part.position.set(pose.x, this.height - pose.y, 0);
      part.scale.setScalar(pose.scale);
      part.quaternion.fromArray(pose.quaternion);
      part.visible = pose.visible;
    });
    if (product.kind !== 'hat') {
      // The occluder lives in hat space: place it with the hat anchor.
      const [headPose] = tryOnPoses('hat', face, rect);
      if (headPose) {
        this.head.position.set(headPose.x, this.height - headPose.y, 0);
        this.head.scale.setScalar(headPose.scale);
        this.head.quaternion.fromArray(headPose.quaternion);
        this.head.visible = true;
      }
    }
  }

  dispose(): void {
    if (this.product) disposeTree(this.product.parts[0] as THREE.Object3D);
    disposeTree(this.head);
    this.product = null;
  }
}
