// "My work" (#/mine): what the signed-in user holds, what they handed off (with where it stands now)
// and what they resolved lately. Loaded from GET /api/v1/handoffs/mine (so it survives a reload), then
// kept current by the same pushed events as the queue: every list is derived from the latest
// version of each handoff, never patched by hand.
import { CardList } from "./cards.js";
import { $ } from "./dom.js";
import { standing } from "./format.js";

const RESOLVED_SHOWN = 10;
const CREATED_ENDED = 25;  // the creator's resolved and withdrawn handoffs read at start, each
// The creator's list, by its filter: what each choice keeps, and what the empty list says then.
const CREATED_FILTERS = {
  active: { keep: (h) => h.status === "open" || h.status === "claimed", empty: "Nothing handed off by you is waiting or being worked on." },
  resolved: { keep: (h) => h.status === "resolved", empty: "None of your handoffs has been resolved lately." },
  withdrawn: { keep: (h) => h.status === "withdrawn", empty: "You have not withdrawn a handoff lately." },
  all: { keep: () => true, empty: "You have not handed anything off yet." },
};

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
    this.createdFilter = "active";
    for (const radio of document.querySelectorAll('input[name="created-status"]')) {
      radio.addEventListener("change", () => {
        this.createdFilter = radio.value;
        this.render();
      });
    }
  }

  // Everything the API says is the caller's now: held, handed off (open or picked up), resolved lately.
  async load() {
    const lists = await Promise.all([
      this.api.mine("holder", "claimed", 100),
      this.api.mine("holder", "resolved", RESOLVED_SHOWN),
      this.api.mine("creator", "open", 100),
      this.api.mine("creator", "claimed", 100),
      this.api.mine("creator", "resolved", CREATED_ENDED),
      this.api.mine("creator", "withdrawn", CREATED_ENDED),
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
    const filter = CREATED_FILTERS[this.createdFilter];
    $("#created-empty").textContent = filter.empty;
    this.created.render(mine((h) => h.created_by === me && filter.keep(h)), arrivals, latest);
    this.resolved.render(mine((h) => h.status === "resolved" && h.claimed_by === me).slice(0, RESOLVED_SHOWN), new Set(), latest);
  }

  tick() {
    for (const list of [this.held, this.created, this.resolved]) list.tick();
  }
}
