// Builds the demo 3D models procedurally with three.js and writes them as binary
// glTF (.glb) into assets/models/. Run: npx tsx scripts/generate-models.ts
//
// Model space (see assets/models/README.md): glTF axes, +y up, +z toward the
// camera (out of the wearer's face), +x to the image right. Wearables are sized in
// face units so the try-on anchor only has to scale by one measured distance.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as THREE from 'three';
import { GLTFExporter } from 'three/examples/jsm/exporters/GLTFExporter.js';

// GLTFExporter reads its output Blob back through FileReader, which Node lacks.
class NodeFileReader {
  result: ArrayBuffer | null = null;
  onloadend: (() => void) | null = null;
  readAsArrayBuffer(blob: Blob): void {
    void blob.arrayBuffer().then((buffer) => {
      this.result = buffer;
      this.onloadend?.();
    });
  }
}
(globalThis as { FileReader?: unknown }).FileReader ??= NodeFileReader;

const OUT_DIR = path.resolve(import.meta.dirname, '../assets/models');

type Material = THREE.MeshStandardMaterial;
const material = (color: number, options: THREE.MeshStandardMaterialParameters = {}): Material =>
  new THREE.MeshStandardMaterial({ color, roughness: 0.5, metalness: 0, ...options });

function mesh(name: string, geometry: THREE.BufferGeometry, mat: Material): THREE.Mesh {
  geometry.deleteAttribute('uv'); // no textures: keeps the files small
  const m = new THREE.Mesh(geometry, mat);
  m.name = name;
  return m;
}

function place<T extends THREE.Object3D>(
  object: T,
  x: number,
  y: number,
  z: number,
  rx = 0,
  ry = 0,
  rz = 0,
): T {
  object.position.set(x, y, z);
  object.rotation.set(rx, ry, rz);
  return object;
}

function roundedRect(width: number, height: number, radius: number): THREE.Shape {
  const [w, h, r] = [width / 2, height / 2, radius];
  const shape = new THREE.Shape();
  shape.moveTo(-w + r, -h);
  shape.lineTo(w - r, -h);
  shape.quadraticCurveTo(w, -h, w, -h + r);
  shape.lineTo(w, h - r);
  shape.quadraticCurveTo(w, h, w - r, h);
  shape.lineTo(-w + r, h);
  shape.quadraticCurveTo(-w, h, -w, h - r);
  shape.lineTo(-w, -h + r);
  shape.quadraticCurveTo(-w, -h, -w + r, -h);
  return shape;
}

/** Arms from the outer edge of each lens back toward the ears (-z). */
function temples(frame: Material, halfWidth: number): THREE.Mesh[] {
  return [-1, 1].map((side) =>
    place(
      mesh(`temple-${side < 0 ? 'left' : 'right'}`, new THREE.BoxGeometry(0.025, 0.035, 0.9), frame),
      side * halfWidth,
      0.04,
      -0.45,
    ),
  );
}

// Glasses: origin at the bridge of the nose on the lens plane; 1 unit = distance
// between the outer eye corners, so the lens centres sit near x = ±0.34.
function roundGlasses(): THREE.Group {
  const frame = material(0x6b3f1d, { roughness: 0.35 });
  const lens = material(0xcfe3f0, { transparent: true, opacity: 0.25, roughness: 0.05 });
  const group = new THREE.Group();
  for (const side of [-1, 1]) {
    group.add(place(mesh('rim', new THREE.TorusGeometry(0.19, 0.018, 8, 48), frame), side * 0.34, 0, 0));
    group.add(
      place(
        mesh('lens', new THREE.CylinderGeometry(0.185, 0.185, 0.008, 48), lens),
        side * 0.34,
        0,
        0,
        Math.PI / 2,
      ),
    );
    group.add(place(mesh('end-piece', new THREE.BoxGeometry(0.05, 0.03, 0.03), frame), side * 0.55, 0.04, 0));
  }
  group.add(place(mesh('bridge', new THREE.TorusGeometry(0.075, 0.014, 6, 16, Math.PI), frame), 0, 0.02, 0));
  group.add(...temples(frame, 0.565));
  return group;
}

function sunglasses(): THREE.Group {
  const frame = material(0x0b0f18, { roughness: 0.3 });
  const lens = material(0x1d2433, { transparent: true, opacity: 0.85, roughness: 0.05, metalness: 0.3 });
  const group = new THREE.Group();
  for (const side of [-1, 1]) {
    const outline = roundedRect(0.44, 0.32, 0.09);
    outline.holes.push(roundedRect(0.38, 0.26, 0.07));
    const rim = new THREE.ExtrudeGeometry(outline, { depth: 0.03, bevelEnabled: false, curveSegments: 6 });
    group.add(place(mesh('rim', rim, frame), side * 0.33, 0, -0.015));
    const glass = new THREE.ShapeGeometry(roundedRect(0.38, 0.26, 0.07), 6);
    group.add(place(mesh('lens', glass, lens), side * 0.33, 0, 0));
  }
  group.add(place(mesh('bridge', new THREE.BoxGeometry(0.24, 0.03, 0.03), frame), 0, 0.06, 0));
  group.add(...temples(frame, 0.54));
  return group;
}

// Hats: origin at the forehead point (face-mesh point 10, upper middle of the
// forehead); 1 unit = face width at the temples. The head is roughly a sphere of
// radius 0.55 whose centre lies 0.42 behind and 0.28 below the forehead point
// (on the face fixture the top of the head is about 0.27 above that point).
const HEAD_CENTER = new THREE.Vector3(0, -0.28, -0.42);
// A hat's front edge sits a little below the forehead point, above the brows.
const HAT_RIM_Y = -0.14;

function cap(): THREE.Group {
  const fabric = material(0x2f6f4f, { roughness: 0.9 });
  const dark = material(0x1f4d36, { roughness: 0.8 });
  const group = new THREE.Group();
  const crown = new THREE.SphereGeometry(0.6, 32, 12, 0, Math.PI * 2, 0, Math.PI / 2);
  crown.scale(1, 0.75, 1.05);
  group.add(place(mesh('crown', crown, fabric), HEAD_CENTER.x, HAT_RIM_Y, HEAD_CENTER.z));
  // Visor: half disc over the eyes, tilted down so it shows in a front view.
  const visor = new THREE.CylinderGeometry(0.42, 0.42, 0.02, 24, 1, false, -Math.PI / 2, Math.PI);
  visor.scale(1, 1, 0.75);
  group.add(place(mesh('visor', visor, dark), 0, HAT_RIM_Y - 0.02, 0.1, 0.3));
  const button = new THREE.SphereGeometry(0.04, 12, 6);
  group.add(place(mesh('button', button, dark), HEAD_CENTER.x, HAT_RIM_Y + 0.45, HEAD_CENTER.z));
  return group;
}

function bucketHat(): THREE.Group {
  const canvas = material(0xc8b48a, { roughness: 0.95 });
  const band = material(0x8a744f, { roughness: 0.9 });
  const group = new THREE.Group();
  const crownHeight = 0.44;
  const crown = new THREE.CylinderGeometry(0.46, 0.6, crownHeight, 32, 1, true);
  group.add(place(mesh('crown', crown, canvas), HEAD_CENTER.x, HAT_RIM_Y + crownHeight / 2, HEAD_CENTER.z));
  const top = new THREE.CircleGeometry(0.46, 32);
  group.add(
    place(mesh('top', top, canvas), HEAD_CENTER.x, HAT_RIM_Y + crownHeight, HEAD_CENTER.z, -Math.PI / 2),
  );
  const ribbon = new THREE.CylinderGeometry(0.6, 0.61, 0.06, 32, 1, true);
  group.add(place(mesh('band', ribbon, band), HEAD_CENTER.x, HAT_RIM_Y + 0.06, HEAD_CENTER.z));
  // The brim flares down and out from the bottom of the crown.
  const brim = new THREE.CylinderGeometry(0.6, 0.88, 0.14, 32, 1, true);
  group.add(place(mesh('brim', brim, canvas), HEAD_CENTER.x, HAT_RIM_Y - 0.07, HEAD_CENTER.z));
  return group;
}

// Earrings: one earring per file (the anchor places it on both ears); origin at the
// piercing, hanging toward -y; 1 unit = outer eye corner distance, like glasses.
function hoopEarring(): THREE.Group {
  const gold = material(0xd4a017, { metalness: 1, roughness: 0.25 });
  const group = new THREE.Group();
  group.add(mesh('stud', new THREE.SphereGeometry(0.018, 12, 8), gold));
  group.add(
    // Turned halfway toward the side of the head: edge-on it would vanish in a front view.
    place(mesh('hoop', new THREE.TorusGeometry(0.09, 0.009, 8, 40), gold), 0, -0.09, 0, 0, Math.PI / 4),
  );
  return group;
}

function dropEarring(): THREE.Group {
  const silver = material(0xb9bcc6, { metalness: 1, roughness: 0.3 });
  const pearl = material(0xfbfaf5, { roughness: 0.15 });
  const group = new THREE.Group();
  group.add(mesh('stud', new THREE.SphereGeometry(0.018, 12, 8), silver));
  group.add(place(mesh('chain', new THREE.CylinderGeometry(0.004, 0.004, 0.1, 6), silver), 0, -0.05, 0));
  group.add(place(mesh('pearl', new THREE.SphereGeometry(0.045, 20, 14), pearl), 0, -0.14, 0));
  return group;
}

// Products shown on their own (not worn): origin at the centre of the base, +y up, height 1.
function bottle(): THREE.Group {
  const glass = material(0xf29b6b, { transparent: true, opacity: 0.9, roughness: 0.1 });
  const capMat = material(0x7a4a2f, { roughness: 0.4 });
  const profile = [
    [0, 0],
    [0.2, 0],
    [0.24, 0.04],
    [0.24, 0.62],
    [0.18, 0.7],
    [0.09, 0.74],
    [0.09, 0.78],
    [0, 0.78],
  ].map(([x, y]) => new THREE.Vector2(x, y));
  const group = new THREE.Group();
  group.add(mesh('body', new THREE.LatheGeometry(profile, 32), glass));
  group.add(place(mesh('cap', new THREE.CylinderGeometry(0.11, 0.11, 0.22, 24), capMat), 0, 0.89, 0));
  return group;
}

// Sneaker: toe toward +x, length 1, sole on y = 0.
function sneaker(): THREE.Group {
  const upperMat = material(0x3f7bd9, { roughness: 0.7 });
  const soleMat = material(0xf4f4f4, { roughness: 0.9 });
  const laceMat = material(0xffffff, { roughness: 0.8 });
  const group = new THREE.Group();

  const sole = roundedRect(1, 0.08, 0.035);
  const soleGeometry = new THREE.ExtrudeGeometry(sole, {
    depth: 0.36,
    bevelEnabled: false,
    curveSegments: 4,
  });
  group.add(place(mesh('sole', soleGeometry, soleMat), 0, 0.04, -0.18));

  // Side profile of the upper: heel at -x rising to the collar, sloping to the toe.
  const upper = new THREE.Shape();
  upper.moveTo(-0.5, 0.08);
  upper.lineTo(0.48, 0.08);
  upper.quadraticCurveTo(0.5, 0.2, 0.3, 0.22);
  upper.lineTo(0.0, 0.34);
  upper.lineTo(-0.3, 0.42);
  upper.quadraticCurveTo(-0.5, 0.44, -0.5, 0.3);
  upper.lineTo(-0.5, 0.08);
  const upperGeometry = new THREE.ExtrudeGeometry(upper, {
    depth: 0.3,
    bevelEnabled: true,
    bevelThickness: 0.02,
    bevelSize: 0.02,
    bevelSegments: 2,
    curveSegments: 8,
  });
  group.add(place(mesh('upper', upperGeometry, upperMat), 0, 0, -0.15));
  for (let i = 0; i < 4; i++) {
    const x = 0.2 - i * 0.1;
    const lace = place(
      mesh(`lace-${i}`, new THREE.BoxGeometry(0.02, 0.015, 0.26), laceMat),
      x,
      0.27 + i * 0.035,
      0,
      0,
      0,
      0.4,
    );
    group.add(lace);
  }
  return group;
}

interface ModelSpec {
  file: string;
  build: () => THREE.Group;
  /** Recorded in the glTF extras so a reader can check the convention it was built for. */
  space: { kind: 'glasses' | 'hat' | 'earrings' | 'product'; origin: string; unit: string };
}

const GLASSES_SPACE = {
  kind: 'glasses',
  origin: 'bridge of the nose',
  unit: 'outer eye corner distance',
} as const;
const HAT_SPACE = { kind: 'hat', origin: 'forehead point', unit: 'face width at the temples' } as const;
const EARRING_SPACE = {
  kind: 'earrings',
  origin: 'piercing point',
  unit: 'outer eye corner distance',
} as const;
const PRODUCT_SPACE = {
  kind: 'product',
  origin: 'centre of the base',
  unit: 'product height or length',
} as const;

const MODELS: ModelSpec[] = [
  { file: 'glasses-round.glb', build: roundGlasses, space: GLASSES_SPACE },
  { file: 'sunglasses.glb', build: sunglasses, space: GLASSES_SPACE },
  { file: 'cap.glb', build: cap, space: HAT_SPACE },
  { file: 'bucket-hat.glb', build: bucketHat, space: HAT_SPACE },
  { file: 'earrings-hoop.glb', build: hoopEarring, space: EARRING_SPACE },
  { file: 'earrings-drop.glb', build: dropEarring, space: EARRING_SPACE },
  { file: 'bottle.glb', build: bottle, space: PRODUCT_SPACE },
  { file: 'sneaker.glb', build: sneaker, space: PRODUCT_SPACE },
];

async function main(): Promise<void> {
  await mkdir(OUT_DIR, { recursive: true });
  const exporter = new GLTFExporter();
  for (const spec of MODELS) {
    const root = spec.build();
    root.name = path.basename(spec.file, '.glb');
    root.userData = { shopcastModelSpace: spec.space };
    const glb = await exporter.parseAsync(root, { binary: true });
    if (!(glb instanceof ArrayBuffer)) throw new Error('GLTFExporter did not return binary output');
    await writeFile(path.join(OUT_DIR, spec.file), new Uint8Array(glb));
    console.log(`${spec.file}: ${(glb.byteLength / 1024).toFixed(1)} KB`);
  }
}

await main();
