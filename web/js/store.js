// The handoffs this page knows, each at the newest version it has seen. It changes in one way only,
// `apply`, and tells its subscribers what changed: the lists, the context screen and the screen
// reader all follow from the same change, never from their own copies.
export function byAge(a, b) {
  return a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0;
}

export class HandoffStore {
  constructor() {
    this.handoffs = new Map();
    this.subscribers = new Set();
  }

  // `listener({handoff, known, event})` after each change: `known` is the version before (or
  // undefined), `event` the pushed envelope ({type, actor, timeline_entry}) or null for our own answers.
  subscribe(listener) {
    this.subscribers.add(listener);
    return () => this.subscribers.delete(listener);
  }

  // Returns true when the handoff changed what we know, and tells the subscribers.
  apply(handoff, event = null) {
    const known = this.handoffs.get(handoff.id);
    if (!this.keep(handoff)) return false;
    for (const listener of this.subscribers) listener({ handoff, known, event });
    return true;
  }

  // Many at once, read from the API at start, without a notice each: the caller draws once afterwards.
  load(handoffs) {
    for (const handoff of handoffs) this.keep(handoff);
  }

  // An older or repeated version never wins.
  keep(handoff) {
    const known = this.handoffs.get(handoff.id);
    if (known && known.version >= handoff.version) return false;
    this.handoffs.set(handoff.id, handoff);
    return true;
  }

  get(id) { return this.handoffs.get(id); }

  open(intent) {
    return this.where((h) => h.status === "open" && (!intent || h.intent === intent));
  }

  // What `userId` holds now: picked up or handed to them.
  heldBy(userId) {
    return this.where((h) => h.status === "claimed" && h.claimed_by === userId);
  }

  where(test) {
    return [...this.handoffs.values()].filter(test).sort(byAge);
  }
}
