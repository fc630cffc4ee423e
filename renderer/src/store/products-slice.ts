import type { StateCreator } from 'zustand';
import type { BadRow, Product } from '../../../protocol/catalog';

/** What the try-on layer is doing, for the host; `message` explains problems in words. */
export interface TryOnStatus {
  state: 'off' | 'loading' | 'tracking' | 'no-face' | 'turntable' | 'error';
  message: string | null;
}

export interface ImportReport {
  fileName: string;
  imported: number;
  badRows: BadRow[];
}

export interface ProductsSlice {
  /** The catalog, as the studio services hold it. Names are untrusted text. */
  products: Product[];
  /** Product ids in show order. */
  queue: string[];
  /** Products that wear the host's own GLB. */
  customModels: string[];
  /** From the running show; null when nothing is pinned or no show runs. */
  pinnedProductId: string | null;
  soldOutProductIds: string[];
  showRunning: boolean;
  /** The running show's currency (null: no show), and what a new show sells in by default. */
  showCurrency: string | null;
  defaultCurrency: string;
  /** A product priced in another currency than the show's, waiting for the host to confirm the pin. */
  pinConfirm: string | null;
  productSearch: string;
  importReport: ImportReport | null;
  /** The last product action that failed, in words for the host. */
  productError: string | null;
  tryOn: TryOnStatus;
  setProducts(patch: Partial<Omit<ProductsSlice, 'setProducts'>>): void;
}

export const createProductsSlice: StateCreator<ProductsSlice, [], [], ProductsSlice> = (set) => ({
  products: [],
  queue: [],
  customModels: [],
  pinnedProductId: null,
  soldOutProductIds: [],
  showRunning: false,
  showCurrency: null,
  defaultCurrency: 'EUR',
  pinConfirm: null,
  productSearch: '',
  importReport: null,
  productError: null,
  tryOn: { state: 'off', message: null },
  setProducts: (patch) => set(patch),
});
