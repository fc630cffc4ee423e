import { useEffect, useRef } from 'react';
import { program } from '../media/studio-media';

/** Shows the program canvas itself, so the preview is exactly what goes out. */
export function ProgramPreview() {
  const holder = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = holder.current;
    if (!element) return;
    const canvas = program().canvas;
    canvas.className = 'program-canvas';
    canvas.setAttribute('data-testid', 'program-canvas');
    canvas.setAttribute('aria-label', 'Program preview: what your viewers see');
    element.appendChild(canvas);
    return () => {
      canvas.remove();
    };
  }, []);
  return <div className="program-preview" ref={holder} />;
}
