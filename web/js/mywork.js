// "My work" (#/mine): what the signed-in user holds, what they handed off (with where it stands now)
// and what they resolved lately. Loaded from GET /api/v1/handoffs/mine (so it survives a reload), then
// kept current by the same pushed events as the queue: every list is derived from the latest
// version of each handoff, never patched by hand.
import { CardList } from "./cards.js";
import { $ } from "./dom.js";
import { standing } from "./format.js";

const RESOLVED_SHOWN = 10;

function byNewestChange(a, b) {
  return a.updated_at < b.updated_at ? 1 : a.updated_at > b.updated_at ? -1 : 0;
}

export class MyWork {
  constructor({ api, me, store, open }) {
    this.api = api;
    this.store = store;
    this.me = me;
    const onOpen = (id) => open(store.get(id));
    const status = (handoff) => standing(handoff, me);
    this.held = new CardList($("#held-list"), $("#held-empty"), $("#held-count"), { onOpen, status });
    this.created = new CardList($("#created-list"), $("#created-empty"), $("#created-count"), { onOpen, status });
    this.resolved = new CardList($("#resolved-list"), $("#resolved-empty"), $("#resolved-count"), { onOpen, status });
  }

  // Everything the API says is the caller's now: held, handed off (open or picked up), resolved lately.
  async load() {
    const lists = await Promise.all([
      this.api.mine("holder", "claimed", 100),
      this.api.mine("holder", "resolved", RESOLVED_SHOWN),
      this.api.mine("creator", "open", 100),
      this.api.mine("creator", "claimed", 100),
    ]);
    this.store.load(lists.flat());
  }

  enter() {
    this.render();
  }

  render(arrivals = new Set()) {
    const me = this.me.id;
    const latest = (id) => this.store.get(id);
    const mine = (test) => this.store.where(test).sort(byNewestChange);
    this.held.render(this.store.heldBy(me), arrivals, latest);
    this.created.render(mine((h) => h.created_by === me && (h.status === "open" || h.status === "claimed")), arrivals, latest);
    this.resolved.render(mine((h) => h.status === "resolved" && h.claimed_by === me).slice(0, RESOLVED_SHOWN), new Set(), latest);
  }

  tick() {
    for (const list of [this.held, this.created, this.resolved]) list.tick();
  }
}
