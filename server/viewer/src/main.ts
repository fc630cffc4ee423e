// The shopper viewer page: watches a show through the SFU (mediasoup-client, one receive
// transport), rejoins by itself when the SFU restarts or the network blips, shows the
// pinned product, and sends add-to-cart / buy clicks to the SFU process.
import type { Device, types } from 'mediasoup-client';
import {
  SignalingClient,
  SignalingRequestError,
  type SocketConstructor,
} from '../../../protocol/signaling-client';
import type { ProducerInfo } from '../../../protocol/signaling';
import type { ViewerChat, ViewerChatMessage } from '../../../protocol/viewer-chat';
import {
  PinnedProductAnswer,
  ViewerActionAnswer,
  type PinnedProduct,
  type ViewerAction,
} from '../../../protocol/viewer-actions';

/** When each step of the first join happened (ms since navigation), for benchmarks. */
const timeline: Record<string, number> = {};
const mark = (step: string) => (timeline[step] ??= Math.round(performance.now()));
mark('scriptStarted');
// The WebRTC library is the larger half of the page: fetch it while signaling connects.
const mediasoupClient = import('mediasoup-client');

const params = new URLSearchParams(location.search);
const showId = params.get('show') ?? '';
const token = params.get('token') ?? '';
const signalingUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/signaling`;

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const video = byId<HTMLVideoElement>('video');
const statusLine = byId<HTMLParagraphElement>('status');
const unmute = byId<HTMLButtonElement>('unmute');

type ViewerState = 'connecting' | 'live' | 'waiting' | 'reconnecting' | 'ended' | 'error';

function setStatus(state: ViewerState, text: string): void {
  statusLine.dataset.state = state;
  statusLine.textContent = text;
}

/** One per page load; the shop counts a shopper once however often they reconnect. */
const viewerId = (() => {
  const saved = sessionStorage.getItem('shopcast.viewerId');
  if (saved) return saved;
  const id = `viewer-${crypto.randomUUID().slice(0, 12)}`;
  sessionStorage.setItem('shopcast.viewerId', id);
  return id;
})();

// --- Watching ---------------------------------------------------------------------

interface Watch {
  client: SignalingClient;
  transport: types.Transport;
  consumers: Map<string, types.Consumer>;
}

let watch: Watch | null = null;
let ended = false;
/** The link's token is wrong (or for another SFU): retrying cannot help. */
class BadLink extends Error {}
// Attached with the first track: a video with an empty stream holds the page's load event.
const stream = new MediaStream();

async function consume(current: Watch, device: Device, producer: ProducerInfo): Promise<void> {
  const answer = await current.client.request('consume', {
    transportId: current.transport.id,
    producerId: producer.producerId,
    rtpCapabilities: device.recvRtpCapabilities,
  });
  const consumer = await current.transport.consume({
    id: answer.consumerId,
    producerId: answer.producerId,
    kind: answer.kind,
    rtpParameters: answer.rtpParameters,
  });
  // Live shopping wants the picture now, not smooth: ask for the smallest jitter buffer.
  const receiver = consumer.rtpReceiver as (RTCRtpReceiver & { jitterBufferTarget?: number }) | undefined;
  if (receiver && 'jitterBufferTarget' in receiver) receiver.jitterBufferTarget = 0;
  current.consumers.set(producer.producerId, consumer);
  for (const old of stream.getTracks().filter((t) => t.kind === consumer.kind)) stream.removeTrack(old);
  stream.addTrack(consumer.track);
  if (video.srcObject !== stream) video.srcObject = stream;
  await current.client.request('resumeConsumer', { consumerId: consumer.id });
  mark(`${consumer.kind}Resumed`);
  void video.play().catch(() => {});
  if (consumer.kind === 'audio' && video.muted) unmute.hidden = false;
}

/** Joins the room and asks for a receive transport, back to back (the SFU answers in order). */
function enter(client: SignalingClient) {
  const joining = client.request('join', { showId, token, viewerId });
  const transportParams = client.request('createWebRtcTransport', { direction: 'recv' });
  // When the join is refused the transport is too; only the first refusal matters.
  void transportParams.catch(() => {});
  return joining.then(async (joined) => ({ joined, params: await transportParams }));
}

async function join(): Promise<void> {
  const client = await SignalingClient.connect(signalingUrl, WebSocket as unknown as SocketConstructor, {
    connectTimeoutMs: 2000,
  });
  try {
    mark('connected');
    // Everything goes out at once: where the show stands, the capabilities (the same for
    // every show, so the Device loads even while the show is upcoming) and the join itself,
    // which simply fails when the show is not open.
    let opened!: () => void;
    const openedNow = new Promise<void>((resolve) => (opened = resolve));
    const stopOpened = client.on('showOpened', () => opened());
    // The host may start sending while this page is still setting up: keep those for later.
    const early: ProducerInfo[] = [];
    const stopEarly = client.on('producerAdded', (producer) => early.push(producer));
    const watching = client.request('watchShow', { showId, token });
    const capabilities = client.request('getRouterRtpCapabilities', {});
    const deviceReady = (async () => {
      const { Device } = await mediasoupClient;
      const device = new Device();
      await device.load({ routerRtpCapabilities: (await capabilities).rtpCapabilities });
      return device;
    })();
    void deviceReady.catch(() => {});
    let entering = enter(client);
    void entering.catch(() => {});

    const { state } = await watching.catch((error: unknown) => {
      if (error instanceof SignalingRequestError && error.code === 'unauthorized')
        throw new BadLink('this link is not valid');
      throw error;
    });
    mark('watchAnswered');
    if (state === 'ended') {
      client.close();
      showEnded();
      return;
    }
    let entered = await entering.catch((error: unknown) => {
      // Open yet refused: the room went away meanwhile; the caller tries again.
      if (state === 'open') throw error;
      return null;
    });
    if (!entered) {
      // Upcoming: the SFU pushes showOpened; a dropped connection rejects and the caller retries.
      setStatus('waiting', 'Waiting for the host to go live…');
      await new Promise<void>((resolve, reject) => {
        client.onClose((reason) => reject(new Error(reason)));
        void openedNow.then(resolve);
      });
      mark('showOpened');
      entering = enter(client);
      entered = await entering;
    }
    stopOpened();
    const { joined, params } = entered;
    mark('joined');
    const device = await deviceReady;
    const transport = device.createRecvTransport({
      id: params.transportId,
      iceParameters: params.iceParameters,
      iceCandidates: params.iceCandidates,
      dtlsParameters: params.dtlsParameters,
    });
    mark('transportReady');
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      client
        .request('connectTransport', { transportId: transport.id, dtlsParameters })
        .then(callback, errback);
    });
    const current: Watch = { client, transport, consumers: new Map() };
    watch = current;
    void refreshPinned();
    transport.on('connectionstatechange', (state) => {
      if (state === 'connected') mark('mediaConnected');
      if (state === 'failed' && watch === current) lost('the media connection failed');
    });
    client.onClose(() => {
      if (watch === current) lost('lost the connection');
    });
    stopEarly();
    client.on('producerAdded', (producer) => {
      setStatus('live', 'LIVE');
      void consume(current, device, producer).catch(() => {});
    });
    startChat(current.client);
    // Pins and sold-out marks are pushed; the fetch at join covers what happened before.
    client.on('pinnedProduct', ({ product }) => {
      if (watch !== current) return;
      pinPushes++;
      showProduct(product);
    });
    client.on('producerClosed', ({ producerId }) => {
      const consumer = current.consumers.get(producerId);
      if (!consumer) return;
      current.consumers.delete(producerId);
      stream.removeTrack(consumer.track);
      consumer.close();
    });
    client.on('showEnded', ({ reason }) => {
      if (watch !== current) return;
      if (reason === 'closed') showEnded();
      else lost('the show is restarting');
    });
    // Picture first; one that closed meanwhile is refused by the SFU, the rest still play.
    const producers = [...joined.producers, ...early].sort(
      (a, b) => Number(b.kind === 'video') - Number(a.kind === 'video'),
    );
    await Promise.all(producers.map((producer) => consume(current, device, producer).catch(() => {})));
    setStatus(
      current.consumers.size > 0 ? 'live' : 'waiting',
      current.consumers.size > 0 ? 'LIVE' : 'Waiting for the host…',
    );
  } catch (error) {
    client.close();
    throw error;
  }
}

function stopWatching(): void {
  const current = watch;
  watch = null;
  if (!current) return;
  current.transport.close();
  current.client.close();
  for (const track of stream.getTracks()) stream.removeTrack(track);
}

function showEnded(): void {
  ended = true;
  stopWatching();
  setStatus('ended', 'This show has ended. Thanks for watching!');
  byId('product').hidden = true;
  byId('chat-form').hidden = true;
}

let rejoining = false;

function lost(reason: string): void {
  stopWatching();
  void rejoin(reason);
}

/** Keeps trying: after an SFU restart the room is back once the studio re-opens it. */
async function rejoin(reason: string): Promise<void> {
  if (rejoining || ended) return;
  rejoining = true;
  for (let attempt = 1; !ended; attempt++) {
    setStatus('reconnecting', `Reconnecting… (${reason})`);
    try {
      await join();
      break;
    } catch (error) {
      stopWatching();
      if (error instanceof BadLink) {
        setStatus('error', 'This link is not valid. Ask the shop for a new one.');
        break;
      }
      // The SFU has no room for another viewer now: wait a little longer, then try again.
      const full = error instanceof SignalingRequestError && error.code === 'show-full';
      // The room can be gone for a moment (SFU restart) before the studio re-opens it.
      reason = full
        ? 'the show is full right now'
        : (error as Error).message.includes('unauthorized')
          ? 'waiting for the show'
          : 'the stream is away';
      // Short waits first: an SFU restart is back within a couple of seconds.
      await new Promise((resolve) =>
        setTimeout(resolve, full ? 3000 : attempt <= 20 ? Math.min(100 * attempt, 500) : 2000),
      );
    }
  }
  rejoining = false;
}

unmute.addEventListener('click', () => {
  video.muted = false;
  unmute.hidden = true;
  void video.play().catch(() => {});
});

// --- Shopping ---------------------------------------------------------------------

let pinned: PinnedProduct | null = null;
/** Counts pushed pins, so a fetch that a push overtook does not bring back an old pin. */
let pinPushes = 0;

function formatPrice(product: PinnedProduct): string {
  const digits =
    new Intl.NumberFormat('en', { style: 'currency', currency: product.currency }).resolvedOptions()
      .maximumFractionDigits ?? 2;
  return new Intl.NumberFormat(undefined, { style: 'currency', currency: product.currency }).format(
    product.priceMinor / 10 ** digits,
  );
}

function showProduct(product: PinnedProduct | null): void {
  pinned = product;
  byId('product').hidden = !product || ended;
  if (!product) return;
  // Product names are untrusted: text only.
  byId('product-name').textContent = product.name;
  byId('product-price').textContent = formatPrice(product);
  const soldOut = product.soldOut === true;
  byId('product').dataset.soldOut = String(soldOut);
  byId('sold-out').hidden = !soldOut;
  for (const id of ['add-to-cart', 'buy', 'qty', 'payment']) byId<HTMLButtonElement>(id).disabled = soldOut;
}

async function refreshPinned(): Promise<void> {
  // Before the show opens (or after a bad link) the SFU has nothing to say.
  if (ended || !watch) return;
  const pushesBefore = pinPushes;
  try {
    const response = await fetch(
      `/shows/${encodeURIComponent(showId)}/pinned?token=${encodeURIComponent(token)}`,
    );
    if (response.ok) {
      const answer = PinnedProductAnswer.safeParse(await response.json());
      // Compared whole: the same product can turn sold out.
      if (
        answer.success &&
        pinPushes === pushesBefore &&
        JSON.stringify(answer.data.product) !== JSON.stringify(pinned)
      )
        showProduct(answer.data.product);
    }
  } catch {
    // The SFU is away; joining again fetches it again.
  }
}

const PAYMENTS = new Map<string, Extract<ViewerAction, { action: 'buy' }>['payment']>([
  ['card', { method: 'card' }],
  ['bnpl', { method: 'bnpl', provider: 'klarna' }],
  ['wallet', { method: 'wallet', provider: 'apple_pay' }],
]);

async function shop(kind: 'add_to_cart' | 'buy'): Promise<void> {
  const message = byId('shop-message');
  if (!pinned || pinned.soldOut) return;
  const qty = Math.min(99, Math.max(1, Number(byId<HTMLInputElement>('qty').value) || 1));
  const action: ViewerAction =
    kind === 'buy'
      ? {
          action: 'buy',
          productId: pinned.productId,
          qty,
          payment: PAYMENTS.get(byId<HTMLSelectElement>('payment').value) ?? { method: 'card' },
        }
      : { action: 'add_to_cart', productId: pinned.productId, qty };
  message.textContent = kind === 'buy' ? 'Placing your order…' : 'Adding…';
  try {
    const response = await fetch(`/shows/${encodeURIComponent(showId)}/actions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, viewerId, action }),
    });
    // The SFU sells only the product pinned now, in stock: say which went away.
    if (response.status === 409 || response.status === 404) {
      message.textContent =
        response.status === 409
          ? 'Sorry, this product just sold out.'
          : 'Sorry, this product is no longer on offer.';
      void refreshPinned();
      return;
    }
    const answer = ViewerActionAnswer.safeParse(await response.json());
    if (!response.ok || !answer.success) throw new Error(`HTTP ${response.status}`);
    message.dataset.eventId = answer.data.eventId;
    message.textContent =
      kind === 'buy' ? `Order placed (${answer.data.orderId ?? ''})` : 'Added to your cart';
  } catch {
    message.textContent = 'That did not go through. Please try again.';
  }
}

byId('add-to-cart').addEventListener('click', () => void shop('add_to_cart'));
byId('buy').addEventListener('click', () => void shop('buy'));

// --- Chat ---------------------------------------------------------------------------

const CHAT_SHOWN = 200;
const chatList = byId<HTMLOListElement>('chat-list');
const chatNotice = byId<HTMLParagraphElement>('chat-notice');
const chatName = byId<HTMLInputElement>('chat-name');
const chatText = byId<HTMLInputElement>('chat-text');
chatName.value = localStorage.getItem('shopcast.displayName') ?? '';
/** Rows by message id, so a hidden message can leave and a released one come back once. */
const chatRows = new Map<string, HTMLLIElement>();

/** Untrusted text: every part goes in as textContent, never as HTML. */
function chatRow(message: ViewerChatMessage, held = false): HTMLLIElement {
  const row = document.createElement('li');
  row.dataset.messageId = message.id;
  row.dataset.host = String(message.fromHost);
  row.dataset.held = String(held);
  const name = document.createElement('span');
  name.className = 'chat-name';
  name.textContent = message.fromHost
    ? `${message.displayName ?? 'Host'} (host)`
    : (message.displayName ?? 'Shopper');
  const text = document.createElement('span');
  text.className = 'chat-text';
  text.textContent = message.text;
  row.append(name, text);
  if (held) {
    const note = document.createElement('span');
    note.className = 'chat-held-note';
    note.textContent = ' — waiting for review';
    row.append(note);
  }
  return row;
}

function addChat(messages: ViewerChatMessage[], held = false): void {
  const nearBottom = chatList.scrollHeight - chatList.scrollTop - chatList.clientHeight < 40;
  for (const message of messages) {
    chatRows.get(message.id)?.remove();
    const row = chatRow(message, held);
    chatRows.set(message.id, row);
    // Released messages come back in time order.
    let before: Element | null = null;
    for (let at = chatList.lastElementChild; at; at = at.previousElementSibling) {
      const ts = Number((at as HTMLElement).dataset.ts);
      if (ts <= message.ts) break;
      before = at;
    }
    row.dataset.ts = String(message.ts);
    chatList.insertBefore(row, before);
  }
  while (chatList.children.length > CHAT_SHOWN) {
    const first = chatList.firstElementChild as HTMLElement;
    chatRows.delete(first.dataset.messageId ?? '');
    first.remove();
  }
  if (nearBottom) chatList.scrollTop = chatList.scrollHeight;
}

function removeChat(ids: string[]): void {
  for (const id of ids) {
    chatRows.get(id)?.remove();
    chatRows.delete(id);
  }
}

let slowModeSeconds = 0;
function showChatState(state: Omit<ViewerChat, 'messages'>): void {
  const pinned = byId('chat-pinned');
  pinned.hidden = !state.pinned;
  pinned.replaceChildren();
  if (state.pinned) {
    // Name and text apart, each isolated (see viewer.css), as in the chat rows.
    const name = document.createElement('span');
    name.className = 'chat-name';
    name.textContent = `📌 ${state.pinned.displayName ?? 'Shopper'}:`;
    const text = document.createElement('span');
    text.className = 'chat-text';
    text.textContent = state.pinned.text;
    pinned.append(name, text);
  }
  slowModeSeconds = state.slowModeSeconds;
  chatText.placeholder =
    slowModeSeconds > 0 ? `Slow mode: one message every ${slowModeSeconds} s` : 'Say something…';
}

function startChat(client: SignalingClient): void {
  byId('chat').hidden = false;
  client.on('chatMessages', ({ messages }) => addChat(messages));
  client.on('chatRemoved', ({ messageIds }) => removeChat(messageIds));
  client.on('chatState', showChatState);
  void client
    .request('getChat', {})
    .then((chat) => {
      chatList.replaceChildren();
      chatRows.clear();
      addChat(chat.messages);
      showChatState(chat);
    })
    .catch(() => {
      chatNotice.textContent = 'Chat is not available right now.';
    });
}

async function sendChat(): Promise<void> {
  const text = chatText.value.trim();
  const displayName = chatName.value.trim();
  if (!text || !displayName || !watch) return;
  localStorage.setItem('shopcast.displayName', displayName);
  chatNotice.textContent = '';
  // Says how the last send ended (read by tests): an event id, or why it was refused.
  delete chatNotice.dataset.eventId;
  delete chatNotice.dataset.refused;
  try {
    const answer = await watch.client.request('sendChat', { text, displayName });
    chatText.value = '';
    chatNotice.dataset.eventId = answer.message.id;
    // Only the sender sees a held message, marked as waiting.
    if (answer.held) {
      addChat([answer.message], true);
      chatNotice.textContent = 'Your message is waiting for a moderator.';
    }
  } catch (error) {
    const refusal = error instanceof SignalingRequestError ? error : null;
    chatNotice.dataset.refused = refusal?.code ?? 'error';
    chatNotice.textContent =
      refusal && (refusal.code === 'chat-refused' || refusal.code === 'rate-limited')
        ? refusal.message.replace(/^sendChat: /, '')
        : 'Your message did not go through. Please try again.';
  }
}

byId('chat-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void sendChat();
});

// --- Test and benchmark hook: what the receive side measures --------------------------

async function receiveStats() {
  const result = { framesDecoded: 0, frameWidth: 0, frameHeight: 0, audioPacketsReceived: 0 };
  const report = await watch?.transport.getStats();
  report?.forEach((entry: Record<string, unknown>) => {
    if (entry.type !== 'inbound-rtp') return;
    if (entry.kind === 'video') {
      result.framesDecoded += Number(entry.framesDecoded ?? 0);
      result.frameWidth = Number(entry.frameWidth ?? result.frameWidth);
      result.frameHeight = Number(entry.frameHeight ?? result.frameHeight);
    } else if (entry.kind === 'audio') {
      result.audioPacketsReceived += Number(entry.packetsReceived ?? 0);
    }
  });
  return result;
}
// timeOrigin turns the timeline into wall-clock times (a viewer waiting before go-live).
(window as unknown as { shopcastViewer: object }).shopcastViewer = {
  receiveStats,
  timeline,
  timeOrigin: performance.timeOrigin,
};
video.requestVideoFrameCallback(() => mark('firstFrame'));

if (!showId || !token) {
  setStatus('error', 'This link is incomplete: it needs ?show=…&token=…');
} else {
  void rejoin('connecting');
}
