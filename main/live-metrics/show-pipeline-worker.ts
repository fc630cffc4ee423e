// Worker thread of a ShowPipeline: runs its ShowIngest (parse, dedupe, aggregate) so the
// pipeline's thread only fetches from Kafka, and fetching overlaps processing.
import { parentPort, workerData } from 'node:worker_threads';
import { ShowIngest, type IngestReport, type IngestRequest, type ShowIngestOptions } from './show-ingest';

const port = parentPort!;
const post = (report: IngestReport) => port.postMessage(report);
const ingest = new ShowIngest(workerData as ShowIngestOptions, post);
port.on('message', (request: IngestRequest) => {
  try {
    ingest.handle(request);
  } catch (error) {
    ingest.stop();
    post({ kind: 'failed', error: error instanceof Error ? error.message : String(error) });
  }
});
