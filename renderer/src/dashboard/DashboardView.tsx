// The running show's live figures: tiles, charts, products, pins, chat and pipeline health.
import { EmptyState } from '../shell/EmptyState';
import { ChatFeed } from './ChatFeed';
import { formatClock, formatCount } from './format';
import { KpiTiles } from './KpiTiles';
import { PipelineHealth } from './PipelineHealth';
import { PinTable, ProductTable } from './ProductTable';
import { RehearsalBadge } from './RehearsalBadge';
import { ShowControls, StartRehearsalForm } from './RehearsalControls';
import { SeriesChart } from './SeriesChart';
import { useStudioStore } from '../store';
import { selectKeyFigures } from '../store/metrics-slice';

function DashboardNotice() {
  const kafka = useStudioStore((state) => state.status?.kafka);
  const pipeline = useStudioStore((state) => state.pipeline);
  if (kafka?.state === 'disconnected') {
    return (
      <div className="notice notice-bad" role="alert" data-testid="dashboard-kafka-unreachable">
        Kafka unreachable — {kafka.reason ?? 'no answer from the broker'}. Figures resume, exactly, once it is
        back.
      </div>
    );
  }
  if (kafka?.state === 'electing' || pipeline?.state === 'electing') {
    return (
      <div className="notice" role="status" data-testid="dashboard-kafka-electing">
        {pipeline?.notice ?? kafka?.reason ?? 'Kafka is electing a new leader'}. Figures resume, exactly, once
        it has one.
      </div>
    );
  }
  if (pipeline?.state === 'catching-up' || pipeline?.state === 'starting') {
    return (
      <div className="notice" role="status" data-testid="dashboard-catching-up">
        Catching up (replaying {formatCount(pipeline.behind)} events)…
      </div>
    );
  }
  if (pipeline?.state === 'error') {
    return (
      <div className="notice notice-bad" role="alert" data-testid="dashboard-pipeline-error">
        Live metrics stopped: {pipeline.error}. Restarting when Kafka answers.
      </div>
    );
  }
  return null;
}

// The show clock and the tiles follow the headline pushes (up to ~30 a second, sooner than
// whole snapshots): each subscribes on its own, so a headline re-renders only them.
function ShowClock() {
  const asOf = useStudioStore((state) => selectKeyFigures(state)?.asOf ?? null);
  return (
    <span className="muted" data-testid="show-clock" data-asof={asOf ?? ''}>
      Show clock {formatClock(asOf)}
    </span>
  );
}

function DashboardTiles() {
  const figures = useStudioStore(selectKeyFigures);
  return figures ? (
    <KpiTiles snapshot={figures} />
  ) : (
    <p className="muted" data-testid="dashboard-waiting">
      Waiting for the show&apos;s first events…
    </p>
  );
}

export function DashboardView() {
  const show = useStudioStore((state) => state.runningShow);
  const snapshot = useStudioStore((state) => state.metrics);
  const error = useStudioStore((state) => state.metricsError);

  if (!show) {
    return (
      <EmptyState title="Dashboard">
        <p>
          No show is running. When one is, its viewers, carts, orders, revenue and chat appear here live,
          computed from the show&apos;s Kafka events.
        </p>
        <p>Try it without going live: a rehearsal runs a show with simulated shoppers.</p>
        <StartRehearsalForm />
        <DashboardNotice />
        {error && <p className="reason">{error}</p>}
      </EmptyState>
    );
  }

  return (
    <div className="dashboard" data-testid="dashboard" data-show-id={show.showId}>
      <header className="dashboard-header">
        <h2>{show.title}</h2>
        <RehearsalBadge />
        <ShowClock />
        <ShowControls />
      </header>
      {error && <p className="reason">{error}</p>}
      <DashboardNotice />
      <DashboardTiles />
      <div className="charts">
        <SeriesChart
          title="Viewers"
          testId="chart-viewers"
          lines={[{ label: 'Viewers', key: 'viewers', color: '#35c46a' }]}
        />
        <SeriesChart
          title="Activity per second"
          testId="chart-activity"
          lines={[
            { label: 'Chat', key: 'chat', color: '#6ea8ff' },
            { label: 'Cart adds', key: 'cartAdds', color: '#f2b63c' },
            { label: 'Orders', key: 'orders', color: '#ff4d6d' },
          ]}
        />
        <SeriesChart
          title={`Revenue per second${snapshot?.currency ? ` (${snapshot.currency})` : ''}`}
          testId="chart-revenue"
          lines={[{ label: 'Revenue', key: 'revenueMinor', color: '#ff4d6d' }]}
        />
      </div>
      <div className="dashboard-columns">
        <div>
          {snapshot && <ProductTable snapshot={snapshot} />}
          {snapshot && <PinTable snapshot={snapshot} />}
        </div>
        <div>
          <ChatFeed />
          <PipelineHealth />
        </div>
      </div>
    </div>
  );
}
