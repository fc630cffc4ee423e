// The one owner of "the show this studio is running": starting and ending it, and the
// studio events that mark it in Kafka. Kept on disk so a restarted studio resumes it.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ShowState, type ShowMode } from '../../protocol/show';
import { StudioError } from '../../protocol/rpc';
import { EVENT_VERSIONS, isCurrencyCode, type ShowEvent } from '../../protocol/events';
import type { StudioEventPublisher } from './studio-events';
import { parseJsonOrNull } from './safe-json';

type StudioEventBody = ShowEvent extends infer E
  ? E extends ShowEvent
    ? Omit<E, 'id' | 'v' | 'ts' | 'showId'>
    : never
  : never;

export function newShowId(now = new Date()): string {
  const day = now.toISOString().slice(0, 10).replaceAll('-', '');
  return `show-${day}-${randomUUID().slice(0, 8)}`;
}

export class ShowSession {
  private state: ShowState | null = null;
  /** The currency of the last show started here (kept beside the state file). */
  private lastCurrency: string | null = null;

  constructor(
    private readonly events: StudioEventPublisher,
    /** Where the running show is remembered across restarts; null keeps it in memory. */
    private readonly stateFile: string | null,
    private readonly onChange: (show: ShowState | null) => void,
    /** The currency most of the catalog is priced in, for a first show. */
    private readonly catalogCurrency: () => string | null = () => null,
  ) {
    if (stateFile && existsSync(stateFile)) {
      const parsed = ShowState.safeParse(parseJsonOrNull(readFileSync(stateFile, 'utf8')));
      if (parsed.success) this.state = parsed.data;
      else console.warn(`Ignoring unreadable show state ${stateFile}`);
    }
    const last = stateFile ? parseJsonOrNull(readFileIfAny(`${stateFile}.last-currency`)) : null;
    if (typeof last === 'string' && isCurrencyCode(last)) this.lastCurrency = last;
  }

  /** What a new show sells in unless the host says otherwise: the last show's, else the catalog's. */
  suggestedCurrency(): string {
    return this.lastCurrency ?? this.catalogCurrency() ?? 'EUR';
  }

  get current(): ShowState | null {
    return this.state;
  }

  /** Publishes a studio event for the running show. */
  emit(body: StudioEventBody, ts = Date.now()): ShowEvent {
    const show = this.requireShow();
    const v = EVENT_VERSIONS[body.type];
    return this.events.publish({ ...body, id: randomUUID(), v, ts, showId: show.showId } as ShowEvent);
  }

  /** `showId` is a reserved id (a live show whose link was shared ahead); new otherwise. */
  start(options: { title: string; mode: ShowMode; currency?: string; showId?: string }): ShowState {
    if (this.state) {
      throw new StudioError(
        'failed',
        `"${this.state.title}" is still running; end it before starting another show`,
      );
    }
    const startedAt = Date.now();
    const show: ShowState = {
      showId: options.showId ?? newShowId(new Date(startedAt)),
      title: options.title,
      mode: options.mode,
      currency: options.currency ?? this.suggestedCurrency(),
      startedAt,
      pinnedProductId: null,
      soldOutProductIds: [],
    };
    this.update(show);
    this.rememberCurrency(show.currency);
    this.emit(
      { type: 'show.started', title: show.title, currency: show.currency, mode: show.mode },
      startedAt,
    );
    return show;
  }

  end(): ShowState | null {
    const show = this.state;
    if (!show) return null;
    this.emit({ type: 'show.ended' });
    this.update(null);
    return show;
  }

  /** Applies a change to the running show's state (pins, sold-out marks) and tells every window. */
  patch(change: Partial<Pick<ShowState, 'pinnedProductId' | 'soldOutProductIds'>>): ShowState {
    const show = { ...this.requireShow(), ...change };
    this.update(show);
    return show;
  }

  requireShow(): ShowState {
    if (!this.state)
      throw new StudioError('failed', 'No show is running. Start a show or a rehearsal first.');
    return this.state;
  }

  private rememberCurrency(currency: string): void {
    this.lastCurrency = currency;
    if (!this.stateFile) return;
    try {
      writeFileSync(`${this.stateFile}.last-currency`, JSON.stringify(currency));
    } catch (error) {
      console.warn(`Could not save the show currency: ${(error as Error).message}`);
    }
  }

  private update(show: ShowState | null): void {
    this.state = show;
    if (this.stateFile) {
      try {
        if (show) {
          mkdirSync(dirname(this.stateFile), { recursive: true });
          writeFileSync(`${this.stateFile}.tmp`, JSON.stringify(show));
          renameSync(`${this.stateFile}.tmp`, this.stateFile);
        } else {
          rmSync(this.stateFile, { force: true });
        }
      } catch (error) {
        console.warn(`Could not save the show state to ${this.stateFile}: ${(error as Error).message}`);
      }
    }
    this.onChange(show);
  }
}

function readFileIfAny(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}
