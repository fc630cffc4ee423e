import type { ServiceStatus } from '../../../protocol/contract';
import { RehearsalBadge } from '../dashboard/RehearsalBadge';
import { useStudioStore } from '../store';

function ServiceIndicator({
  name,
  id,
  status,
}: {
  name: string;
  id: string;
  status: ServiceStatus | undefined;
}) {
  const state = status?.state ?? 'connecting';
  const brokers = status?.brokers;
  // A cluster with a broker down still serves: say how many answer, beside "connected".
  const brokersDown =
    brokers && brokers.up < brokers.known ? `, ${brokers.up} of ${brokers.known} brokers up` : '';
  return (
    <span className={`service service-${state}`} data-testid={`status-${id}`} data-state={state}>
      <span className="dot" aria-hidden="true" />
      {name}: {state === 'electing' ? 'electing a leader' : state}
      {status?.state === 'connected' && (
        <span className="muted">
          {' '}
          ({status.target}
          {brokersDown})
        </span>
      )}
      {status?.reason && (
        <span className="reason" data-testid={`status-${id}-reason`}>
          {' '}
          — {status.reason}
        </span>
      )}
    </span>
  );
}

export function StatusBar() {
  const link = useStudioStore((state) => state.link);
  const status = useStudioStore((state) => state.status);
  if (link !== 'connected') {
    return (
      <footer className="status-bar" role="status">
        <span
          className={`service service-${link === 'connecting' ? 'connecting' : 'disconnected'}`}
          data-testid="status-link"
        >
          <span className="dot" aria-hidden="true" />
          {link === 'connecting'
            ? 'Connecting to the studio services…'
            : 'Lost the studio services — reconnecting…'}
        </span>
      </footer>
    );
  }
  return (
    <footer className="status-bar" role="status">
      <ServiceIndicator name="Kafka" id="kafka" status={status?.kafka} />
      <ServiceIndicator name="SFU" id="sfu" status={status?.sfu} />
      <RehearsalBadge />
    </footer>
  );
}
