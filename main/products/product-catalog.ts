// The one owner of the studio's products: the demo catalog plus the host's imports,
// the show queue, per-product try-on adjustments and the host's own GLB models.
// Pins and sold-out marks go through ShowSession, so they become studio events.
// Host data is remembered in the studio data dir.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { Product, TryOnAdjustment, type BadRow } from '../../protocol/catalog';
import {
  MAX_PRODUCT_MODEL_BYTES,
  type CatalogImportResult,
  type ProductsState,
} from '../../protocol/contract';
import { StudioError } from '../../protocol/rpc';
import type { ShowState } from '../../protocol/show';
import { importCatalogCsv, importCatalogJson, loadDemoCatalog } from './catalog-import';
import type { ShowSession } from '../show';

/** The repo's (or packaged app's) assets folder: two levels up from main/services or out/main. */
export function defaultAssetsDir(): string {
  const here = typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
  return resolve(here, '..', '..', 'assets');
}

// Fit adjustments by product id, as [id, adjustment] pairs: ids are catalog data and may be
// "constructor" or "__proto__", so they never become keys of a plain object. Older files kept
// them as an object; JSON.parse makes every key an own property, so its entries read safely.
const AdjustmentEntries = z.preprocess(
  (value) => (value && typeof value === 'object' && !Array.isArray(value) ? Object.entries(value) : value),
  z.array(z.tuple([z.string(), TryOnAdjustment])),
);

// What the host changed, kept across restarts.
const SavedProducts = z.object({
  imported: z.array(z.unknown()).default([]),
  queue: z.array(z.string()).default([]),
  adjustments: AdjustmentEntries.default([]),
  customModels: z.array(z.string()).default([]),
});
type SavedProducts = Omit<z.infer<typeof SavedProducts>, 'adjustments'> & {
  adjustments: Map<string, TryOnAdjustment>;
};

const nothingSaved = (): SavedProducts => ({
  imported: [],
  queue: [],
  adjustments: new Map(),
  customModels: [],
});

/** GLB files start with the ASCII magic "glTF" and version 2. */
export function checkGlb(bytes: Buffer): string | null {
  if (bytes.length < 20) return 'the file is too small to be a GLB model';
  if (bytes.length > MAX_PRODUCT_MODEL_BYTES)
    return `the model is ${bytes.length} bytes; the limit is ${MAX_PRODUCT_MODEL_BYTES}`;
  if (bytes.toString('latin1', 0, 4) !== 'glTF') return 'not a GLB file (binary glTF starts with "glTF")';
  if (bytes.readUInt32LE(4) !== 2) return `GLB version ${bytes.readUInt32LE(4)} is not supported (need 2)`;
  if (bytes.readUInt32LE(8) !== bytes.length) return 'the GLB file is truncated or has trailing bytes';
  return null;
}

export interface ProductCatalogOptions {
  show: ShowSession;
  dataDir: string;
  assetsDir?: string;
  onChange: (state: ProductsState) => void;
}

export class ProductCatalog {
  private demo: Product[] = [];
  private saved: SavedProducts = nothingSaved();
  private readonly stateFile: string;
  private readonly modelDir: string;
  /** Resolves once the demo catalog is loaded; calls wait for it. */
  readonly ready: Promise<void>;

  constructor(private readonly options: ProductCatalogOptions) {
    this.stateFile = join(options.dataDir, 'products.json');
    this.modelDir = join(options.dataDir, 'product-models');
    this.saved = this.readSaved();
    this.ready = loadDemoCatalog(options.assetsDir ?? defaultAssetsDir()).then(
      (products) => {
        this.demo = products;
        if (this.saved.queue.length === 0) this.saved.queue = products.map((p) => p.id);
        options.onChange(this.state());
      },
      (error: Error) => console.warn(`Demo catalog not loaded: ${error.message}`),
    );
  }

  /** Demo products, overridden by imported ones with the same id, with adjustments merged in. */
  get products(): Product[] {
    const byId = new Map<string, Product>();
    for (const product of [...this.demo, ...this.importedProducts()]) byId.set(product.id, product);
    return [...byId.values()].map((product) => {
      const adjustment = this.saved.adjustments.get(product.id);
      return adjustment ? { ...product, tryOnAdjustment: adjustment } : product;
    });
  }

  state(): ProductsState {
    const ids = new Set(this.products.map((p) => p.id));
    return {
      products: this.products,
      queue: this.saved.queue.filter((id) => ids.has(id)),
      customModels: this.saved.customModels.filter((id) => ids.has(id)),
      defaultCurrency: this.options.show.suggestedCurrency(),
    };
  }

  /** The currency most queued products are priced in (ties: the first queued one's). */
  catalogCurrency(): string | null {
    const byId = new Map(this.products.map((p) => [p.id, p]));
    const counts = new Map<string, number>();
    for (const id of this.saved.queue) {
      const currency = byId.get(id)?.currency;
      if (currency) counts.set(currency, (counts.get(currency) ?? 0) + 1);
    }
    let best: string | null = null;
    for (const [currency, count] of counts) if (best === null || count > counts.get(best)!) best = currency;
    return best;
  }

  async list(): Promise<ProductsState> {
    await this.ready;
    return this.state();
  }

  /** Imports a JSON or CSV catalog; good rows are added (and queued), bad rows are reported. */
  async importCatalog(fileName: string, content: string): Promise<CatalogImportResult> {
    await this.ready;
    const lower = fileName.toLowerCase();
    if (!lower.endsWith('.json') && !lower.endsWith('.csv'))
      throw new StudioError('invalid-request', `A catalog must be a .json or .csv file, not "${fileName}"`);
    const result = lower.endsWith('.json') ? importCatalogJson(content) : importCatalogCsv(content);
    const badRows: BadRow[] = result.badRows;
    if (result.products.length > 0) {
      const ids = new Set(result.products.map((p) => p.id));
      const kept = this.importedProducts().filter((p) => !ids.has(p.id));
      this.saved.imported = [...kept, ...result.products];
      const queued = new Set(this.saved.queue);
      this.saved.queue.push(...result.products.map((p) => p.id).filter((id) => !queued.has(id)));
      this.save();
    }
    return { imported: result.products.length, badRows };
  }

  async setQueue(productIds: string[]): Promise<ProductsState> {
    await this.ready;
    for (const id of productIds) this.requireProduct(id);
    this.saved.queue = [...new Set(productIds)];
    this.save();
    return this.state();
  }

  async setAdjustment(productId: string, adjustment: TryOnAdjustment): Promise<ProductsState> {
    await this.ready;
    this.requireProduct(productId);
    this.saved.adjustments.set(productId, adjustment);
    this.save();
    return this.state();
  }

  async setModel(productId: string, fileName: string, contentBase64: string): Promise<ProductsState> {
    await this.ready;
    this.requireProduct(productId);
    if (!fileName.toLowerCase().endsWith('.glb'))
      throw new StudioError('invalid-request', `A product model must be a .glb file, not "${fileName}"`);
    const bytes = Buffer.from(contentBase64, 'base64');
    const problem = checkGlb(bytes);
    if (problem) throw new StudioError('invalid-request', `${fileName}: ${problem}`);
    mkdirSync(this.modelDir, { recursive: true });
    const file = this.modelFile(productId);
    writeFileSync(`${file}.tmp`, bytes);
    renameSync(`${file}.tmp`, file);
    if (!this.saved.customModels.includes(productId)) this.saved.customModels.push(productId);
    this.save();
    return this.state();
  }

  async getModel(productId: string): Promise<{ contentBase64: string }> {
    await this.ready;
    if (!this.saved.customModels.includes(productId) || !existsSync(this.modelFile(productId)))
      throw new StudioError('failed', `"${productId}" has no model of its own`);
    return { contentBase64: readFileSync(this.modelFile(productId)).toString('base64') };
  }

  /** Pins a product; pinning another one closes the current pin (see docs/events.md). */
  async pin(productId: string): Promise<ShowState> {
    await this.ready;
    const product = this.requireProduct(productId);
    const show = this.options.show.requireShow();
    if (show.pinnedProductId === productId) return show;
    // The snapshot lets the viewer page and replays show the product without the catalog.
    this.options.show.emit({
      type: 'product.pinned',
      productId,
      product: {
        name: product.name,
        priceMinor: product.priceMinor,
        currency: product.currency,
        ...(product.thumbnail ? { thumbnail: product.thumbnail } : {}),
      },
    });
    return this.options.show.patch({ pinnedProductId: productId });
  }

  unpin(): ShowState {
    const show = this.options.show.requireShow();
    if (!show.pinnedProductId) return show;
    this.options.show.emit({ type: 'product.unpinned', productId: show.pinnedProductId });
    return this.options.show.patch({ pinnedProductId: null });
  }

  async markSoldOut(productId: string): Promise<ShowState> {
    await this.ready;
    this.requireProduct(productId);
    const show = this.options.show.requireShow();
    if (show.soldOutProductIds.includes(productId)) return show;
    this.options.show.emit({ type: 'product.sold_out', productId });
    return this.options.show.patch({ soldOutProductIds: [...show.soldOutProductIds, productId] });
  }

  /** Undoes a sold-out mark (restocked, or marked by mistake). */
  async markBackInStock(productId: string): Promise<ShowState> {
    await this.ready;
    this.requireProduct(productId);
    const show = this.options.show.requireShow();
    if (!show.soldOutProductIds.includes(productId)) return show;
    this.options.show.emit({ type: 'product.back_in_stock', productId });
    return this.options.show.patch({
      soldOutProductIds: show.soldOutProductIds.filter((id) => id !== productId),
    });
  }

  private requireProduct(productId: string): Product {
    const product = this.products.find((p) => p.id === productId);
    if (!product) throw new StudioError('invalid-request', `No product "${productId}" in the catalog`);
    return product;
  }

  private importedProducts(): Product[] {
    return this.saved.imported.flatMap((row) => {
      const parsed = Product.safeParse(row);
      if (parsed.success) return [parsed.data];
      // Kept from before thumbnails had to be catalog images: the product stays, its picture goes.
      const { thumbnail: _dropped, ...rest } = (row ?? {}) as { thumbnail?: unknown };
      const withoutThumbnail = Product.safeParse(rest);
      return withoutThumbnail.success ? [withoutThumbnail.data] : [];
    });
  }

  private modelFile(productId: string): string {
    return join(this.modelDir, `${productId}.glb`);
  }

  private readSaved(): SavedProducts {
    if (!existsSync(this.stateFile)) return nothingSaved();
    try {
      const saved = SavedProducts.parse(JSON.parse(readFileSync(this.stateFile, 'utf8')));
      return { ...saved, adjustments: new Map(saved.adjustments) };
    } catch (error) {
      console.warn(`Ignoring unreadable ${this.stateFile}: ${(error as Error).message}`);
      return nothingSaved();
    }
  }

  private save(): void {
    try {
      mkdirSync(dirname(this.stateFile), { recursive: true });
      const file = { ...this.saved, adjustments: [...this.saved.adjustments] };
      writeFileSync(`${this.stateFile}.tmp`, JSON.stringify(file));
      renameSync(`${this.stateFile}.tmp`, this.stateFile);
    } catch (error) {
      console.warn(`Could not save products to ${this.stateFile}: ${(error as Error).message}`);
    }
    this.options.onChange(this.state());
  }
}
