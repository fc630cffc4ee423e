// A typed request/response client for the SFU's signaling (protocol/signaling.ts),
// over any WebSocket-like object: the browser's WebSocket in the renderer and the
// viewer page, `ws` in Node (main process, tests). The constructor is injected so
// this file stays free of Node and DOM imports.
import {
  notificationSchemas,
  serverMessageSchema,
  signalingMethods,
  type NotificationData,
  type NotificationMethod,
  type RequestData,
  type ResponseData,
  type SignalingErrorCode,
  type SignalingMethod,
} from './signaling';

/** What both the browser WebSocket and `ws` provide. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export type SocketConstructor = new (url: string) => SocketLike;

const OPEN = 1;

/** A refusal from the SFU ("unauthorized", "not-found", …), a timeout, or a lost connection. */
export class SignalingRequestError extends Error {
  constructor(
    readonly code: SignalingErrorCode | 'timeout' | 'closed',
    message: string,
    /** For `rate-limited`: when the SFU accepts requests from this connection again. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'SignalingRequestError';
  }
}

export interface SignalingClientOptions {
  /** How long one request may take before it fails with code "timeout". Default 5 s. */
  requestTimeoutMs?: number;
  /** How long connecting may take. Default 5 s. */
  connectTimeoutMs?: number;
}

interface Pending {
  method: SignalingMethod;
  resolve(data: unknown): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

export class SignalingClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<string, Set<(data: never) => void>>();
  private readonly closeListeners = new Set<(reason: string) => void>();
  private closedReason: string | null = null;

  private constructor(
    private readonly socket: SocketLike,
    private readonly requestTimeoutMs: number,
  ) {
    socket.onmessage = (event) => this.receive(String(event.data));
    socket.onclose = (event) =>
      this.closedBy(`connection closed (${event.code}${event.reason ? `: ${event.reason}` : ''})`);
    socket.onerror = () => {};
  }

  /** Opens a connection; rejects when the SFU cannot be reached in time. */
  static connect(
    url: string,
    Socket: SocketConstructor,
    options: SignalingClientOptions = {},
  ): Promise<SignalingClient> {
    const socket = new Socket(url);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.close();
        reject(new SignalingRequestError('timeout', `could not reach the SFU at ${url} in time`));
      }, options.connectTimeoutMs ?? 5000);
      socket.onopen = () => {
        clearTimeout(timer);
        resolve(new SignalingClient(socket, options.requestTimeoutMs ?? 5000));
      };
      socket.onerror = () => {};
      socket.onclose = () => {
        clearTimeout(timer);
        reject(new SignalingRequestError('closed', `could not connect to the SFU at ${url}`));
      };
    });
  }

  get closed(): boolean {
    return this.closedReason !== null || this.socket.readyState !== OPEN;
  }

  request<M extends SignalingMethod>(method: M, data: RequestData<M>): Promise<ResponseData<M>> {
    if (this.closed) {
      return Promise.reject(new SignalingRequestError('closed', this.closedReason ?? 'not connected'));
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new SignalingRequestError('timeout', `${method} got no answer in ${this.requestTimeoutMs} ms`),
        );
      }, this.requestTimeoutMs);
      this.pending.set(id, { method, resolve: resolve as (data: unknown) => void, reject, timer });
      this.socket.send(JSON.stringify({ id, method, data }));
    });
  }

  /** Listens to one kind of notification; returns the unsubscribe function. */
  on<N extends NotificationMethod>(method: N, listener: (data: NotificationData<N>) => void): () => void {
    let set = this.listeners.get(method);
    if (!set) this.listeners.set(method, (set = new Set()));
    set.add(listener as (data: never) => void);
    return () => set.delete(listener as (data: never) => void);
  }

  /** Called once when the connection is gone (closed by either side or lost). */
  onClose(listener: (reason: string) => void): () => void {
    if (this.closedReason !== null) {
      listener(this.closedReason);
      return () => {};
    }
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  close(): void {
    this.socket.close(1000, 'done');
    this.closedBy('closed by this client');
  }

  private receive(raw: string): void {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return;
    }
    const message = serverMessageSchema.safeParse(json);
    if (!message.success) return;
    const msg = message.data;
    if (msg.type === 'notification') {
      const schema = notificationSchemas[msg.method as NotificationMethod];
      const data = schema?.safeParse(msg.data);
      if (!data?.success) return;
      for (const listener of this.listeners.get(msg.method) ?? []) listener(data.data as never);
      return;
    }
    if (typeof msg.id !== 'number') return;
    const pending = this.pending.get(msg.id);
    if (!pending) return;
    this.pending.delete(msg.id);
    clearTimeout(pending.timer);
    if (!msg.ok) {
      pending.reject(
        new SignalingRequestError(
          msg.error.code,
          `${pending.method}: ${msg.error.message}`,
          msg.error.retryAfterMs,
        ),
      );
      return;
    }
    const data = signalingMethods[pending.method].response.safeParse(msg.data);
    if (data.success) pending.resolve(data.data);
    else
      pending.reject(
        new SignalingRequestError('internal', `${pending.method}: malformed answer from the SFU`),
      );
  }

  private closedBy(reason: string): void {
    if (this.closedReason !== null) return;
    this.closedReason = reason;
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(new SignalingRequestError('closed', `${pending.method}: ${reason}`));
    }
    this.pending.clear();
    for (const listener of this.closeListeners) listener(reason);
    this.closeListeners.clear();
  }
}
