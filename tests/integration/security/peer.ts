// A bare signaling client for the attacks: connects from a chosen loopback address (the
// SFU counts connections per address), sends requests, keeps every notification.
import WebSocket from 'ws';
import type { SignalingResponse } from '../../../protocol/signaling';
import { until } from '../../support/until';

export class Peer {
  readonly notifications: Array<{ method: string; data: Record<string, unknown> }> = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly answers = new Map<number, SignalingResponse>();
  private nextId = 1;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (raw) => {
      const message = JSON.parse(String(raw));
      if (message.type === 'notification') this.notifications.push(message);
      else if (typeof message.id === 'number') this.answers.set(message.id, message);
    });
    this.closed = new Promise((resolve) =>
      socket.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
    );
  }

  /** Rejects with "HTTP <status>" when the SFU refuses the upgrade. */
  static connect(url: string, from = '127.0.0.1'): Promise<Peer> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { localAddress: from });
      socket.once('open', () => resolve(new Peer(socket)));
      socket.once('unexpected-response', (_request, response) => {
        reject(new Error(`HTTP ${response.statusCode}`));
        socket.terminate();
      });
      socket.once('error', reject);
    });
  }

  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  async request(method: string, data: unknown = {}): Promise<SignalingResponse> {
    const id = this.nextId++;
    this.socket.send(JSON.stringify({ id, method, data }));
    return until(`an answer to ${method}`, () => this.answers.get(id), 10_000, 20);
  }

  /** The answer's data; throws with the error code when refused. */
  async ok<T = Record<string, unknown>>(method: string, data: unknown = {}): Promise<T> {
    const answer = await this.request(method, data);
    if (!answer.ok) throw new Error(`${method}: ${answer.error.code}: ${answer.error.message}`);
    return answer.data as T;
  }

  /** The error code of a refused request (fails the test when it was not refused). */
  async refusal(method: string, data: unknown = {}): Promise<string> {
    const answer = await this.request(method, data);
    if (answer.ok) throw new Error(`${method} was expected to be refused`);
    return answer.error.code;
  }

  close(): void {
    this.socket.close();
  }
}
