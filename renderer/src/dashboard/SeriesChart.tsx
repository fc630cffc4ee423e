// A streaming per-second chart. uPlot draws it; new snapshots go straight to setData, so a
// busy show does not re-render React ten times a second. Pins and markers are drawn as
// vertical lines from the same snapshot.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { MetricsSeries, ShowMetricsSnapshot } from '../../../protocol/metrics';
import { onSnapshot } from './metrics-sync';
import { minorDigits } from './format';

export interface ChartLine {
  label: string;
  key: Exclude<keyof MetricsSeries, 'startSecond'>;
  color: string;
}

const PIN_COLOR = 'rgba(255, 77, 109, 0.7)';
const MARKER_COLOR = 'rgba(242, 182, 60, 0.7)';

function chartData(s: ShowMetricsSnapshot | null, lines: ChartLine[]): uPlot.AlignedData {
  const series = s?.series;
  if (!series || series.viewers.length === 0) return [[], ...lines.map(() => [])];
  const x = series.viewers.map((_, i) => series.startSecond + i);
  const scale = (key: ChartLine['key']) =>
    key === 'revenueMinor' && s.currency ? 10 ** -minorDigits(s.currency) : 1;
  return [x, ...lines.map((l) => series[l.key].map((v) => v * scale(l.key)))];
}

/** Vertical lines at each pin (labelled with the product) and each host marker in view. */
function drawPinsAndMarkers(u: uPlot, s: ShowMetricsSnapshot | null): void {
  if (!s) return;
  const { ctx } = u;
  const { top, height } = u.bbox;
  const line = (ms: number, color: string, label: string) => {
    const sec = ms / 1000;
    if (sec < (u.scales.x!.min ?? Infinity) || sec > (u.scales.x!.max ?? -Infinity)) return;
    const x = Math.round(u.valToPos(sec, 'x', true));
    ctx.save();
    ctx.strokeStyle = ctx.fillStyle = color;
    ctx.lineWidth = uPlot.pxRatio;
    ctx.beginPath();
    ctx.moveTo(x, top);
    ctx.lineTo(x, top + height);
    ctx.stroke();
    ctx.font = `${10 * uPlot.pxRatio}px system-ui`;
    ctx.fillText(label, x + 3 * uPlot.pxRatio, top + 10 * uPlot.pxRatio);
    ctx.restore();
  };
  for (const pin of s.pins) line(pin.pinnedAt, PIN_COLOR, pin.productId);
  for (const marker of s.markers) line(marker.ts, MARKER_COLOR, marker.label);
}

export function SeriesChart({ title, lines, testId }: { title: string; lines: ChartLine[]; testId: string }) {
  const container = useRef<HTMLDivElement>(null);
  const linesRef = useRef(lines);

  useEffect(() => {
    const el = container.current!;
    let latest: ShowMetricsSnapshot | null = null;
    const chart = new uPlot(
      {
        width: Math.max(200, el.clientWidth),
        height: 180,
        legend: { show: true },
        scales: { x: { time: true } },
        axes: [
          { stroke: '#8b93a1', grid: { stroke: '#2b3039' } },
          { stroke: '#8b93a1', grid: { stroke: '#2b3039' }, size: 60 },
        ],
        series: [{}, ...linesRef.current.map((l) => ({ label: l.label, stroke: l.color, width: 1.5 }))],
        hooks: { draw: [(u) => drawPinsAndMarkers(u, latest)] },
      },
      chartData(null, linesRef.current),
      el,
    );
    const stop = onSnapshot((s) => {
      latest = s;
      chart.setData(chartData(s, linesRef.current));
    });
    const resize = new ResizeObserver(() =>
      chart.setSize({ width: Math.max(200, el.clientWidth), height: 180 }),
    );
    resize.observe(el);
    return () => {
      stop();
      resize.disconnect();
      chart.destroy();
    };
  }, []);

  return (
    <figure className="chart" data-testid={testId}>
      <figcaption>{title}</figcaption>
      <div ref={container} />
    </figure>
  );
}
