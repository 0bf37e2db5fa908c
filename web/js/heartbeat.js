// An application-level heartbeat: a ping every `everyMs`, which must be answered by a pong within
// `timeoutMs`, else `onDead()` (the caller drops the socket and reconnects). A TCP connection can
// look open for minutes after the network went away; only an answer proves the path still works.
export class Heartbeat {
  constructor({ send, onDead, everyMs, timeoutMs }) {
    this.send = send;
    this.onDead = onDead;
    this.everyMs = everyMs;
    this.timeoutMs = timeoutMs;
    this.interval = null;
    this.deadline = null;
  }

  start() {
    this.stop();
    this.interval = setInterval(() => this.check(), this.everyMs);
  }

  // Ping now (e.g. when the tab becomes visible or the network comes back); one check at a time.
  check() {
    if (this.deadline) return;
    this.deadline = setTimeout(() => {
      this.deadline = null;
      this.stop();
      this.onDead();
    }, this.timeoutMs);
    this.send({ action: "ping" });
  }

  pong() {
    clearTimeout(this.deadline);
    this.deadline = null;
  }

  stop() {
    clearInterval(this.interval);
    clearTimeout(this.deadline);
    this.interval = null;
    this.deadline = null;
  }
}
