// Product catalog service: loads the demo catalog and imports a user's catalog
// from JSON or CSV. Every row that is not loaded comes back as a BadRow with its
// line and reason, so the UI can show the host exactly what to fix.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import {
  CatalogFile,
  Product,
  currencyMinorDigits,
  isKnownCurrency,
  type BadRow,
  type CatalogImport,
} from '../../protocol/catalog';
import { EVENT_LIMITS } from '../../protocol/events';

/** Larger files are refused before reading: a catalog is thousands of rows, not millions. */
export const MAX_IMPORT_BYTES = 20 * 1024 * 1024;

export interface CsvRecord {
  /** 1-based line on which the record starts (a quoted field may span lines). */
  line: number;
  fields: string[];
}

/**
 * RFC 4180 CSV: comma separated, fields optionally in double quotes, "" is a quote
 * inside a quoted field, quoted fields may hold commas and line breaks. Accepts a
 * UTF-8 BOM and LF, CRLF or CR line endings; skips blank lines. A record with a
 * stray or unterminated quote is reported in `errors`, never guessed at.
 */
export function parseCsv(text: string): { records: CsvRecord[]; errors: BadRow[] } {
  const records: CsvRecord[] = [];
  const errors: BadRow[] = [];
  const src = text.startsWith('\uFEFF') ? text.slice(1) : text;

  let line = 1;
  let recordLine = 1;
  let fields: string[] = [];
  let field = '';
  let quoted = false; // inside a quoted field
  let wasQuoted = false; // current field was quoted (only a separator may follow)
  let broken: string | undefined; // why the current record is invalid

  const endField = () => {
    fields.push(field);
    field = '';
    wasQuoted = false;
  };
  const endRecord = () => {
    endField();
    const blank = fields.length === 1 && fields[0] === '';
    if (broken) errors.push({ line: recordLine, reason: broken });
    else if (!blank) records.push({ line: recordLine, fields });
    fields = [];
    broken = undefined;
  };

  for (let i = 0; i < src.length; i++) {
    const ch = src[i];
    if (quoted) {
      if (ch === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          quoted = false;
          wasQuoted = true;
        }
      } else {
        if (ch === '\n' || (ch === '\r' && src[i + 1] !== '\n')) line++;
        field += ch;
      }
      continue;
    }
    if (ch === ',') {
      endField();
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && src[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else if (ch === '"') {
      if (field === '' && !wasQuoted) quoted = true;
      else
        broken ??= `stray quote in field ${fields.length + 1} (quote the whole field and double inner quotes)`;
    } else if (wasQuoted) {
      broken ??= `text after closing quote in field ${fields.length + 1}`;
    } else {
      field += ch;
    }
  }
  if (quoted) {
    broken = 'unterminated quoted field';
  }
  if (quoted || field !== '' || fields.length > 0 || wasQuoted) endRecord();
  return { records, errors };
}

/** '19.99' in USD -> 1999. Refuses more decimals than the currency has, signs and grouping. */
export function parseDecimalPrice(text: string, currency: string): number {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!match) throw new Error(`price "${text}" is not a plain decimal number like 19.99`);
  const digits = currencyMinorDigits(currency);
  const whole = match[1] ?? '0';
  const fraction = match[2] ?? '';
  if (fraction.length > digits)
    throw new Error(`price "${text}" has more than ${digits} decimals for ${currency}`);
  const minor = Number(whole + fraction.padEnd(digits, '0'));
  if (!Number.isSafeInteger(minor) || minor > EVENT_LIMITS.maxAmountMinor)
    throw new Error(`price "${text}" is too large`);
  return minor;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

/** Validates candidate rows, and refuses a repeated id (the first one wins). */
function collect(rows: { line: number; value: unknown }[], badRows: BadRow[]): CatalogImport {
  const products: Product[] = [];
  const firstLine = new Map<string, number>();
  for (const row of rows) {
    const parsed = Product.safeParse(row.value);
    if (!parsed.success) {
      badRows.push({ line: row.line, reason: describeIssues(parsed.error) });
      continue;
    }
    const seen = firstLine.get(parsed.data.id);
    if (seen !== undefined) {
      badRows.push({ line: row.line, reason: `duplicate id "${parsed.data.id}" (first on line ${seen})` });
      continue;
    }
    firstLine.set(parsed.data.id, row.line);
    products.push(parsed.data);
  }
  badRows.sort((a, b) => a.line - b.line);
  return { products, badRows };
}

export const CSV_COLUMNS = [
  'id',
  'name',
  'price',
  'currency',
  'stock',
  'category',
  'tryOn',
  'model',
  'thumbnail',
  'scale',
  'offsetX',
  'offsetY',
] as const;
const REQUIRED_CSV_COLUMNS = ['id', 'name', 'price', 'currency', 'stock', 'category'];

/**
 * CSV import. The header names the columns (any order, case-insensitive; see
 * CSV_COLUMNS). `price` is a decimal in major units (19.99), converted to minor
 * units for the product's currency; tryOn defaults to 'none'.
 */
export function importCatalogCsv(text: string): CatalogImport {
  const { records, errors } = parseCsv(text);
  const badRows = [...errors];
  const [header, ...rows] = records;
  if (!header) return { products: [], badRows: [...badRows, { line: 1, reason: 'no header row' }] };

  const known = new Map(CSV_COLUMNS.map((name) => [name.toLowerCase(), name]));
  const columns = header.fields.map((name) => known.get(name.trim().toLowerCase()));
  const unknown = header.fields.filter((_, i) => columns[i] === undefined);
  const missing = REQUIRED_CSV_COLUMNS.filter(
    (name) => !columns.includes(name as (typeof CSV_COLUMNS)[number]),
  );
  if (unknown.length || missing.length) {
    const reasons = [];
    if (missing.length) reasons.push(`missing column(s): ${missing.join(', ')}`);
    if (unknown.length) reasons.push(`unknown column(s): ${unknown.join(', ')}`);
    return { products: [], badRows: [...badRows, { line: header.line, reason: reasons.join('; ') }] };
  }

  const candidates: { line: number; value: unknown }[] = [];
  for (const record of rows) {
    if (record.fields.length !== columns.length) {
      badRows.push({
        line: record.line,
        reason: `expected ${columns.length} fields, found ${record.fields.length}`,
      });
      continue;
    }
    const cell = new Map<string, string>();
    columns.forEach((name, i) => cell.set(name as string, (record.fields[i] ?? '').trim()));
    try {
      candidates.push({ line: record.line, value: csvRowToProduct(cell) });
    } catch (error) {
      badRows.push({ line: record.line, reason: (error as Error).message });
    }
  }
  return collect(candidates, badRows);
}

function csvRowToProduct(cell: Map<string, string>): unknown {
  const get = (name: string) => cell.get(name) || undefined; // empty cell = absent
  const integer = (name: string) => {
    const text = get(name) ?? '';
    if (!/^\d+$/.test(text)) throw new Error(`${name} "${text}" is not a whole number`);
    return Number(text);
  };
  const decimal = (name: string) => {
    const text = get(name);
    if (text === undefined) return undefined;
    if (!/^-?\d+(\.\d+)?$/.test(text)) throw new Error(`${name} "${text}" is not a number`);
    return Number(text);
  };

  const currency = (get('currency') ?? '').toUpperCase();
  // Checked here because the price conversion needs a real currency.
  if (!isKnownCurrency(currency))
    throw new Error(`currency "${cell.get('currency')}" is not an ISO 4217 code`);
  const adjustment = { scale: decimal('scale'), offsetX: decimal('offsetX'), offsetY: decimal('offsetY') };
  const hasAdjustment = Object.values(adjustment).some((v) => v !== undefined);
  return {
    id: get('id') ?? '',
    name: cell.get('name') ?? '',
    priceMinor: parseDecimalPrice(get('price') ?? '', currency),
    currency,
    stock: integer('stock'),
    category: get('category') ?? '',
    tryOn: get('tryOn')?.toLowerCase() ?? 'none',
    model: get('model'),
    thumbnail: get('thumbnail'),
    tryOnAdjustment: hasAdjustment
      ? { scale: adjustment.scale ?? 1, offsetX: adjustment.offsetX ?? 0, offsetY: adjustment.offsetY ?? 0 }
      : undefined,
  };
}

/**
 * JSON import: either { version: 1, products: [...] } (the demo catalog format) or a
 * bare array of products. Bad rows carry the line on which that product starts.
 */
export function importCatalogJson(text: string): CatalogImport {
  const src = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let data: unknown;
  try {
    data = JSON.parse(src);
  } catch (error) {
    return { products: [], badRows: [{ line: 1, reason: `not valid JSON: ${(error as Error).message}` }] };
  }
  let items: unknown[];
  if (Array.isArray(data)) {
    items = data;
  } else {
    const file = CatalogFile.safeParse(data);
    if (!file.success) return { products: [], badRows: [{ line: 1, reason: describeIssues(file.error) }] };
    items = file.data.products;
  }
  const lines = productLines(src, !Array.isArray(data));
  return collect(
    items.map((value, i) => ({ line: lines[i] ?? 1, value })),
    [],
  );
}

/**
 * Start line of each element of the products array in already-valid JSON: the
 * top-level array, or the array under the top-level "products" key.
 */
function productLines(src: string, underProductsKey: boolean): number[] {
  const lines: number[] = [];
  // One frame per open container; `target` marks the products array.
  const stack: { kind: '[' | '{'; target: boolean; elementStart: boolean }[] = [];
  let line = 1;
  let lastKey = '';
  for (let i = 0; i < src.length; i++) {
    const ch = src[i] as string;
    if (ch === '\n') line++;
    if (/\s/.test(ch) || ch === ':') continue;
    const top = stack[stack.length - 1];
    if (top?.kind === '[' && top.target && top.elementStart && ch !== ']') {
      lines.push(line);
      top.elementStart = false;
    }
    if (ch === '"') {
      let end = i + 1;
      while (src[end] !== '"') end += src[end] === '\\' ? 2 : 1;
      lastKey = src.slice(i + 1, end);
      i = end;
    } else if (ch === '[') {
      const target = underProductsKey ? stack.length === 1 && lastKey === 'products' : stack.length === 0;
      stack.push({ kind: '[', target, elementStart: true });
    } else if (ch === '{') {
      stack.push({ kind: '{', target: false, elementStart: false });
    } else if (ch === ']' || ch === '}') {
      stack.pop();
    } else if (ch === ',' && top?.kind === '[') {
      top.elementStart = true;
    }
  }
  return lines;
}

/** Import a user's catalog file; the format follows the extension (.json or .csv). */
export async function importCatalogFile(filePath: string): Promise<CatalogImport> {
  const ext = path.extname(filePath).toLowerCase();
  if (ext !== '.json' && ext !== '.csv')
    throw new Error(`catalog must be a .json or .csv file, not "${ext}"`);
  const { size } = await stat(filePath);
  if (size > MAX_IMPORT_BYTES)
    throw new Error(`catalog file is ${size} bytes; the limit is ${MAX_IMPORT_BYTES}`);
  const text = await readFile(filePath, 'utf8');
  return ext === '.json' ? importCatalogJson(text) : importCatalogCsv(text);
}

/** Where the demo catalog lives inside the app's assets folder. */
export const DEMO_CATALOG_PATH = 'catalog/demo-products.json';

/**
 * The demo catalog that ships with the app. It is our own file, so any bad row is a
 * bug and fails loudly instead of being skipped.
 */
export async function loadDemoCatalog(assetsDir: string): Promise<Product[]> {
  const file = path.join(assetsDir, DEMO_CATALOG_PATH);
  const { products, badRows } = importCatalogJson(await readFile(file, 'utf8'));
  if (badRows.length) {
    throw new Error(`${file} has bad rows: ${badRows.map((r) => `line ${r.line}: ${r.reason}`).join(' | ')}`);
  }
  return products;
}
