// Product catalog: what the host can pin during a show, and how a wearable is
// worn in the AR try-on. Shared by main (load/import), renderer and the audience
// simulator, so it lives in protocol/.
import { z } from 'zod';
import { EVENT_LIMITS } from './events';

export const TRY_ON_KINDS = ['glasses', 'hat', 'earrings', 'none'] as const;
export const TryOnKind = z.enum(TRY_ON_KINDS);
export type TryOnKind = z.infer<typeof TryOnKind>;

// Fine-tuning of one product's fit, on top of the kind's anchor (see renderer/src/tryon/anchor.ts).
// Offsets are in units of the anchor span (glasses/earrings: outer eye corner distance,
// hat: face width), in the head's own frame: +x to the image right (for earrings:
// outward, on both ears), +y down the face.
export const TryOnAdjustment = z.strictObject({
  scale: z.number().min(0.1).max(10).default(1),
  offsetX: z.number().min(-2).max(2).default(0),
  offsetY: z.number().min(-2).max(2).default(0),
});
export type TryOnAdjustment = z.infer<typeof TryOnAdjustment>;
export const NO_ADJUSTMENT: TryOnAdjustment = { scale: 1, offsetX: 0, offsetY: 0 };

let currencies: Set<string> | undefined;
/** True for an ISO 4217 code this runtime's Intl knows (same data in Node and Chromium). */
export function isKnownCurrency(code: string): boolean {
  currencies ??= new Set(Intl.supportedValuesOf('currency'));
  return currencies.has(code);
}

/** Digits after the decimal point for a currency: USD 2, JPY 0, KWD 3. */
export function currencyMinorDigits(currency: string): number {
  return (
    new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2
  );
}

export const CurrencyCode = z
  .string()
  .regex(/^[A-Z]{3}$/, 'currency must be a 3-letter ISO 4217 code')
  .refine(isKnownCurrency, 'unknown ISO 4217 currency');

// A file reference, either inside our assets folder or a user's own file by absolute
// path. Anything with a scheme (https:, data:, javascript:) or a drive letter (C:\) is
// refused, as the product.pinned event refuses it: the studio never fetches product media.
const fileRef = (what: string, extensions: string[]) =>
  z
    .string()
    .min(1)
    .max(1024)
    .refine((p) => !/^[a-z][a-z0-9+.-]*:/i.test(p), `${what} must be a file path, not a URL`)
    .refine((p) => !p.split(/[\\/]/).includes('..'), `${what} must not contain '..'`)
    .refine(
      (p) => extensions.some((ext) => p.toLowerCase().endsWith(ext)),
      `${what} must end with ${extensions.join(' or ')}`,
    );

export const ModelPath = fileRef('model', ['.glb']);
/** Where the catalog's images live: the only thumbnails the studio and its events carry. */
export const CATALOG_THUMBNAIL_DIR = 'assets/catalog/thumbnails/';
export const ThumbnailPath = z
  .string()
  .max(200)
  .regex(
    /^assets\/catalog\/thumbnails\/[A-Za-z0-9][A-Za-z0-9._-]{0,127}\.(svg|png|jpe?g|webp)$/i,
    `thumbnail must be an image file in ${CATALOG_THUMBNAIL_DIR} (e.g. ${CATALOG_THUMBNAIL_DIR}cap.svg)`,
  );

export const Product = z
  .strictObject({
    id: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, 'id must be 1-64 letters, digits, dot, dash or underscore'),
    // Kept verbatim: names are untrusted text and are rendered as text, never as HTML.
    name: z.string().trim().min(1, 'name is empty').max(200),
    // Price in minor units of the currency (cents; yen for JPY): integers, so totals
    // never pick up floating-point rounding. Use currencyMinorDigits() to display it.
    // Capped where order and pin events cap amounts, so every product can be pinned and sold.
    priceMinor: z
      .number()
      .int('priceMinor must be an integer')
      .min(0)
      .max(
        EVENT_LIMITS.maxAmountMinor,
        `price is too large (at most ${EVENT_LIMITS.maxAmountMinor} minor units)`,
      ),
    currency: CurrencyCode,
    stock: z.number().int('stock must be an integer').min(0),
    category: z.string().trim().min(1, 'category is empty').max(80),
    tryOn: TryOnKind,
    model: ModelPath.optional(),
    thumbnail: ThumbnailPath.optional(),
    tryOnAdjustment: TryOnAdjustment.optional(),
  })
  .refine((p) => p.tryOn === 'none' || p.model !== undefined, {
    message: 'a try-on product needs a model',
    path: ['model'],
  });
export type Product = z.infer<typeof Product>;

/** The file format of a catalog (demo-products.json, a user's JSON import). */
export const CatalogFile = z.strictObject({
  version: z.literal(1),
  products: z.array(z.unknown()),
});

/** A row of an import that was not loaded, with the 1-based line it starts on. */
export const BadRow = z.strictObject({ line: z.number().int().min(0), reason: z.string() });
export type BadRow = z.infer<typeof BadRow>;

export const CatalogImport = z.strictObject({
  products: z.array(Product),
  badRows: z.array(BadRow),
});
export type CatalogImport = z.infer<typeof CatalogImport>;

/** Price for display, e.g. formatPrice(1999, 'USD') === '$19.99'. */
export function formatPrice(priceMinor: number, currency: string, locale = 'en'): string {
  const value = priceMinor / 10 ** currencyMinorDigits(currency);
  return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(value);
}
