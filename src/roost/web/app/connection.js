// @ts-check
/**
 * The event WebSocket (docs/events.md): one per tab. Reconnects by itself with backoff and
 * `?since=<cursor>`, so missed events are replayed; commands sent while offline wait in a
 * queue, and unacknowledged `send`s are sent again with the same client_id (the server
 * stores a message once per client_id).
 */
import { maxId, newClientId } from './format.js';

const MAX_BACKOFF_MS = 15000;
const HEARTBEAT_MS = 25000; // a ping command this often while connected
const HEARTBEAT_TIMEOUT_MS = 10000; // nothing at all from the server this long after a ping: the connection is dead
const CONNECT_TIMEOUT_MS = 15000; // a new socket without its hello this long is given up
const SIGNED_OUT_CODES = new Set([4401, 4403]);

/**
 * @typedef {{type: string, client_id?: string, [key: string]: unknown}} Command
 * @typedef {{command: Command, resolve: (frame: any) => void, reject: (error: Error) => void}} Pending
 * @typedef {{onFrame: (frame: any) => void, onStatus: (status: 'online' | 'reconnecting') => void,
 *   onSignedOut: (reason: string) => void, onOpen: (resumed: boolean) => void}} Handlers
 */

export class CommandError extends Error {
  /** @param {string} code @param {string} message */
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

export class Connection {
  /** @param {Handlers} handlers */
  constructor(handlers) {
    this.handlers = handlers;
    /** @type {WebSocket | null} */ this.socket = null;
    /** @type {string | null} the highest event id applied */ this.cursor = null;
    /** @type {Map<string, Pending>} */ this.pending = new Map();
    this.ready = false;
    this.stopped = false;
    this.attempts = 0;
    /** @type {number | undefined} */ this.retryTimer = undefined;
    /** @type {number | undefined} */ this.heartbeat = undefined;
    this.onOffline = () => this.drop();
    /** @type {number | undefined} a ping's deadline, or a new socket's (hello must come) */ this.late = undefined;
    this.onOnline = () => {
      if (this.ready || this.stopped) return;
      if (this.socket) this.drop(); // a socket opened while the network was away may never finish
      clearTimeout(this.retryTimer); // back on the network: try at once, not after the backoff
      this.attempts = 0;
      this.open();
    };
  }

  start() {
    this.stopped = false;
    window.addEventListener('offline', this.onOffline);
    window.addEventListener('online', this.onOnline);
    this.heartbeat = window.setInterval(() => this.beat(), HEARTBEAT_MS);
    this.open();
  }

  /**
   * A socket can stay "open" long after the network went (a laptop's lid, a lost Wi-Fi): a ping
   * the server does not answer in time gives it up, so "Reconnecting…" shows and the catch-up
   * follows as soon as the network is back.
   */
  beat() {
    if (!this.ready || this.stopped) return;
    clearTimeout(this.late);
    this.late = window.setTimeout(() => this.drop(), HEARTBEAT_TIMEOUT_MS);
    this.command({ type: 'ping' }).catch(() => undefined); // any frame that comes clears `late` (receive)
  }

  /** Give up the current socket as dead (its own close event, if it ever comes, is ignored). */
  drop() {
    const socket = this.socket;
    if (!socket || this.stopped) return;
    this.socket = null;
    socket.close(4000);
    this.closed(1006);
  }

  stop() {
    this.stopped = true;
    window.removeEventListener('offline', this.onOffline);
    window.removeEventListener('online', this.onOnline);
    clearInterval(this.heartbeat);
    clearTimeout(this.late);
    clearTimeout(this.retryTimer);
    this.socket?.close(1000);
    for (const waiting of this.pending.values()) waiting.reject(new CommandError('client.stopped', 'Signed out.'));
    this.pending.clear();
  }

  open() {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const since = this.cursor ? `?since=${encodeURIComponent(this.cursor)}` : '';
    const socket = new WebSocket(`${scheme}//${location.host}/api/v1/events/ws${since}`);
    this.socket = socket;
    clearTimeout(this.late);
    this.late = window.setTimeout(() => { if (this.socket === socket && !this.ready) this.drop(); }, CONNECT_TIMEOUT_MS);
    socket.addEventListener('message', (event) => { if (this.socket === socket) this.receive(JSON.parse(String(event.data))); });
    socket.addEventListener('close', (event) => { if (this.socket === socket) this.closed(event.code, event.reason); });
  }

  /** @param {any} frame */
  receive(frame) {
    clearTimeout(this.late); // the connection is alive: a ping's answer may wait behind others
    if (frame.type === 'hello') {
      this.attempts = 0;
      this.ready = true;
      const resumed = this.cursor !== null;
      if (!resumed) this.cursor = frame.last_event_id;
      this.handlers.onStatus('online');
      this.handlers.onOpen(resumed);
      this.flush();
      return;
    }
    if (frame.type === 'caught_up') this.cursor = frame.last_event_id;
    if (typeof frame.event_id === 'string') this.cursor = this.cursor ? maxId(this.cursor, frame.event_id) : frame.event_id;
    if ((frame.type === 'ack' || frame.type === 'error') && frame.client_id) this.settle(frame);
    this.handlers.onFrame(frame);
  }

  /** @param {any} frame */
  settle(frame) {
    const waiting = this.pending.get(frame.client_id);
    if (!waiting) return;
    this.pending.delete(frame.client_id);
    if (frame.type === 'ack') waiting.resolve(frame);
    else waiting.reject(new CommandError(frame.error.code, frame.error.message));
  }

  /** @param {number} code @param {string} [reason] the server's close reason (docs/events.md) */
  closed(code, reason = '') {
    this.ready = false;
    this.socket = null;
    if (this.stopped) return;
    if (SIGNED_OUT_CODES.has(code)) {
      this.handlers.onSignedOut(reason);
      return;
    }
    this.handlers.onStatus('reconnecting');
    // Commands other than `send` are not worth repeating after a drop.
    for (const [id, waiting] of this.pending) {
      if (waiting.command.type !== 'send') {
        this.pending.delete(id);
        waiting.reject(new CommandError('client.offline', 'The connection dropped.'));
      }
    }
    const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** this.attempts) * (0.75 + Math.random() / 2);
    this.attempts += 1;
    this.retryTimer = window.setTimeout(() => this.open(), delay);
  }

  /** Forget the cursor: the next connection starts with no state (after a gap too long to replay). */
  resetCursor() {
    this.cursor = null;
  }

  /**
   * Send a command; resolves with its ack, rejects with a CommandError.
   * @param {Command} command
   * @returns {Promise<any>}
   */
  command(command) {
    const full = { ...command, client_id: command.client_id ?? newClientId() };
    return new Promise((resolve, reject) => {
      this.pending.set(full.client_id, { command: full, resolve, reject });
      if (this.ready) this.socket?.send(JSON.stringify(full));
    });
  }

  /** Send a command only if online; no answer is awaited (typing indicators). */
  /** @param {Command} command */
  fire(command) {
    if (this.ready) this.command(command).catch(() => undefined);
  }

  flush() {
    for (const waiting of this.pending.values()) this.socket?.send(JSON.stringify(waiting.command));
  }
}
