import { useEffect, useRef } from 'react';
import { capture } from '../media/studio-media';

/** Live microphone level; updated straight on the element each frame, not through the store. */
export function MicMeter() {
  const bar = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let frame = 0;
    const tick = () => {
      const level = capture.micLevel();
      if (bar.current) {
        bar.current.style.width = `${Math.round(level * 100)}%`;
        bar.current.parentElement?.setAttribute('data-level', level.toFixed(3));
      }
      frame = requestAnimationFrame(tick);
    };
    frame = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(frame);
  }, []);
  return (
    <div
      className="mic-meter"
      data-testid="mic-meter"
      role="meter"
      aria-label="Microphone level"
      data-level="0"
    >
      <div className="mic-meter-bar" ref={bar} />
    </div>
  );
}
