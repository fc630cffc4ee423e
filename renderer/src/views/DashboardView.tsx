import { EmptyState } from '../components/EmptyState';

export function DashboardView() {
  return (
    <EmptyState title="Dashboard">
      <p>
        No show is running. When one is, its viewers, carts, orders, revenue and chat appear here live,
        computed from the show&apos;s Kafka events.
      </p>
    </EmptyState>
  );
}
