// The open queue (#/queue): filtered by intent, searched, sorted, paged; Pick Up right on a card; and
// above it the handoffs the signed-in user holds ("Picked up by you"). Every list is drawn from the
// store's latest version of each handoff.
import { ApiError } from "./api.js";
import { CardList } from "./cards.js";
import { $, announce, busy } from "./dom.js";
import { HandoffStore, byAge } from "./store.js";

export { HandoffStore as QueueState };  // its name here before store.js (the browser test of versions imports it)

const QUEUE_FETCH_MAX = 1000;  // handoffs read at start, 200 a page; beyond that, search narrows
const PRIORITY_RANK = { P1: 1, P2: 2, P3: 3, P4: 4 };
const SEARCHED = ["ticket_ref", "client_name", "subject"];
// The card's own shortcut (the context screen's buttons say what the answer's `actions` say).
const PICKED_UP = "Picked up: it is yours. The notes, timeline and conversation are below.";

// The default order: overdue first (the highest level first), then by priority, then the oldest.
function byPriority(a, b) {
  const rank = (h) => PRIORITY_RANK[(h.session || {}).priority] || 9;
  return (b.overdue_level || 0) - (a.overdue_level || 0) || rank(a) - rank(b) || byAge(a, b);
}

const SORTS = { priority: byPriority, age: byAge };

// Ticket, client, subject or a person's name contains every word of `text` (any case).
function matches(handoff, text) {
  const words = text.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return true;
  const session = handoff.session || {};
  const haystack = [...SEARCHED.map((field) => session[field]), handoff.created_by_name, handoff.claimed_by_name]
    .filter(Boolean).join(" ").toLowerCase();
  return words.every((word) => haystack.includes(word));
}

export class QueueScreen {
  // `open(handoff, note)` goes to a handoff's context screen, saying `note` there.
  constructor({ api, me, store, open }) {
    this.api = api;
    this.me = me;
    this.store = store;
    this.open = open;
    this.filter = { intent: "", search: "", sort: "priority" };
    this.heldCount = 0;
    const onOpen = (id) => open(store.get(id));
    this.view = new CardList($("#queue-list"), null, $("#queue-count"), {
      onPickUp: (id, card) => this.pickUp(id, card), onOpen, more: $("#queue-more"), pill: $("#queue-new"),
      mine: (handoff) => handoff.created_by === me.id,
    });
    this.held = new CardList($("#mine-list"), null, $("#mine-count"), { onOpen });
    for (const radio of document.querySelectorAll('#queue .filters input[name="intent"]')) {
      radio.addEventListener("change", () => this.setFilter({ intent: radio.value }));
    }
    $("#queue-search").addEventListener("input", (event) => this.setFilter({ search: event.target.value }));
    $("#queue-sort").addEventListener("change", (event) => this.setFilter({ sort: event.target.value }));
  }

  // The open queue at start, oldest first, up to QUEUE_FETCH_MAX.
  async load() {
    let cursor = "";
    let read = 0;
    do {
      const page = await this.api.queuePage(cursor, 200);
      this.store.load(page.items);
      read += page.items.length;
      cursor = page.next;
    } while (cursor && read < QUEUE_FETCH_MAX);
    this.say(cursor ? `More than ${QUEUE_FETCH_MAX} handoffs are open; the oldest ${QUEUE_FETCH_MAX} and every new one are shown.` : "");
  }

  enter() {
    this.render();
  }

  // "Picked up by you" sits above the queue, while the queue is shown and the user holds something.
  shown(visible) {
    $("#mine").hidden = !visible || this.heldCount === 0;
  }

  setFilter(change) {
    this.filter = { ...this.filter, ...change };
    this.render();
  }

  items() {
    const { intent, search, sort } = this.filter;
    const open = this.store.open(intent).sort(SORTS[sort]);
    return search ? open.filter((h) => matches(h, search)) : open;
  }

  render(arrivals = new Set()) {
    const latest = (id) => this.store.get(id);
    const items = this.items();
    const open = this.store.open(this.filter.intent).length;
    this.view.render(items, arrivals, latest);
    $("#queue-no-match").hidden = !this.filter.search || items.length > 0 || open === 0;
    $("#queue-empty").hidden = open > 0 || this.view.taken.size > 0;
    this.heldCount = this.held.render(this.store.heldBy(this.me.id), arrivals, latest);
    this.shown(!$("#queue").hidden);
  }

  tick() {
    this.view.tick();
    this.held.tick();
  }

  say(text) {
    $("#queue-message").textContent = text;
  }

  async pickUp(id, card) {
    if (this.view.isTaken(id)) {
      this.view.dismiss(id);
      this.render();
      return $("#queue-title").focus();
    }
    const handoff = this.store.get(id);
    const button = card.querySelector(".pickup");
    const ready = busy(button, "Picking up…");
    try {
      const claimed = await this.api.act(handoff, "claim");
      this.store.apply(claimed);
      this.open(claimed, PICKED_UP);
    } catch (error) {
      if (error instanceof ApiError && error.status === 409 && error.body.claimed_by) {
        await this.lostTheRace(handoff, error);
      } else {
        ready();
        this.view.refuse(id, error.message);
        button.focus();
      }
    }
  }

  // Someone else was first: the card says who, from the handoff's latest version (read now, since
  // their event may not have arrived yet), and stays until dismissed or until it is open again.
  async lostTheRace(handoff, error) {
    this.view.markTaken(handoff.id, handoff.version);
    try {
      this.store.apply((await this.api.context(handoff.session_id, handoff.id)).handoff);
    } catch (readError) {
      console.warn("baton: could not read the handoff after a lost claim", readError);
    }
    this.render();
    announce(`Already picked up by ${error.body.claimed_by_name || "someone else"}.`);
    const card = this.view.cards.get(handoff.id);
    if (card) card.querySelector(".pickup").focus();
  }
}
