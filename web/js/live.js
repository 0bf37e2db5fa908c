// Live updates. The connection: ticket → WebSocket → hello/ready → resume, a heartbeat that must be
// answered, and reconnection with capped, jittered exponential backoff. Every (re)connection resumes
// from the newest change this page has applied, so nothing made while it was away is missed; the
// network's own signals (`online`/`offline`, the tab becoming visible) are acted on at once. What it
// pushes goes into the store like any answer (by version), and the header says how it is doing.
import { $, setStale, showNotice } from "./dom.js";
import { clock } from "./format.js";
import { Heartbeat } from "./heartbeat.js";

const MAX_BACKOFF_MS = 30000;
const BASE_BACKOFF_MS = 500;
const LABELS = {
  live: "Live", catching: "Catching up…", connecting: "Connecting…", reconnecting: "Reconnecting…", offline: "Offline", closed: "Disconnected",
};
const STALE = new Set(["offline", "closed"]);  // what the page shows may be behind: dimmed, and no actions

// The header's indicator, in words as well as colour; offline (or closed), the page says since when it is behind.
function showConnection(status, { lastHeard = null } = {}) {
  const badge = $("#connection");
  badge.hidden = false;
  badge.dataset.state = status;
  badge.textContent = LABELS[status] || status;
  setStale(STALE.has(status) ? clock(lastHeard || new Date().toISOString()) : null, LABELS[status]);
}

// Pushed handoff events into `store`; `onEvent(message)` hears each of them too. Returns the connection.
export function startLiveUpdates({ api, config, store, since, onEvent }) {
  const live = new LiveConnection({
    ticket: () => api.ticket(),
    onMessage: (message) => {
      if (message.handoff && message.type.startsWith("handoff_")) {
        store.apply(message.handoff, message);
        onEvent(message);
      } else if (message.type === "closed") showNotice(message.detail);
      else if (message.type === "error") console.warn("baton live:", message.detail);
    },
    onState: showConnection,
    pingSeconds: config.pingSeconds,
    pongTimeoutSeconds: config.pongTimeoutSeconds,
    since,
  });
  live.start();
  return live;
}

export class LiveConnection {
  constructor({ ticket, onMessage, onState, pingSeconds = 240, pongTimeoutSeconds = 5, since }) {
    this.ticket = ticket;
    this.onMessage = onMessage;
    this.onState = onState;
    this.since = since;  // ISO time of the newest change this page has applied
    this.attempt = 0;
    this.stopped = false;
    this.socket = null;
    this.retry = null;
    this.heartbeat = new Heartbeat({
      send: (message) => this.send(message),
      onDead: () => this.drop("no answer to a ping"),
      everyMs: pingSeconds * 1000,
      timeoutMs: pongTimeoutSeconds * 1000,
    });
    this.listeners = {
      offline: () => this.wentOffline(),
      online: () => this.reconnectNow(),
      visibilitychange: () => { if (!document.hidden) this.checkNow(); },
    };
  }

  start() {
    addEventListener("offline", this.listeners.offline);
    addEventListener("online", this.listeners.online);
    document.addEventListener("visibilitychange", this.listeners.visibilitychange);
    if (navigator.onLine === false) return this.wentOffline();
    return this.connect();
  }

  stop() {
    this.stopped = true;
    removeEventListener("offline", this.listeners.offline);
    removeEventListener("online", this.listeners.online);
    document.removeEventListener("visibilitychange", this.listeners.visibilitychange);
    this.closeSocket();
    clearTimeout(this.retry);
  }

  noteChange(isoTime) {
    if (isoTime && (!this.since || isoTime > this.since)) this.since = isoTime;
  }

  async connect() {
    if (this.stopped || this.connecting || this.socket) return;
    clearTimeout(this.retry);
    this.retry = null;
    this.onState(this.attempt === 0 ? "connecting" : "reconnecting");
    let url;
    this.connecting = true;
    try {
      url = (await this.ticket()).url;
    } catch (error) {
      // Refused (403: no longer a member, or a viewer now): retrying cannot help; say why and stop.
      if (error && error.status === 403) return this.closedByServer({ type: "closed", detail: error.message });
      return this.scheduleReconnect();
    } finally {
      this.connecting = false;
    }
    if (this.stopped || this.socket || navigator.onLine === false) return;
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.onopen = () => socket.send(JSON.stringify({ action: "hello" }));
    socket.onmessage = (message) => { if (this.socket === socket) this.received(JSON.parse(message.data)); };
    socket.onclose = () => {
      if (this.socket !== socket) return;  // a socket we dropped on purpose
      this.socket = null;
      this.heartbeat.stop();
      this.scheduleReconnect();
    };
  }

  received(message) {
    this.lastHeard = new Date().toISOString();
    if (message.type === "pong") {
      this.heartbeat.pong();
      // The account changed after the newest change we applied: a push is late or lost. Catch up now.
      if (message.changed_at && this.since && message.changed_at > this.since && !this.resumingFrom) this.catchUp();
      return;
    }
    if (message.type === "ready") {
      this.attempt = 0;
      document.body.dataset.connectionId = message.connection_id;  // handy when debugging a drop
      this.onState("live");
      this.heartbeat.start();
      // After every (re)connection: what changed since the newest change we applied (a pong that shows the page
      // is behind says "Catching up" until it has caught up).
      if (this.since) this.resume(this.since);
      return;
    }
    if (message.type === "closed") return this.closedByServer(message);
    if (message.type === "resumed") this.resumed(message);
    if (message.handoff && message.handoff.updated_at) this.noteChange(message.handoff.updated_at);
    this.onMessage(message);
  }

  // "Catching up" until the resume's last page has come: the badge never says "Live" while the page is behind.
  catchUp() {
    this.catching = true;
    this.onState("catching");
    this.resume(this.since);
  }

  resume(since) {
    this.resumingFrom = since;
    this.send({ action: "resume", since });
  }

  // A resume sends one page of changes, oldest first; `more` says newer ones were left out: ask again from
  // `next_since` until none are. Were a page not to move forward (more changes in one millisecond than a
  // page holds), time alone could not page them: the page reloads and reads everything afresh.
  resumed(message) {
    if (!message.more) {
      this.resumingFrom = null;
      if (this.socket && this.catching) this.onState("live");
      this.catching = false;
      return;
    }
    if (message.next_since > this.resumingFrom) this.resume(message.next_since);
    else location.reload();
  }

  // The server ended this connection on purpose (removed from the account, made a viewer): say why, and stay
  // disconnected (a reconnection would be refused).
  closedByServer(message) {
    this.onMessage(message);
    this.stop();
    this.onState("closed", { lastHeard: this.lastHeard });
  }

  send(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  // The socket cannot be trusted any more: forget it and connect anew.
  drop(why) {
    console.info("baton live: reconnecting,", why);
    this.resumingFrom = null;
    this.catching = false;
    this.closeSocket();
    this.scheduleReconnect();
  }

  closeSocket() {
    this.heartbeat.stop();
    const socket = this.socket;
    this.socket = null;
    if (socket) socket.close();
  }

  wentOffline() {
    this.closeSocket();
    clearTimeout(this.retry);
    this.retry = null;
    this.resumingFrom = null;
    this.catching = false;
    this.onState("offline", { lastHeard: this.lastHeard });
  }

  reconnectNow() {
    if (this.stopped || this.socket) return;
    this.attempt = 0;
    this.connect();
  }

  checkNow() {
    if (this.socket) this.heartbeat.check();
    else if (navigator.onLine !== false) this.reconnectNow();
  }

  scheduleReconnect() {
    if (this.stopped) return;
    if (navigator.onLine === false) return this.wentOffline();  // `online` reconnects
    this.onState("reconnecting");
    const cap = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** this.attempt);
    this.attempt += 1;
    const delay = cap / 2 + Math.random() * (cap / 2);  // jitter: never a thundering herd
    clearTimeout(this.retry);
    this.retry = setTimeout(() => this.connect(), delay);
  }
}
