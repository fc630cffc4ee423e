// The host's product rail: search, the show queue (reorder with buttons or drag),
// pin/unpin, sold out, import, try-on fit. Product names are untrusted: text only.
import { useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import { formatPrice, type Product, type TryOnKind } from '../../../protocol/catalog';
import { isTypingTarget } from '../keyboard';
import { useStudioStore } from '../store';
import { ImportReportPanel } from './ImportReportPanel';
import {
  importCatalog,
  markBackInStock,
  markSoldOut,
  moveInQueue,
  requestPin,
  answerPinConfirm,
  removeFromQueue,
  unpinProduct,
} from './product-sync';
import { TryOnControls } from './TryOnControls';

const KIND_ICON: Record<TryOnKind, { icon: string; label: string }> = {
  glasses: { icon: '👓', label: 'Try-on: glasses' },
  hat: { icon: '🧢', label: 'Try-on: hat' },
  earrings: { icon: '💎', label: 'Try-on: earrings' },
  none: { icon: '📦', label: 'Shown on a 3D card' },
};

/** Only our own bundled thumbnails are shown (nothing remote, nothing from the disk). */
function thumbnailUrl(product: Product): string | null {
  return product.thumbnail?.startsWith('assets/') ? product.thumbnail : null;
}

/** 1–9 pin the first nine queued products, 0 unpins; never while the host types in a field. */
function usePinShortcuts(): void {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.altKey || event.ctrlKey || event.metaKey || event.repeat) return;
      if (isTypingTarget(event.target)) return;
      if (!/^[0-9]$/.test(event.key)) return;
      event.preventDefault();
      if (event.key === '0') {
        void unpinProduct();
        return;
      }
      const productId = useStudioStore.getState().queue[Number(event.key) - 1];
      if (productId) void requestPin(productId);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

function ProductRow({ product, index, queued }: { product: Product; index: number | null; queued: boolean }) {
  const pinned = useStudioStore((state) => state.pinnedProductId === product.id);
  const soldOut = useStudioStore((state) => state.soldOutProductIds.includes(product.id));
  const showRunning = useStudioStore((state) => state.showRunning);
  const queueLength = useStudioStore((state) => state.queue.length);
  const kind = KIND_ICON[product.tryOn];
  const thumbnail = thumbnailUrl(product);

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    const dragged = event.dataTransfer.getData('text/x-shopcast-product');
    if (dragged && index !== null && dragged !== product.id) void moveInQueue(dragged, index);
  };

  return (
    <li
      className={`product-row${pinned ? ' pinned' : ''}${soldOut ? ' sold-out' : ''}`}
      data-testid="product-row"
      data-product-id={product.id}
      draggable={queued}
      onDragStart={(event) => event.dataTransfer.setData('text/x-shopcast-product', product.id)}
      onDragOver={(event) => queued && event.preventDefault()}
      onDrop={onDrop}
    >
      <span className="product-key" aria-hidden="true">
        {index !== null && index < 9 ? index + 1 : ''}
      </span>
      {thumbnail ? (
        <img className="product-thumb" src={thumbnail} alt="" width={40} height={40} />
      ) : (
        <span className="product-thumb placeholder" aria-hidden="true" />
      )}
      <span className="product-info">
        <span className="product-name">{product.name}</span>
        <span className="product-meta">
          <span className="product-price">{formatPrice(product.priceMinor, product.currency)}</span>
          <span className="product-kind" title={kind.label} aria-label={kind.label}>
            {kind.icon}
          </span>
          {soldOut && <span className="tag tag-bad">Sold out</span>}
          {pinned && <span className="tag">Pinned</span>}
        </span>
      </span>
      <span className="product-actions">
        {pinned ? (
          <button type="button" onClick={() => void unpinProduct()}>
            Unpin
          </button>
        ) : (
          <button
            type="button"
            disabled={!showRunning}
            title={showRunning ? undefined : 'Start a show or a rehearsal to pin products'}
            onClick={() => void requestPin(product.id)}
          >
            Pin
          </button>
        )}
        {soldOut ? (
          <button
            type="button"
            disabled={!showRunning}
            aria-label={`Mark ${product.name} back in stock`}
            onClick={() => void markBackInStock(product.id)}
          >
            In stock
          </button>
        ) : (
          <button
            type="button"
            disabled={!showRunning}
            aria-label={`Mark ${product.name} sold out`}
            onClick={() => void markSoldOut(product.id)}
          >
            Sold out
          </button>
        )}
        {queued && index !== null ? (
          <>
            <button
              type="button"
              aria-label={`Move ${product.name} up`}
              disabled={index === 0}
              onClick={() => void moveInQueue(product.id, index - 1)}
            >
              ↑
            </button>
            <button
              type="button"
              aria-label={`Move ${product.name} down`}
              disabled={index === queueLength - 1}
              onClick={() => void moveInQueue(product.id, index + 1)}
            >
              ↓
            </button>
            <button
              type="button"
              aria-label={`Remove ${product.name} from the queue`}
              title="Remove from the queue"
              onClick={() => void removeFromQueue(product.id)}
            >
              ✕
            </button>
          </>
        ) : (
          <button type="button" onClick={() => void moveInQueue(product.id, queueLength)}>
            Add to queue
          </button>
        )}
      </span>
    </li>
  );
}

/** Asks before pinning a product priced in another currency than the show sells in. */
function PinCurrencyConfirm() {
  const productId = useStudioStore((state) => state.pinConfirm);
  const product = useStudioStore((state) => state.products.find((p) => p.id === productId));
  const showCurrency = useStudioStore((state) => state.showCurrency);
  if (!product || !showCurrency) return null;
  return (
    <div className="notice notice-bad" role="alert" data-testid="pin-currency-confirm">
      <p>
        {product.name} is priced in {product.currency}, and this show sells in {showCurrency}. Its orders will
        count under other currencies, not in the show&apos;s revenue.
      </p>
      <button type="button" onClick={() => void answerPinConfirm(true)}>
        Pin anyway
      </button>
      <button type="button" onClick={() => void answerPinConfirm(false)}>
        Cancel
      </button>
    </div>
  );
}

export function ProductRail() {
  const products = useStudioStore((state) => state.products);
  const queue = useStudioStore((state) => state.queue);
  const search = useStudioStore((state) => state.productSearch);
  const setProducts = useStudioStore((state) => state.setProducts);
  const productError = useStudioStore((state) => state.productError);
  const tryOn = useStudioStore((state) => state.tryOn);
  const showRunning = useStudioStore((state) => state.showRunning);
  const fileInput = useRef<HTMLInputElement>(null);
  const [importing, setImporting] = useState(false);
  usePinShortcuts();

  const { queued, others } = useMemo(() => {
    const needle = search.trim().toLowerCase();
    const matches = (p: Product) =>
      !needle ||
      p.name.toLowerCase().includes(needle) ||
      p.category.toLowerCase().includes(needle) ||
      p.id.includes(needle);
    const byId = new Map(products.map((p) => [p.id, p]));
    const inQueue = new Set(queue);
    return {
      queued: queue.flatMap((id, index) => {
        const product = byId.get(id);
        return product && matches(product) ? [{ product, index }] : [];
      }),
      others: products.filter((p) => !inQueue.has(p.id) && matches(p)),
    };
  }, [products, queue, search]);

  const onFile = async (file: File | undefined) => {
    if (!file) return;
    setImporting(true);
    try {
      await importCatalog(file);
    } finally {
      setImporting(false);
      if (fileInput.current) fileInput.current.value = '';
    }
  };

  return (
    <section className="product-rail" aria-label="Products">
      <header className="product-rail-header">
        <h3>Products</h3>
        <input
          type="search"
          placeholder="Search products"
          aria-label="Search products"
          value={search}
          onChange={(event) => setProducts({ productSearch: event.target.value })}
        />
        <button type="button" disabled={importing} onClick={() => fileInput.current?.click()}>
          {importing ? 'Importing…' : 'Import catalog'}
        </button>
        <input
          ref={fileInput}
          type="file"
          accept=".json,.csv,application/json,text/csv"
          hidden
          data-testid="catalog-file"
          onChange={(event) => void onFile(event.target.files?.[0])}
        />
      </header>
      {!showRunning && (
        <p className="muted">Start a show or a rehearsal to pin products (keys 1–9, 0 unpins).</p>
      )}
      {productError && (
        <p className="error" role="alert">
          {productError}
        </p>
      )}
      <PinCurrencyConfirm />
      {tryOn.state === 'error' && tryOn.message && (
        <p className="error" role="alert" data-testid="try-on-error">
          {tryOn.message}
        </p>
      )}
      <ImportReportPanel />
      <TryOnControls />
      {products.length === 0 ? (
        <p className="muted">No products yet. Import a catalog (JSON or CSV) to get started.</p>
      ) : queued.length === 0 && others.length === 0 ? (
        <p className="muted">No product matches “{search}”.</p>
      ) : (
        <>
          <ol className="product-list" aria-label="Show queue">
            {queued.map(({ product, index }) => (
              <ProductRow key={product.id} product={product} index={index} queued />
            ))}
          </ol>
          {others.length > 0 && (
            <>
              <h4 className="product-subhead">Not in the queue</h4>
              <ul className="product-list">
                {others.map((product) => (
                  <ProductRow key={product.id} product={product} index={null} queued={false} />
                ))}
              </ul>
            </>
          )}
        </>
      )}
    </section>
  );
}
