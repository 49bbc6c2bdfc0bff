// The tab's one websocket to /ws/ (docs/realtime.md), shared by every module of the page.
//
// - Reconnects after a drop with exponential backoff and full jitter, at once when the browser
//   comes back online, and never while it is offline.
// - On every (re)connect its FIRST frame is `resume`, with the last message id seen in each
//   tracked group, so whatever was missed arrives once, in order, before anything new.
// - `message.send` frames carry a client_id and stay queued until acked: they are sent again
//   after a reconnect (the server answers a repeated client_id with the original message),
//   and after an `unavailable` error (the server could not store it now), with the same
//   backoff; meanwhile the state is "reconnecting".
// - A ping every 25 s; no pong within 10 s means the connection is dead, and it is replaced.
//
// Events (EventTarget): "state" ({state, retryIn}) and one per server frame type
// ("message.new", "message.ack", "message.updated", "typing", "group.added", ...), with the
// frame as `detail`.

const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 30_000;
const PING_EVERY_MS = 25_000;
const PONG_WITHIN_MS = 10_000;
const CLOSE_UNAUTHENTICATED = 4401;
const TRY_AGAIN = "unavailable"; // an error the same frame may get past later

export class ChatSocket extends EventTarget {
  #url;
  #ws = null;
  #attempt = 0;
  #state = "connecting";
  #cursors = new Map(); // tracked group id -> last message id seen
  #unacked = new Map(); // client_id -> message.send frame, until its ack or error
  #later = []; // other frames waiting for the connection (read markers)
  #retryTimer = null;
  #resendAttempt = 0;
  #resendTimer = null;
  #pingTimer = null;
  #pongTimer = null;

  constructor(url) {
    super();
    this.#url = url;
    window.addEventListener("online", () => this.#reconnectNow());
    window.addEventListener("offline", () => this.#drop("offline"));
    this.#connect();
  }

  get state() {
    return this.#state;
  }

  /** Follow a group from a message id on: each resume asks for everything after the last
   *  message seen in it. */
  track(groupId, lastSeenId) {
    const key = String(groupId);
    this.#cursors.set(key, Math.max(lastSeenId, this.#cursors.get(key) ?? 0));
  }

  untrack(groupId) {
    this.#cursors.delete(String(groupId));
  }

  /** Send a message; it is retried over reconnects until acked. */
  sendMessage({ group, body, clientId, attachments = [] }) {
    const frame = { type: "message.send", group, body, client_id: clientId };
    if (attachments.length) frame.attachments = attachments;
    this.#unacked.set(clientId, frame);
    if (this.#state === "open") this.#write(frame);
  }

  /** A frame that only matters while connected (typing): dropped when offline. */
  sendNow(frame) {
    if (this.#state === "open") this.#write(frame);
  }

  /** A frame that must arrive (a read marker): queued until connected; replaces an older
   *  frame of the same type and group. */
  sendWhenConnected(frame) {
    this.#later = this.#later.filter((f) => f.type !== frame.type || f.group !== frame.group);
    if (this.#state === "open") this.#write(frame);
    else this.#later.push(frame);
  }

  #setState(state, extra = {}) {
    this.#state = state;
    this.dispatchEvent(new CustomEvent("state", { detail: { state, ...extra } }));
  }

  #connect() {
    clearTimeout(this.#retryTimer);
    if (!navigator.onLine) {
      this.#setState("offline");
      return;
    }
    this.#setState(this.#attempt === 0 ? "connecting" : "reconnecting");
    const ws = new WebSocket(this.#url);
    this.#ws = ws;
    ws.addEventListener("open", () => {
      if (this.#ws !== ws) return;
      this.#setState("resuming");
      this.#resume();
      this.#heartbeat();
    });
    ws.addEventListener("message", (event) => {
      if (this.#ws === ws) this.#receive(event.data);
    });
    ws.addEventListener("close", (event) => {
      if (this.#ws !== ws) return;
      this.#ws = null;
      this.#stopHeartbeat();
      if (event.code === CLOSE_UNAUTHENTICATED) {
        this.#setState("signed-out");
        return;
      }
      this.#scheduleReconnect();
    });
  }

  #resume() {
    this.#write({ type: "resume", groups: Object.fromEntries(this.#cursors) });
  }

  #receive(text) {
    let frame;
    try {
      frame = JSON.parse(text);
    } catch {
      return;
    }
    switch (frame.type) {
      case "pong":
        clearTimeout(this.#pongTimer);
        return;
      case "resume.done":
        if (frame.has_more) this.#resume();
        else this.#opened();
        return;
      case "message.new":
        if (this.#cursors.has(String(frame.message.group))) {
          this.track(frame.message.group, frame.message.id);
        }
        break;
      case "group.removed":
        this.untrack(frame.group);
        break;
      case "message.ack":
        this.#unacked.delete(frame.client_id);
        if (this.#resendAttempt > 0) {
          this.#resendAttempt = 0;
          if (this.#state === "reconnecting" && this.#ws?.readyState === WebSocket.OPEN) {
            this.#opened();
          }
        }
        break;
      case "error":
        if (frame.code === TRY_AGAIN && this.#unacked.has(frame.client_id)) {
          this.#resendLater();
          return; // not a failure of the message: it is sent again
        }
        if (frame.client_id != null) {
          this.#unacked.delete(frame.client_id);
        } else if (this.#state === "resuming") {
          // A tracked group was left while the tab was away: resume nothing rather than stall.
          this.#cursors.clear();
          this.#resume();
        }
        break;
    }
    this.dispatchEvent(new CustomEvent(frame.type, { detail: frame }));
  }

  #opened() {
    this.#attempt = 0;
    this.#setState("open");
    for (const frame of this.#unacked.values()) this.#write(frame);
    const later = this.#later;
    this.#later = [];
    for (const frame of later) this.#write(frame);
  }

  /** The server could not store a message now: send the unacked ones again after a backoff
   *  with full jitter, saying "reconnecting" meanwhile. */
  #resendLater() {
    if (this.#resendTimer !== null) return;
    const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** this.#resendAttempt);
    this.#resendAttempt += 1;
    if (this.#state === "open") this.#setState("reconnecting");
    this.#resendTimer = setTimeout(() => {
      this.#resendTimer = null;
      for (const frame of this.#unacked.values()) this.#write(frame);
    }, Math.round(Math.random() * ceiling));
  }

  #write(frame) {
    if (this.#ws?.readyState === WebSocket.OPEN) this.#ws.send(JSON.stringify(frame));
  }

  #heartbeat() {
    this.#stopHeartbeat();
    this.#pingTimer = setInterval(() => {
      this.#write({ type: "ping" });
      clearTimeout(this.#pongTimer);
      this.#pongTimer = setTimeout(() => this.#drop("reconnecting"), PONG_WITHIN_MS);
    }, PING_EVERY_MS);
  }

  #stopHeartbeat() {
    clearInterval(this.#pingTimer);
    clearTimeout(this.#pongTimer);
  }

  /** Let go of the current connection (dead or offline) without waiting for its close. */
  #drop(state) {
    const ws = this.#ws;
    this.#ws = null;
    this.#stopHeartbeat();
    ws?.close();
    if (state === "offline") {
      clearTimeout(this.#retryTimer);
      this.#setState("offline");
    } else {
      this.#scheduleReconnect();
    }
  }

  #scheduleReconnect() {
    if (!navigator.onLine) {
      this.#setState("offline");
      return;
    }
    const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** this.#attempt);
    const delay = Math.round(Math.random() * ceiling); // full jitter
    this.#attempt += 1;
    this.#setState("waiting", { retryIn: delay });
    this.#retryTimer = setTimeout(() => this.#connect(), delay);
  }

  #reconnectNow() {
    if (this.#ws !== null) return;
    this.#attempt = 0;
    this.#connect();
  }
}

let shared = null;

/** The tab's socket, opened on first use. */
export function getSocket() {
  if (shared === null) {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    shared = new ChatSocket(`${scheme}://${location.host}/ws/`);
  }
  return shared;
}
