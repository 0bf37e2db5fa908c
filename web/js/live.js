// The live connection: ticket → WebSocket → hello/ready, pings, and reconnection with capped,
// jittered exponential backoff that resumes from the last event time, so nothing is missed.
const MAX_BACKOFF_MS = 30000;
const BASE_BACKOFF_MS = 500;

export class LiveConnection {
  constructor({ ticket, onMessage, onState, pingSeconds = 240, since }) {
    this.ticket = ticket;
    this.onMessage = onMessage;
    this.onState = onState;
    this.pingMs = pingSeconds * 1000;
    this.since = since;  // ISO time of the newest change this page has applied
    this.attempt = 0;
    this.stopped = false;
  }

  start() { this.connect(); }

  stop() {
    this.stopped = true;
    clearInterval(this.pinger);
    clearTimeout(this.retry);
    if (this.socket) this.socket.close();
    this.onState("offline");
  }

  noteChange(isoTime) {
    if (isoTime && (!this.since || isoTime > this.since)) this.since = isoTime;
  }

  async connect() {
    if (this.stopped) return;
    this.onState(this.attempt === 0 ? "connecting" : "reconnecting");
    let url;
    try {
      url = (await this.ticket()).url;
    } catch (error) {
      return this.scheduleReconnect(error);
    }
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.onopen = () => socket.send(JSON.stringify({ action: "hello" }));
    socket.onmessage = (message) => this.received(JSON.parse(message.data));
    socket.onclose = () => {
      clearInterval(this.pinger);
      if (this.socket === socket) this.scheduleReconnect();
    };
  }

  received(message) {
    if (message.type === "ready") {
      this.attempt = 0;
      document.body.dataset.connectionId = message.connection_id;  // handy when debugging a drop
      this.onState("live");
      this.pinger = setInterval(() => this.send({ action: "ping" }), this.pingMs);
      if (this.since) this.send({ action: "resume", since: this.since });
      return;
    }
    if (message.occurred_at) this.noteChange(message.occurred_at);
    if (message.handoff && message.handoff.updated_at) this.noteChange(message.handoff.updated_at);
    this.onMessage(message);
  }

  send(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  scheduleReconnect() {
    if (this.stopped) return;
    this.onState(navigator.onLine === false ? "offline" : "reconnecting");
    const cap = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** this.attempt);
    this.attempt += 1;
    const delay = cap / 2 + Math.random() * (cap / 2);  // jitter: never a thundering herd
    this.retry = setTimeout(() => this.connect(), delay);
  }
}
