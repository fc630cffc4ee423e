// Stops the local services a process owned once that process is gone, however it ended
// (see ownServices in ./service-process.ts). Started detached, one per owner:
//   node --import tsx scripts/service-guard.ts <owner pid> <service dir>...
import { isAlive, ownerOf, stopService } from './service-process';

const POLL_MS = 500;
const [ownerText, ...dirs] = process.argv.slice(2);
const owner = Number(ownerText);

async function watch(): Promise<void> {
  for (;;) {
    const owned = dirs.filter((dir) => ownerOf(dir) === owner);
    // The owner stopped them itself (or another owner took them over): nothing left to do.
    if (owned.length === 0) return;
    if (!isAlive(owner)) {
      for (const dir of owned.reverse()) {
        console.log(`[guard] owner ${owner} is gone; stopping ${dir}`);
        await stopService(dir).catch(() => {});
      }
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

if (!Number.isInteger(owner) || owner <= 0 || dirs.length === 0) {
  console.error('usage: service-guard.ts <owner pid> <service dir>...');
  process.exit(2);
}
void watch().then(() => process.exit(0));
