// Rehearsal mode: a show in mode 'rehearsal' fed by simulated shoppers. The audience
// simulator is platform-side code (server/), so main never imports it: it runs as a
// child process and talks to the studio only through Kafka, like real shoppers do.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RehearsalStatus } from '../../protocol/contract';
import { kafkaConnectionEnv, type KafkaConnection } from '../../protocol/kafka-connection';
import { topicSettingsEnv, type TopicSettingsInput } from '../../protocol/show-topics';
import { StudioError } from '../../protocol/rpc';
import type { ShowState } from '../../protocol/show';
import type { ShowSession } from '../show';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const STOP_TIMEOUT_MS = 15_000;

export interface RehearsalOptions {
  /** The studio's own cluster and topic settings; the simulator gets them in its environment. */
  kafka: KafkaConnection & { topics?: TopicSettingsInput };
  show: ShowSession;
  onStatus: (status: RehearsalStatus) => void;
  /** Rehearsal shows sell in this currency (the simulator's orders use the catalog's). */
  currency?: string;
}

/**
 * How the simulator is started. In dev and browser mode it is the TypeScript CLI run
 * through tsx. A packaged app would ship it pre-bundled (esbuild → audience.cjs in the
 * app resources) and run it with ELECTRON_RUN_AS_NODE=1 and process.execPath.
 */
export function simulatorCommand(
  args: string[],
  kafka: KafkaConnection & { topics?: TopicSettingsInput },
): { command: string; args: string[]; cwd: string; env: NodeJS.ProcessEnv } {
  return {
    command: process.execPath,
    args: ['--import', 'tsx', resolve(repoRoot, 'server/audience/main.ts'), ...args],
    cwd: repoRoot,
    env: { ...process.env, ...kafkaConnectionEnv(kafka), ...topicSettingsEnv(kafka.topics ?? {}) },
  };
}

const idle = (): RehearsalStatus => ({
  state: 'stopped',
  showId: null,
  rate: 0,
  eventsPerSecond: 0,
  sent: 0,
  error: null,
});

export class Rehearsal {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private stopRequested = false;
  private current: RehearsalStatus = idle();

  constructor(private readonly opts: RehearsalOptions) {}

  get status(): RehearsalStatus {
    return this.current;
  }

  /** Starts a rehearsal show and its simulated shoppers. */
  start(request: { title: string; rate: number; seed: number }): ShowState {
    const show = this.opts.show.start({
      title: request.title,
      mode: 'rehearsal',
      ...(this.opts.currency ? { currency: this.opts.currency } : {}),
    });
    this.spawnShoppers(show.showId, show.currency, request.rate, request.seed);
    return show;
  }

  /** Stops the simulated shoppers once they have delivered what they generated; the show runs on. */
  async stopShoppers(): Promise<RehearsalStatus> {
    const child = this.child;
    if (child) {
      this.stopRequested = true;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await this.exited;
      clearTimeout(timer);
    }
    return this.current;
  }

  /** The show changed: shoppers of a show that ended must stop. */
  onShowChange(show: ShowState | null): void {
    if (this.child && show?.showId !== this.current.showId) void this.stopShoppers();
    else if (!this.child && this.current.state !== 'stopped' && show?.showId !== this.current.showId) {
      this.update(idle());
    }
  }

  async stop(): Promise<void> {
    await this.stopShoppers();
  }

  private spawnShoppers(showId: string, currency: string, rate: number, seed: number): void {
    if (this.child) throw new StudioError('failed', 'Simulated shoppers are already running');
    const { command, args, cwd, env } = simulatorCommand(
      [
        '--show',
        showId,
        '--rate',
        String(rate),
        '--seed',
        String(seed),
        '--currency',
        currency,
        '--stop-with-stdin',
      ],
      this.opts.kafka,
    );
    // Its stdin is a pipe from this process: when the studio dies, however it dies, the pipe
    // closes and the simulator stops (--stop-with-stdin) instead of running on unowned.
    const child = spawn(command, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    this.stopRequested = false;
    this.update({ ...idle(), state: 'running', showId, rate });

    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-2000);
    });
    let partial = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) this.onStatsLine(line);
    });
    this.exited = new Promise((done) => {
      const finish = (error: string | null) => {
        if (this.child !== child) return;
        this.child = null;
        // Stopping on request is a normal end; anything else is a failure the host must see.
        this.update(
          error === null
            ? { ...this.current, state: 'stopped', eventsPerSecond: 0 }
            : { ...this.current, state: 'failed', eventsPerSecond: 0, error },
        );
        done();
      };
      child.on('error', (e) => finish(`The audience simulator could not start: ${e.message}`));
      child.on('exit', (code, signal) => {
        if (this.stopRequested && (code === 0 || signal !== null)) finish(null);
        else {
          const last = stderr.trim().split('\n').slice(-3).join(' ');
          finish(
            `The audience simulator stopped (${signal ?? `exit code ${code}`})${last ? `: ${last}` : ''}`,
          );
        }
      });
    });
  }

  private onStatsLine(line: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      return;
    }
    const stats = ((parsed as { final?: unknown }).final ?? parsed) as {
      sent?: unknown;
      eventsPerSecond?: unknown;
    };
    if (typeof stats.sent !== 'number') return;
    this.update({
      ...this.current,
      sent: stats.sent,
      eventsPerSecond: typeof stats.eventsPerSecond === 'number' ? stats.eventsPerSecond : 0,
    });
  }

  private update(status: RehearsalStatus): void {
    this.current = status;
    this.opts.onStatus(status);
  }
}
