// Fit of the pinned product (scale, offsets; remembered per product by the studio) and
// the host's own GLB model for it. Shown while a product is pinned.
import { useState } from 'react';
import { NO_ADJUSTMENT, type Product, type TryOnAdjustment } from '../../../protocol/catalog';
import { useStudioStore } from '../store';
import { setProductModel, setTryOnAdjustment } from './product-sync';

const STATUS_TEXT: Record<string, string> = {
  loading: 'Loading try-on…',
  tracking: 'Try-on: following your face',
  'no-face': 'Try-on: no face in view',
  turntable: 'Showing the 3D card',
};

function FitSliders({ product }: { product: Product }) {
  // Local while dragging; the studio gets the value after a short pause.
  const [fit, setFit] = useState<TryOnAdjustment>(product.tryOnAdjustment ?? NO_ADJUSTMENT);
  const change = (patch: Partial<TryOnAdjustment>) => {
    const next = { ...fit, ...patch };
    setFit(next);
    setTryOnAdjustment(product.id, next);
  };
  const slider = (key: keyof TryOnAdjustment, label: string, min: number, max: number, step: number) => (
    <label className="fit-slider">
      {label}
      <input
        type="range"
        min={min}
        max={max}
        step={step}
        value={fit[key]}
        onChange={(event) => change({ [key]: Number(event.target.value) })}
      />
      <output>{fit[key].toFixed(2)}</output>
    </label>
  );
  return (
    <>
      {slider('scale', 'Size', 0.5, 2, 0.01)}
      {slider('offsetX', 'Left / right', -0.5, 0.5, 0.01)}
      {slider('offsetY', 'Up / down', -0.5, 0.5, 0.01)}
      <button type="button" onClick={() => change(NO_ADJUSTMENT)}>
        Reset fit
      </button>
    </>
  );
}

export function TryOnControls() {
  const product = useStudioStore((state) => state.products.find((p) => p.id === state.pinnedProductId));
  const tryOn = useStudioStore((state) => state.tryOn);
  const hasOwnModel = useStudioStore((state) => !!product && state.customModels.includes(product.id));
  const cameraOn = useStudioStore((state) => state.cameraOn);
  if (!product) return null;
  return (
    <div className="try-on-controls" aria-label="Try-on">
      {product.tryOn !== 'none' && !cameraOn ? (
        <p className="error" role="alert">
          Try-on needs the camera: turn it on to wear {product.name} in the stream.
        </p>
      ) : (
        <p className="muted" data-testid="try-on-status" data-state={tryOn.state}>
          {STATUS_TEXT[tryOn.state] ?? ''}
        </p>
      )}
      {product.tryOn !== 'none' && <FitSliders key={product.id} product={product} />}
      <label className="model-upload">
        {hasOwnModel ? 'Replace 3D model (.glb)' : 'Use my own 3D model (.glb)'}
        <input
          type="file"
          accept=".glb,model/gltf-binary"
          onChange={(event) => {
            const file = event.target.files?.[0];
            if (file) void setProductModel(product.id, file);
            event.target.value = '';
          }}
        />
      </label>
    </div>
  );
}
