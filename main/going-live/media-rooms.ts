// Going live: the preflight, the show's room on the SFU (opened and closed with the
// admin secret), and the credentials the publisher needs. The one owner of the
// studio's admin connection to the SFU.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import WebSocket from 'ws';
import { z } from 'zod';
import type { LiveSession, PreflightCheck, UpcomingShow } from '../../protocol/contract';
import { StudioError } from '../../protocol/rpc';
import { showIdSchema } from '../../protocol/signaling';
import { SignalingClient, type SocketConstructor } from '../../protocol/signaling-client';
import type { ServiceStatus } from '../../protocol/contract';
import type { ShowState } from '../../protocol/show';
import type { PinnedProduct } from '../../protocol/viewer-actions';
import type { SfuConfig } from '../studio';
import { newShowId, type ShowSession } from '../show';

/** The SFU's HTTP base (for the viewer page and the shopper actions), from its signaling URL. */
export function sfuHttpBase(signalingUrl: string): string {
  const url = new URL(signalingUrl);
  url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  return url.origin;
}

export function viewerUrl(signalingUrl: string, showId: string, viewerToken: string): string {
  const params = new URLSearchParams({ show: showId, token: viewerToken });
  return `${sfuHttpBase(signalingUrl)}/viewer/?${params.toString()}`;
}

/** Opens and closes show rooms on the SFU. One short admin connection per call. */
export class MediaRooms {
  constructor(
    private readonly config: SfuConfig,
    private readonly Socket: SocketConstructor = WebSocket as unknown as SocketConstructor,
  ) {}

  private async admin<T>(work: (client: SignalingClient, secret: string) => Promise<T>): Promise<T> {
    const { url, adminSecret } = this.config;
    if (!url || !adminSecret)
      throw new StudioError('unavailable', 'No SFU is configured (set SHOPCAST_SFU_URL)');
    const client = await SignalingClient.connect(url, this.Socket, { connectTimeoutMs: 3000 });
    try {
      return await work(client, adminSecret);
    } finally {
      client.close();
    }
  }

  /** The viewer token of a show before its room opens (nothing is opened). */
  async reserve(showId: string): Promise<string> {
    return (await this.admin((client, adminSecret) => client.request('reserveShow', { showId, adminSecret })))
      .viewerToken;
  }

  /** Idempotent: an open room answers with its tokens again. `startedAt`: where its chat log starts. */
  open(showId: string, startedAt?: number): Promise<{ hostToken: string; viewerToken: string }> {
    return this.admin((client, adminSecret) =>
      client.request('openShow', { showId, adminSecret, ...(startedAt ? { startedAt } : {}) }),
    );
  }

  /**
   * Tells the shopper viewer page what is pinned (the SFU serves it and prices clicks with it).
   * HOOK for the product issue: call this when the host pins or unpins a product on a live show.
   */
  async setPinnedProduct(showId: string, product: PinnedProduct | null): Promise<void> {
    const { url, adminSecret } = this.config;
    if (!url || !adminSecret)
      throw new StudioError('unavailable', 'No SFU is configured (set SHOPCAST_SFU_URL)');
    const response = await fetch(`${sfuHttpBase(url)}/shows/${encodeURIComponent(showId)}/pinned`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${adminSecret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ product }),
      signal: AbortSignal.timeout(3000),
    });
    if (!response.ok)
      throw new StudioError('failed', `The SFU refused the pinned product (HTTP ${response.status})`);
  }

  async close(showId: string): Promise<boolean> {
    return (await this.admin((client, adminSecret) => client.request('closeShow', { showId, adminSecret })))
      .closed;
  }
}

export interface LiveControlDeps {
  config: SfuConfig;
  show: ShowSession;
  rooms: MediaRooms;
  kafkaStatus: () => ServiceStatus;
  sfuStatus: () => ServiceStatus;
  /** What the viewer page shows of a pinned product (from the catalog); null when unknown. */
  findProduct?: (productId: string) => PinnedProduct | null;
  /** Where the next show's id is kept once its link was handed out, so a restart keeps the link good. */
  upcomingFile?: string | null;
}

const UpcomingFile = z.object({ showId: showIdSchema });

const pinKey = (show: ShowState) =>
  `${show.showId}:${show.pinnedProductId}:${show.pinnedProductId !== null && show.soldOutProductIds.includes(show.pinnedProductId)}`;

/** goLive / getLiveSession / endLive, on top of the show session and the SFU rooms. */
export class LiveControl {
  /** "showId:productId:soldOut" last told to the SFU, so unrelated show changes cost no request. */
  private pushedPin: string | null = null;
  /** The next live show's id, once its link was handed out; used by the next goLive. */
  private upcomingShowId: string | null = null;

  constructor(private readonly deps: LiveControlDeps) {
    this.upcomingShowId = this.readUpcoming();
  }

  private readUpcoming(): string | null {
    const file = this.deps.upcomingFile;
    if (!file || !existsSync(file)) return null;
    try {
      const parsed = UpcomingFile.safeParse(JSON.parse(readFileSync(file, 'utf8')));
      return parsed.success ? parsed.data.showId : null;
    } catch {
      return null;
    }
  }

  private setUpcoming(showId: string | null): void {
    this.upcomingShowId = showId;
    const file = this.deps.upcomingFile;
    if (!file) return;
    try {
      if (showId) {
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, JSON.stringify({ showId }));
      } else {
        rmSync(file, { force: true });
      }
    } catch (error) {
      console.warn(`Could not keep the next show's id in ${file}: ${(error as Error).message}`);
    }
  }

  /** Keeps the viewer page's pinned product (and whether it sold out) in step with the live show. */
  onShowChange(show: ShowState | null): void {
    if (show?.mode !== 'live' || this.pushedPin === pinKey(show)) return;
    // A show the SFU was never told a pin for has none there: nothing to say (and going
    // live saves a request).
    if (!show.pinnedProductId && !this.pushedPin?.startsWith(`${show.showId}:`)) return;
    void this.pushPin(show).catch((error: Error) =>
      console.warn(`The viewer page did not get the pinned product: ${error.message}`),
    );
  }

  private async pushPin(show: ShowState): Promise<void> {
    const key = pinKey(show);
    const id = show.pinnedProductId;
    const product = id ? (this.deps.findProduct?.(id) ?? null) : null;
    await this.deps.rooms.setPinnedProduct(
      show.showId,
      product && show.soldOutProductIds.includes(product.productId) ? { ...product, soldOut: true } : product,
    );
    this.pushedPin = key;
  }

  preflight(): PreflightCheck[] {
    const { config, kafkaStatus, sfuStatus, show } = this.deps;
    const check = (name: string, ok: boolean, reason: string | null): PreflightCheck => ({
      name,
      ok,
      reason: ok ? null : reason,
    });
    const kafka = kafkaStatus();
    const sfu = sfuStatus();
    const running = show.current;
    return [
      check(
        'SFU configured',
        !!config.url && !!config.adminSecret,
        'no SFU URL or admin secret is configured',
      ),
      check('SFU reachable', sfu.state === 'connected', sfu.reason ?? `SFU is ${sfu.state}`),
      check('Kafka reachable', kafka.state === 'connected', kafka.reason ?? `Kafka is ${kafka.state}`),
      check(
        'No other show running',
        !running || running.mode === 'live',
        running ? `the rehearsal "${running.title}" is still running` : null,
      ),
    ];
  }

  /** The next live show's id and viewer link (a page opened on it waits for the show). */
  async upcoming(): Promise<UpcomingShow> {
    const url = this.deps.config.url;
    if (!url) throw new StudioError('unavailable', 'No SFU is configured (set SHOPCAST_SFU_URL)');
    const showId = this.upcomingShowId ?? newShowId();
    if (showId !== this.upcomingShowId) this.setUpcoming(showId);
    let viewerToken;
    try {
      viewerToken = await this.deps.rooms.reserve(showId);
    } catch (error) {
      if (error instanceof StudioError) throw error;
      throw new StudioError('unavailable', `Could not reach the SFU: ${(error as Error).message}`);
    }
    return { showId, viewerUrl: viewerUrl(url, showId, viewerToken), sfuUrl: url };
  }

  async goLive(request: { title: string; currency?: string }): Promise<LiveSession> {
    const running = this.deps.show.current;
    // Going live twice (e.g. a second click) returns the running live show.
    if (running?.mode === 'live') return this.session(running);
    const failed = this.preflight().filter((check) => !check.ok);
    if (failed.length > 0) {
      throw new StudioError(
        'unavailable',
        `Cannot go live: ${failed.map((check) => `${check.name}: ${check.reason}`).join('; ')}`,
      );
    }
    const show = this.deps.show.start({
      ...request,
      mode: 'live',
      ...(this.upcomingShowId ? { showId: this.upcomingShowId } : {}),
    });
    // A link shared for this show now points at it; the next show gets a new one.
    this.setUpcoming(null);
    try {
      return await this.session(show);
    } catch (error) {
      // Without a room nobody can watch: undo the start so the host can simply try again,
      // with the same shared link.
      this.deps.show.end();
      this.setUpcoming(show.showId);
      throw error;
    }
  }

  /** The running live show's credentials; re-opens its room when the SFU lost it (restart). */
  async getLiveSession(): Promise<LiveSession | null> {
    const running = this.deps.show.current;
    if (running?.mode !== 'live') return null;
    return this.session(running);
  }

  async endLive(): Promise<ShowState | null> {
    const running = this.deps.show.current;
    if (!running) return null;
    // The show ends even when the SFU is down; its room then went with it anyway.
    await this.deps.rooms.close(running.showId).catch(() => false);
    return this.deps.show.end();
  }

  private async session(show: ShowState): Promise<LiveSession> {
    const url = this.deps.config.url!;
    let tokens;
    try {
      tokens = await this.deps.rooms.open(show.showId, show.startedAt);
    } catch (error) {
      if (error instanceof StudioError) throw error;
      throw new StudioError('unavailable', `Could not open the show on the SFU: ${(error as Error).message}`);
    }
    // A restarted SFU forgot the pin along with the room (and with no pin there is nothing to tell).
    if (show.pinnedProductId) await this.pushPin(show).catch(() => {});
    return {
      show,
      sfuUrl: url,
      hostToken: tokens.hostToken,
      viewerUrl: viewerUrl(url, show.showId, tokens.viewerToken),
    };
  }
}
