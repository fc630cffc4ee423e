import { useEffect, useRef } from 'react';
import { capture } from './studio-media';

const PEAK_HOLD_MS = 1500;

/**
 * Live microphone level with a held peak (so a short sound stays visible);
 * updated straight on the elements each frame, not through the store.
 */
export function MicMeter() {
  const bar = useRef<HTMLDivElement>(null);
  const peakMark = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let frame = 0;
    let peak = { level: 0, at: 0 };
    const tick = () => {
      const level = capture.micLevel();
      const now = performance.now();
      if (level >= peak.level || now - peak.at > PEAK_HOLD_MS) peak = { level, at: now };
      if (bar.current && peakMark.current) {
        bar.current.style.width = `${Math.round(level * 100)}%`;
        peakMark.current.style.left = `${Math.round(peak.level * 100)}%`;
        const meter = bar.current.parentElement;
        meter?.setAttribute('data-level', level.toFixed(3));
        meter?.setAttribute('data-peak', peak.level.toFixed(3));
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
      <div className="mic-meter-peak" ref={peakMark} />
    </div>
  );
}
