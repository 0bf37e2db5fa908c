// "My work": what the signed-in user holds, what they handed off (with where it stands now) and
// what they resolved lately. Loaded from GET /api/v1/handoffs/mine (so it survives a reload), then
// kept current by the same pushed events as the queue: every list is derived from the latest
// version of each handoff, never patched by hand.
import { QueueView, byNewestChange, standing } from "./queue.js";

const RESOLVED_SHOWN = 10;
const $ = (selector) => document.querySelector(selector);

export class MyWork {
  constructor({ store, me, onOpen }) {
    this.store = store;
    this.me = me;
    const status = (handoff) => standing(handoff, me);
    this.held = new QueueView($("#held-list"), $("#held-empty"), $("#held-count"), { onOpen, status });
    this.created = new QueueView($("#created-list"), $("#created-empty"), $("#created-count"), { onOpen, status });
    this.resolved = new QueueView($("#resolved-list"), $("#resolved-empty"), $("#resolved-count"), { onOpen, status });
  }

  // Everything the API says is the caller's now: held, handed off (open or picked up), resolved lately.
  async load(api) {
    const lists = await Promise.all([
      api.mine("holder", "claimed", 100),
      api.mine("holder", "resolved", RESOLVED_SHOWN),
      api.mine("creator", "open", 100),
      api.mine("creator", "claimed", 100),
    ]);
    for (const handoff of lists.flat()) this.store.apply(handoff);
  }

  render(arrivals = new Set()) {
    const me = this.me.id;
    const latest = (id) => this.store.handoffs.get(id);
    const mine = (test) => this.store.where(test).sort(byNewestChange);
    this.held.render(this.store.heldBy(me), arrivals, latest);
    this.created.render(mine((h) => h.created_by === me && (h.status === "open" || h.status === "claimed")), arrivals, latest);
    this.resolved.render(mine((h) => h.status === "resolved" && h.claimed_by === me).slice(0, RESOLVED_SHOWN), new Set(), latest);
  }

  tick() {
    for (const view of [this.held, this.created, this.resolved]) view.tick();
  }
}
