// A list of handoff cards (the open queue, "Picked up by you", the lists of "My work"). Keyed
// rendering: cards keep their element (and focus) across updates; only new arrivals animate.
import { el, isStale } from "./dom.js";
import { clock, kind, sla, waitingFor } from "./format.js";

// [field, label, how its value reads (default: as it is)]; a PSA ticket reads "connectwise #4711".
const TRIAGE = [
  ["ticket_ref", "Ticket"],
  ["client_name", "Client"],
  ["confidence_tier", "Tier"],
  ["psa_ticket", "PSA", (ticket) => `${ticket.connector} #${ticket.id}`],
];
const SHOW_STEP = 25;

// `onPickUp` (open queue) adds a Pick Up button; `onOpen` a button that opens the context screen;
// `status` (my work) a line saying where each handoff stands; `mine(handoff)` marks the caller's own
// handoffs, which get no Pick Up shortcut (their Details list what the caller may do with them).
export class CardList {
  constructor(list, empty, count, { onPickUp = null, onOpen, status = null, more = null, pill = null, mine = () => false }) {
    this.list = list;
    this.empty = empty;
    this.count = count;
    this.onPickUp = onPickUp;
    this.onOpen = onOpen;
    this.status = status;
    this.mine = mine;
    this.more = more;  // a "Show more" button: cards are shown SHOW_STEP at a time
    this.pill = pill;  // an "N new" button for arrivals out of sight
    this.limit = more ? SHOW_STEP : Infinity;
    this.cards = new Map();
    this.taken = new Map();  // id -> version we saw open when we lost the claim: "picked up by …" while true
    this.unseen = new Set();  // arrivals not seen yet
    this.latest = null;
    this.observer = pill ? new IntersectionObserver((seen) => this.seen(seen), { threshold: 0.6 }) : null;
    if (more) more.addEventListener("click", () => this.showMore());
    if (pill) pill.addEventListener("click", () => this.revealNew());
  }

  // `handoffs`: what the list holds now, in order; `latest(id)`: the newest state of any handoff.
  render(handoffs, arrivals = new Set(), latest = null) {
    this.latest = latest || this.latest;
    this.handoffs = handoffs;
    const all = [...handoffs];
    for (const [id, lostAt] of [...this.taken]) {
      const now = this.latest && this.latest(id);
      // A lost claim shows who has it only while that is true: open again (a newer version), it is a plain card.
      if (!now || (now.status === "open" && now.version > lostAt)) this.taken.delete(id);
      else if (!all.some((h) => h.id === id)) all.unshift(now);
    }
    const shown = all.slice(0, this.limit);
    const keep = new Set(shown.map((h) => h.id));
    for (const [id, card] of this.cards) {
      if (!keep.has(id)) {
        if (this.observer) this.observer.unobserve(card);
        card.remove();
        this.cards.delete(id);
      }
    }
    shown.forEach((handoff, index) => {
      let card = this.cards.get(handoff.id);
      if (!card) {
        card = this.card(handoff);
        if (arrivals.has(handoff.id)) card.classList.add("arriving");
        this.cards.set(handoff.id, card);
      }
      this.update(card, handoff);
      if (this.list.children[index] !== card) this.list.insertBefore(card, this.list.children[index] || null);
    });
    if (this.empty) this.empty.hidden = all.length > 0;
    if (this.count) this.count.textContent = `(${handoffs.length})`;
    if (this.more) {
      const hidden = all.length - shown.length;
      this.more.hidden = hidden <= 0;
      this.more.textContent = `Show ${Math.min(hidden, SHOW_STEP)} more (${hidden} not shown)`;
    }
    for (const id of arrivals) this.arrived(id);
    for (const id of [...this.unseen]) if (!all.some((h) => h.id === id)) this.unseen.delete(id);
    this.renderPill();
    return all.length;
  }

  arrived(id) {
    if (!this.pill) return;
    this.unseen.add(id);
    const card = this.cards.get(id);
    if (card) this.observer.observe(card);
  }

  seen(entries) {
    for (const entry of entries) {
      if (!entry.isIntersecting || document.hidden) continue;
      this.unseen.delete(entry.target.dataset.id);
      this.observer.unobserve(entry.target);
    }
    this.renderPill();
  }

  renderPill() {
    if (!this.pill) return;
    const n = this.unseen.size;
    this.pill.hidden = n === 0;
    const first = (this.handoffs || []).find((h) => this.unseen.has(h.id));
    const card = first && this.cards.get(first.id);
    const above = card && card.getBoundingClientRect().bottom < 0;
    this.pill.textContent = `${n} new ${above ? "↑" : "↓"}`;
    this.pill.setAttribute("aria-label", `Show ${n} new handoff${n === 1 ? "" : "s"}`);
  }

  // The first unseen arrival: shown (past the paging limit if need be), scrolled to, focused.
  revealNew() {
    const order = (this.handoffs || []).map((h) => h.id);
    const first = order.find((id) => this.unseen.has(id));
    if (!first) return this.renderPill();
    const position = order.indexOf(first);
    if (position >= this.limit) {
      this.limit = position + 1;
      this.render(this.handoffs);
    }
    const card = this.cards.get(first);
    this.unseen.delete(first);
    this.renderPill();
    card.scrollIntoView({ block: "center" });
    card.querySelector("article").focus();
  }

  showMore() {
    const firstNew = this.limit;
    this.limit += SHOW_STEP;
    this.render(this.handoffs);
    const card = this.list.children[firstNew];
    if (card) card.querySelector("article").focus();
  }

  card(handoff) {
    const card = el("li", { className: "card" });
    card.dataset.id = handoff.id;
    card.innerHTML = `
      <article aria-labelledby="t-${handoff.id}" tabindex="-1">
        <header>
          <span class="badge"></span>
          <span class="priority" hidden></span>
          <h3 id="t-${handoff.id}"></h3>
          <span class="age"></span>
        </header>
        <dl class="triage"></dl>
        <p class="sla" hidden><span class="sla-icon" aria-hidden="true"></span><span class="sla-text"></span></p>
        <p class="standing" hidden></p>
        <p class="notes"></p>
        <p class="resolution" hidden></p>
        <p class="outcome" role="status"></p>
        <div class="buttons"></div>
      </article>`;
    const buttons = card.querySelector(".buttons");
    if (this.onPickUp) {
      const pickUp = this.button("pickup", "Pick Up");
      pickUp.addEventListener("click", () => this.onPickUp(handoff.id, card));
      buttons.append(pickUp);
    }
    const open = this.button(this.onPickUp ? "open secondary" : "open", this.onPickUp ? "Details" : "Open");
    open.addEventListener("click", () => this.onOpen(handoff.id));
    buttons.append(open);
    return card;
  }

  button(className, label) {
    return el("button", { type: "button", className, textContent: label });
  }

  update(card, handoff) {
    const session = handoff.session || {};
    if (card.dataset.version !== String(handoff.version)) delete card.dataset.refusal;  // said of an older state
    card.dataset.intent = handoff.intent;
    card.dataset.created = handoff.created_at;
    card.dataset.status = handoff.status;
    card.dataset.version = handoff.version;
    card.dataset.priority = session.priority || "";
    card.querySelector(".badge").textContent = handoff.intent === "escalate" ? "Escalation" : "Parked";
    const priority = card.querySelector(".priority");
    priority.hidden = !session.priority;
    priority.innerHTML = '<span class="visually-hidden">Priority </span>';
    priority.append(session.priority || "");
    priority.dataset.priority = session.priority || "";
    card.querySelector("h3").textContent = session.subject || `${kind(handoff)[0].toUpperCase()}${kind(handoff).slice(1)} from ${handoff.created_by_name}`;
    card.querySelector(".age").textContent = handoff.status === "open" ? waitingFor(handoff.created_at) : "";
    this.updateSla(card, handoff);
    const rows = [
      ...TRIAGE.filter(([field]) => session[field]).map(([field, name, shown = (value) => value]) => [name, shown(session[field])]),
    ];
    rows.push(["From", handoff.created_by_name]);
    card.querySelector(".triage").replaceChildren(
      ...rows.map(([name, value]) => el("div", {}, el("dt", { textContent: name }), el("dd", { textContent: value }))),
    );
    const own = this.mine(handoff);
    const standingLine = card.querySelector(".standing");
    standingLine.hidden = !this.status && !own;
    standingLine.textContent = this.status ? this.status(handoff) : own ? "You handed this off." : "";
    card.querySelector(".notes").textContent = handoff.engineer_notes || "(no notes)";
    const resolution = card.querySelector(".resolution");
    resolution.hidden = !(handoff.status === "resolved" && handoff.resolution_notes);
    resolution.textContent = resolution.hidden ? "" : `What fixed it: ${handoff.resolution_notes}`;
    const lost = this.taken.has(handoff.id) && handoff.status !== "open";
    card.dataset.taken = lost ? "true" : "false";
    card.querySelector(".outcome").textContent = lost ? lostLine(handoff) : card.dataset.refusal || "";
    const what = `the ${kind(handoff)} from ${handoff.created_by_name}${session.subject ? ` (${session.subject})` : ""}`;
    card.querySelector(".open").setAttribute("aria-label", `${this.onPickUp ? "Details of" : "Open"} ${what}`);
    const button = card.querySelector(".pickup");
    if (!button) return;
    button.hidden = own && !lost;
    button.textContent = lost ? "Dismiss" : "Pick Up";
    button.setAttribute("aria-label", `${lost ? "Dismiss" : "Pick up"} ${what}`);
    button.disabled = isStale();
  }

  updateSla(card, handoff) {
    const line = card.querySelector(".sla");
    const state = sla(handoff);
    line.hidden = !state;
    card.dataset.sla = state ? state.tone : "";
    if (!state) return;
    line.dataset.tone = state.tone;
    // Glyphs from DejaVu Sans (the emoji clocks render as empty boxes where no emoji font is installed)
    line.querySelector(".sla-icon").textContent = state.tone === "overdue" ? "⚠ " : state.tone === "soon" ? "◕ " : "◔ ";
    line.querySelector(".sla-text").textContent = state.text;
  }

  // A refusal the server gave for this card (e.g. Pick Up of one's own escalation), until it changes.
  refuse(id, sentence) {
    const card = this.cards.get(id);
    if (!card) return;
    card.dataset.refusal = sentence;
    card.querySelector(".outcome").textContent = sentence;
  }

  markTaken(id, version) { this.taken.set(id, version); }
  dismiss(id) { this.taken.delete(id); }
  isTaken(id) { return this.taken.has(id); }

  tick() {
    for (const card of this.cards.values()) {
      const handoff = this.latest && this.latest(card.dataset.id);
      if (!handoff) continue;
      if (handoff.status === "open") card.querySelector(".age").textContent = waitingFor(handoff.created_at);
      this.updateSla(card, handoff);
      if (this.status) card.querySelector(".standing").textContent = this.status(handoff);
    }
  }
}

function lostLine(handoff) {
  if (handoff.status === "claimed") return `Picked up by ${handoff.claimed_by_name || "someone else"} at ${clock(handoff.claimed_at)}.`;
  return `No longer open: ${handoff.status}.`;
}
