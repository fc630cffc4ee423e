import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { startPublisher } from './going-live/publisher';
import { syncMetrics } from './dashboard/metrics-sync';
import { startProductSync } from './products/product-sync';
import { startRecorder } from './recording/recorder';
import { syncReplays } from './replays/replays-sync';
import { syncStatus } from './shell/status-sync';
import { syncModeration } from './moderation/moderation-sync';
import { connectToStudio } from './studio-client';
import './styles.css';

const link = connectToStudio();
syncStatus(link);
startPublisher(link);
syncMetrics(link);
startProductSync(link);
syncModeration(link);
startRecorder(link);
syncReplays(link);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
