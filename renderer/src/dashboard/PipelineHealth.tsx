// How the Kafka metrics pipeline is doing: lag, throughput, refused events.
import { useStudioStore } from '../store';
import { formatCount } from './format';

export function PipelineHealth() {
  const pipeline = useStudioStore((state) => state.pipeline);
  if (!pipeline) return null;
  const invalid = Object.values(pipeline.invalid).reduce((a, b) => a + b, 0);
  return (
    <dl className="pipeline-health" data-testid="pipeline-health" data-state={pipeline.state}>
      <dt>Pipeline</dt>
      <dd data-testid="pipeline-state">{pipeline.state}</dd>
      <dt>Consumer lag</dt>
      <dd data-testid="pipeline-behind">{formatCount(pipeline.behind)} events</dd>
      <dt>Events/s</dt>
      <dd>{formatCount(pipeline.eventsPerSecond)}</dd>
      <dt>Processed</dt>
      <dd>{formatCount(pipeline.processed)}</dd>
      <dt>Dead-lettered</dt>
      <dd data-testid="pipeline-dead-lettered">
        {formatCount(pipeline.deadLettered)}
        {invalid > pipeline.deadLettered ? ` (${formatCount(invalid)} refused)` : ''}
      </dd>
      {pipeline.deadLetterLost > 0 && (
        <>
          <dt>Not kept</dt>
          <dd className="reason" data-testid="pipeline-dead-letter-lost">
            {formatCount(pipeline.deadLetterLost)} refused messages could not be dead-lettered (too large for
            the dead-letter topic, or it stayed missing or unwritable); counting went on. The studio log names
            each.
          </dd>
        </>
      )}
      {pipeline.notice && (
        <>
          <dt>Note</dt>
          <dd data-testid="pipeline-notice">{pipeline.notice}</dd>
        </>
      )}
      {pipeline.error && (
        <>
          <dt>Error</dt>
          <dd className="reason">{pipeline.error}</dd>
        </>
      )}
    </dl>
  );
}
