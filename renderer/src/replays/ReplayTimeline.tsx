// The show on one time axis: pin bands (product names), markers, orders (BNPL marked), chat
// density, moderation decisions, and the viewer and revenue charts. The cursor follows
// playback; a click anywhere seeks there.
import { memo, useRef } from 'react';
import type { ReplayTimeline as Timeline } from '../../../protocol/replays';
import { useStudioStore } from '../store';
import { formatDuration } from './time';

const WIDTH = 1000;
const LANES = [
  { key: 'pins', label: 'Pins', height: 26 },
  { key: 'markers', label: 'Markers', height: 16 },
  { key: 'orders', label: 'Orders (BNPL)', height: 26 },
  { key: 'chat', label: 'Chat', height: 22 },
  { key: 'moderation', label: 'Moderation', height: 14 },
  { key: 'viewers', label: 'Viewers', height: 40 },
  { key: 'revenue', label: 'Revenue', height: 40 },
] as const;
const HEIGHT = LANES.reduce((sum, lane) => sum + lane.height + 4, 0);
const laneTop = (key: (typeof LANES)[number]['key']) => {
  let top = 0;
  for (const lane of LANES) {
    if (lane.key === key) return top;
    top += lane.height + 4;
  }
  return top;
};
const laneHeight = (key: (typeof LANES)[number]['key']) => LANES.find((l) => l.key === key)!.height;

function xOf(t: Timeline, ts: number): number {
  return ((ts - t.startedAt) / Math.max(1, t.endedAt - t.startedAt)) * WIDTH;
}

function bars(values: number[], top: number, height: number, color: string, testId?: string) {
  const max = Math.max(1, ...values);
  const w = WIDTH / Math.max(1, values.length);
  return (
    <g data-testid={testId}>
      {values.map((v, i) =>
        v > 0 ? (
          <rect
            key={i}
            x={i * w}
            y={top + height - (v / max) * height}
            width={Math.max(w, 0.8)}
            height={(v / max) * height}
            fill={color}
          />
        ) : null,
      )}
    </g>
  );
}

function line(values: number[], top: number, height: number, color: string) {
  const max = Math.max(1, ...values);
  const w = WIDTH / Math.max(1, values.length);
  const points = values.map((v, i) => `${(i + 0.5) * w},${top + height - (v / max) * height}`).join(' ');
  return <polyline points={points} fill="none" stroke={color} strokeWidth={1.5} />;
}

/** Everything but the cursor: drawn once per timeline. */
const TimelineBody = memo(function TimelineBody({ t }: { t: Timeline }) {
  const s = t.series;
  return (
    <g>
      {LANES.map((lane) => (
        <text key={lane.key} x={2} y={laneTop(lane.key) + 10} className="lane-label">
          {lane.label}
        </text>
      ))}
      {t.pins.map((pin, i) => {
        const x = xOf(t, pin.pinnedAt);
        const end = xOf(t, pin.unpinnedAt ?? t.endedAt);
        return (
          <g
            key={`${pin.productId}-${pin.pinnedAt}`}
            data-testid="timeline-pin"
            data-product-id={pin.productId}
            data-pinned-at={pin.pinnedAt}
            data-unpinned-at={pin.unpinnedAt ?? t.endedAt}
          >
            <rect
              x={x}
              y={laneTop('pins')}
              width={Math.max(1, end - x)}
              height={laneHeight('pins')}
              className={`pin-band pin-${i % 4}`}
            />
            <text x={x + 3} y={laneTop('pins') + 17} className="pin-label">
              {pin.name}
            </text>
          </g>
        );
      })}
      {t.markers.map((m) => (
        <g key={`${m.ts}-${m.label}`} data-testid="timeline-marker" data-ts={m.ts}>
          <line
            x1={xOf(t, m.ts)}
            x2={xOf(t, m.ts)}
            y1={laneTop('markers')}
            y2={laneTop('markers') + laneHeight('markers')}
            className="marker-line"
          />
          <text x={xOf(t, m.ts) + 3} y={laneTop('markers') + 12} className="marker-label">
            {m.label}
          </text>
        </g>
      ))}
      {bars(s.orders, laneTop('orders'), laneHeight('orders'), '#ff4d6d', 'timeline-orders')}
      {bars(s.bnplOrders, laneTop('orders'), laneHeight('orders'), '#b48cff')}
      {bars(s.chat, laneTop('chat'), laneHeight('chat'), '#6ea8ff', 'timeline-chat')}
      {t.decisions.map((d) => (
        <line
          key={d.id}
          x1={xOf(t, d.ts)}
          x2={xOf(t, d.ts)}
          y1={laneTop('moderation')}
          y2={laneTop('moderation') + laneHeight('moderation')}
          className="decision-tick"
          data-testid="timeline-decision"
        >
          <title>{`${d.action}${d.target ? ` ${d.target}` : ''} by ${d.by}${d.reason ? `: ${d.reason}` : ''}`}</title>
        </line>
      ))}
      {line(s.viewers, laneTop('viewers'), laneHeight('viewers'), '#35c46a')}
      {line(s.grossRevenueMinor, laneTop('revenue'), laneHeight('revenue'), '#f2b63c')}
    </g>
  );
});

function Cursor({ t }: { t: Timeline }) {
  const cursor = useStudioStore((s) => s.cursor);
  if (cursor === null) return null;
  const x = Math.min(WIDTH, Math.max(0, xOf(t, cursor)));
  return (
    <g data-testid="timeline-cursor" data-ts={cursor}>
      <line x1={x} x2={x} y1={0} y2={HEIGHT} className="cursor-line" />
    </g>
  );
}

export function ReplayTimeline({ timeline, onSeek }: { timeline: Timeline; onSeek: (ts: number) => void }) {
  const svg = useRef<SVGSVGElement>(null);
  const cursor = useStudioStore((s) => s.cursor);
  return (
    <figure className="replay-timeline">
      <figcaption className="muted">
        {formatDuration((cursor ?? timeline.startedAt) - timeline.startedAt)} /{' '}
        {formatDuration(timeline.endedAt - timeline.startedAt)}
      </figcaption>
      <svg
        ref={svg}
        data-testid="replay-timeline"
        data-start={timeline.startedAt}
        data-end={timeline.endedAt}
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        preserveAspectRatio="none"
        tabIndex={0}
        aria-label="Timeline: click to seek; Home, End and the arrow keys move the cursor"
        onKeyDown={(event) => {
          const at = cursor ?? timeline.startedAt;
          const target =
            event.key === 'Home'
              ? timeline.startedAt
              : event.key === 'End'
                ? timeline.endedAt
                : event.key === 'ArrowLeft'
                  ? Math.max(timeline.startedAt, at - 5000)
                  : event.key === 'ArrowRight'
                    ? Math.min(timeline.endedAt, at + 5000)
                    : null;
          if (target === null) return;
          event.preventDefault();
          onSeek(target);
        }}
        onClick={(event) => {
          const box = svg.current!.getBoundingClientRect();
          const fraction = Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
          onSeek(timeline.startedAt + fraction * (timeline.endedAt - timeline.startedAt));
        }}
      >
        <TimelineBody t={timeline} />
        <Cursor t={timeline} />
      </svg>
    </figure>
  );
}
