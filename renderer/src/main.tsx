import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { syncStatus } from './status-sync';
import { connectToStudio } from './studio-client';
import './styles.css';

const link = connectToStudio();
syncStatus(link);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
