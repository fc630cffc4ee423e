// The renderer's one owner of products: keeps the store's products slice in step with
// the studio services, runs the product actions the rail calls, and drives the
// program's lower third and try-on layer from the pinned product.
import * as THREE from 'three';
import { formatPrice, type Product, type TryOnAdjustment } from '../../../protocol/catalog';
import {
  MAX_CATALOG_IMPORT_CHARS,
  MAX_PRODUCT_MODEL_BYTES,
  type ProductsState,
} from '../../../protocol/contract';
import type { ShowState } from '../../../protocol/show';
import { program } from '../media/studio-media';
import { useStudioStore } from '../store';
import type { StudioLink } from '../studio-client';
import { TryOnOverlay } from '../tryon/try-on-overlay';
import { catalogText } from './catalog-text';

let link: StudioLink | null = null;
let overlay: TryOnOverlay | null = null;
/** Bumped when the host uploads a model, so the loader never serves an old one. */
const modelVersions = new Map<string, number>();

const set = (patch: Parameters<ReturnType<typeof useStudioStore.getState>['setProducts']>[0]) =>
  useStudioStore.getState().setProducts(patch);

function applyProducts(state: ProductsState): void {
  set({
    products: state.products,
    queue: state.queue,
    customModels: state.customModels,
    defaultCurrency: state.defaultCurrency,
  });
}

function applyShow(show: ShowState | null): void {
  set({
    showRunning: !!show,
    showCurrency: show?.currency ?? null,
    pinConfirm: show ? useStudioStore.getState().pinConfirm : null,
    pinnedProductId: show?.pinnedProductId ?? null,
    soldOutProductIds: show?.soldOutProductIds ?? [],
  });
}

/** Catalog paths (assets/…) are copied next to the UI by the build; host models come over the contract. */
function modelUrl(product: Product): string {
  const version = modelVersions.get(product.id);
  if (version === undefined) return new URL(product.model ?? '', document.baseURI).href;
  return new URL(`host-models/${encodeURIComponent(product.id)}.glb?v=${version}`, document.baseURI).href;
}

/** Fetches the host's GLB over the contract and puts it where three.js looks first (CSP allows no blob: fetch). */
async function loadHostModel(productId: string): Promise<void> {
  const { contentBase64 } = await api().getProductModel({ productId });
  const bytes = Uint8Array.from(atob(contentBase64), (c) => c.charCodeAt(0));
  const version = (modelVersions.get(productId) ?? 0) + 1;
  modelVersions.set(productId, version);
  THREE.Cache.add(`file:${modelUrl({ id: productId } as Product)}`, bytes.buffer);
}

function api() {
  if (!link) throw new Error('Products are not connected to the studio services');
  return link.api;
}

async function run<T>(action: () => Promise<T>): Promise<T | undefined> {
  try {
    const result = await action();
    set({ productError: null });
    return result;
  } catch (error) {
    set({ productError: (error as Error).message });
    return undefined;
  }
}

/** Shows the pinned product in the program: lower third and try-on. */
async function followPin(): Promise<void> {
  const state = useStudioStore.getState();
  const product = state.products.find((p) => p.id === state.pinnedProductId) ?? null;
  program().setLowerThird(
    product
      ? {
          name: product.name,
          price: formatPrice(product.priceMinor, product.currency),
          soldOut: state.soldOutProductIds.includes(product.id),
        }
      : null,
  );
  if (product && state.customModels.includes(product.id) && !modelVersions.has(product.id)) {
    await loadHostModel(product.id).catch((error: Error) =>
      set({ tryOn: { state: 'error', message: `The host model could not be read: ${error.message}` } }),
    );
  }
  // A host model makes any product showable, even one the catalog gave no model.
  const withModel =
    product && state.customModels.includes(product.id)
      ? { ...product, model: product.model ?? 'host.glb' }
      : product;
  await overlay?.setProduct(withModel);
}

export function startProductSync(studio: StudioLink): () => void {
  link = studio;
  // Models are small and few: keeping their bytes makes re-pins and fit changes instant,
  // and it is where host models are placed (see loadHostModel).
  THREE.Cache.enabled = true;
  overlay = new TryOnOverlay(modelUrl, (tryOn) => set({ tryOn }));
  program().setOverlay(overlay);
  const refresh = () => {
    void studio.api.listProducts({}).then(applyProducts, () => {});
    void studio.api.getShow({}).then(applyShow, () => {});
  };
  const stops = [
    studio.api.on('products', applyProducts),
    studio.api.on('show', applyShow),
    studio.onLinkState((state) => {
      if (state === 'connected') refresh();
    }),
    useStudioStore.subscribe((state, previous) => {
      if (
        state.pinnedProductId !== previous.pinnedProductId ||
        state.products !== previous.products ||
        state.soldOutProductIds !== previous.soldOutProductIds ||
        state.customModels !== previous.customModels
      )
        void followPin();
      // Load the tracker early once the show has something to wear.
      if (state.products !== previous.products && state.products.some((p) => p.tryOn !== 'none'))
        overlay?.preload();
    }),
  ];
  return () => {
    for (const stop of stops) stop();
    program().setOverlay(null);
    overlay?.dispose();
    overlay = null;
    link = null;
  };
}

// Actions the product rail calls.

export function pinProduct(productId: string): Promise<unknown> {
  return run(() => api().pinProduct({ productId }).then(applyShow));
}

/**
 * Pins a product, unless it is priced in another currency than the show sells in: then the
 * host is asked first (its orders would count under other currencies, not the show's revenue).
 */
export function requestPin(productId: string): Promise<unknown> {
  const { products, showCurrency } = useStudioStore.getState();
  const product = products.find((p) => p.id === productId);
  if (product && showCurrency && product.currency !== showCurrency) {
    set({ pinConfirm: productId });
    return Promise.resolve();
  }
  set({ pinConfirm: null });
  return pinProduct(productId);
}

export function answerPinConfirm(pin: boolean): Promise<unknown> {
  const productId = useStudioStore.getState().pinConfirm;
  set({ pinConfirm: null });
  return pin && productId ? pinProduct(productId) : Promise.resolve();
}

export function unpinProduct(): Promise<unknown> {
  return run(() => api().unpinProduct({}).then(applyShow));
}

export function markSoldOut(productId: string): Promise<unknown> {
  return run(() => api().markSoldOut({ productId }).then(applyShow));
}

export function markBackInStock(productId: string): Promise<unknown> {
  return run(() => api().markBackInStock({ productId }).then(applyShow));
}

/** Moves a queued product to `toIndex` in the show queue. */
export function moveInQueue(productId: string, toIndex: number): Promise<unknown> {
  const queue = queueWithout(productId);
  queue.splice(Math.max(0, Math.min(queue.length, toIndex)), 0, productId);
  return saveQueue(queue);
}

/** Takes a product out of the show queue (it stays in the catalog). */
export function removeFromQueue(productId: string): Promise<unknown> {
  return saveQueue(queueWithout(productId));
}

const queueWithout = (productId: string) => useStudioStore.getState().queue.filter((id) => id !== productId);

function saveQueue(queue: string[]): Promise<unknown> {
  set({ queue }); // show the change at once; the services confirm it
  return run(() => api().setQueue({ productIds: queue }).then(applyProducts));
}

export async function importCatalog(file: File): Promise<void> {
  if (file.size > MAX_CATALOG_IMPORT_CHARS) {
    set({
      productError: `${file.name} is too large to import (limit ${MAX_CATALOG_IMPORT_CHARS / 1024} KiB)`,
    });
    return;
  }
  const content = catalogText(new Uint8Array(await file.arrayBuffer()));
  const result = await run(() => api().importCatalog({ fileName: file.name, content }));
  if (result) set({ importReport: { fileName: file.name, ...result } });
}

let adjustTimer: ReturnType<typeof setTimeout> | undefined;
/** Slider moves are sent after a short pause, so a drag does not reload the model each step. */
export function setTryOnAdjustment(productId: string, adjustment: TryOnAdjustment): void {
  clearTimeout(adjustTimer);
  adjustTimer = setTimeout(() => {
    void run(() =>
      api()
        .setTryOnAdjustment({ productId, ...adjustment })
        .then(applyProducts),
    );
  }, 250);
}

export async function setProductModel(productId: string, file: File): Promise<void> {
  if (file.size > MAX_PRODUCT_MODEL_BYTES) {
    set({ productError: `${file.name} is too large (limit ${MAX_PRODUCT_MODEL_BYTES / 1024} KiB)` });
    return;
  }
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  const state = await run(() =>
    api().setProductModel({ productId, fileName: file.name, contentBase64: btoa(binary) }),
  );
  if (!state) return;
  modelVersions.delete(productId);
  applyProducts(state);
  if (useStudioStore.getState().pinnedProductId === productId) {
    await loadHostModel(productId).catch(() => {});
    await overlay?.setProduct(null);
    void followPin();
  }
}
