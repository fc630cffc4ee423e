// Owns the mediasoup worker processes: starts them, hands them out to show
// rooms, and replaces any that die (the rooms on a dead worker are lost).
import type { types } from 'mediasoup';

type Mediasoup = typeof import('mediasoup');

let loaded: { bin: string; module: Mediasoup } | null = null;

/**
 * mediasoup reads MEDIASOUP_WORKER_BIN once, when its module first loads, so the
 * binary is chosen here before the import and cannot change afterwards.
 */
export async function loadMediasoup(workerBin: string): Promise<Mediasoup> {
  if (loaded) {
    if (loaded.bin !== workerBin) {
      throw new Error(
        `mediasoup is already loaded with worker ${loaded.bin}; cannot switch to ${workerBin} in the same process`,
      );
    }
    return loaded.module;
  }
  process.env.MEDIASOUP_WORKER_BIN = workerBin;
  const module = (await import('mediasoup')) as Mediasoup;
  loaded = { bin: workerBin, module };
  return module;
}

export interface MediaWorkersOptions {
  workerBin: string;
  count: number;
  rtcMinPort: number;
  rtcMaxPort: number;
  log: (line: string) => void;
  /** Called after a worker died, before its replacement starts. */
  onWorkerLost: (worker: types.Worker) => void;
}

const FIRST_RESTART_DELAY_MS = 500;
const MAX_RESTART_DELAY_MS = 30_000;

export class MediaWorkers {
  private readonly workers: types.Worker[] = [];
  private next = 0;
  private closed = false;
  private restartDelay = FIRST_RESTART_DELAY_MS;
  private restartTimer: NodeJS.Timeout | null = null;

  private constructor(
    private readonly mediasoup: Mediasoup,
    private readonly options: MediaWorkersOptions,
  ) {}

  static async start(options: MediaWorkersOptions): Promise<MediaWorkers> {
    const pool = new MediaWorkers(await loadMediasoup(options.workerBin), options);
    try {
      for (let i = 0; i < options.count; i += 1) await pool.spawn();
    } catch (error) {
      pool.close();
      throw error;
    }
    return pool;
  }

  get alive(): number {
    return this.workers.length;
  }

  /** Round-robin, so shows spread over the cores. */
  pick(): types.Worker {
    if (this.workers.length === 0)
      throw new Error('no mediasoup worker is running (restarting after a crash)');
    const worker = this.workers[this.next % this.workers.length] as types.Worker;
    this.next += 1;
    return worker;
  }

  pids(): number[] {
    return this.workers.map((worker) => worker.pid);
  }

  close(): void {
    this.closed = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    for (const worker of this.workers.splice(0)) worker.close();
  }

  private async spawn(): Promise<void> {
    const worker = await this.mediasoup.createWorker({
      logLevel: 'warn',
      rtcMinPort: this.options.rtcMinPort,
      rtcMaxPort: this.options.rtcMaxPort,
    });
    if (this.closed) {
      worker.close();
      return;
    }
    this.workers.push(worker);
    worker.on('died', (error: Error) => this.onDied(worker, error));
  }

  private onDied(worker: types.Worker, error: Error): void {
    const index = this.workers.indexOf(worker);
    if (index !== -1) this.workers.splice(index, 1);
    if (this.closed) return;
    this.options.log(
      `mediasoup worker ${worker.pid} died (${error.message}); its shows are lost, restarting in ${this.restartDelay} ms`,
    );
    this.options.onWorkerLost(worker);
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    const delay = this.restartDelay;
    // Back off so a worker that crashes on start does not spin the CPU.
    this.restartDelay = Math.min(this.restartDelay * 2, MAX_RESTART_DELAY_MS);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      this.spawn().then(
        () => {
          this.options.log(`mediasoup worker restarted (pid ${this.workers.at(-1)?.pid ?? '?'})`);
          // A worker that stays up a minute earns a fast restart next time.
          setTimeout(() => (this.restartDelay = FIRST_RESTART_DELAY_MS), 60_000).unref();
        },
        (spawnError: unknown) => {
          this.options.log(`mediasoup worker restart failed: ${(spawnError as Error).message}`);
          if (!this.closed) this.scheduleRestart();
        },
      );
    }, delay);
  }
}
