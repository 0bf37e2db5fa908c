// The open queue, applied by version: a late or duplicate event never resurrects a claimed handoff.
export class QueueState {
  constructor() { this.handoffs = new Map(); }

  // Returns true when the handoff changed what we know.
  apply(handoff) {
    const known = this.handoffs.get(handoff.id);
    if (known && known.version >= handoff.version) return false;
    this.handoffs.set(handoff.id, handoff);
    return true;
  }

  open(intent) {
    return this.where((h) => h.status === "open" && (!intent || h.intent === intent));
  }

  // What `userId` holds now: picked up or handed to them (as far as this page has seen).
  heldBy(userId) {
    return this.where((h) => h.status === "claimed" && h.claimed_by === userId);
  }

  where(test) {
    return [...this.handoffs.values()].filter(test).sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0));
  }
}

const TRIAGE = [["ticket_ref", "Ticket"], ["client_name", "Client"], ["confidence_tier", "Confidence"]];

export function kind(handoff) {
  return handoff.intent === "escalate" ? "escalation" : "parked session";
}

export function waitingFor(createdAt, now = Date.now()) {
  const minutes = Math.max(0, Math.floor((now - Date.parse(createdAt)) / 60000));
  if (minutes < 1) return "waiting less than a minute";
  if (minutes < 60) return `waiting ${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return `waiting ${hours} h ${minutes % 60} min`;
}

export function clock(iso) {
  return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

// Keyed rendering: cards keep their element (and focus) across updates; only new arrivals animate.
// `onPickUp` (open queue) adds a Pick Up button; `onOpen` a button that opens the context screen.
export class QueueView {
  constructor(list, empty, count, { onPickUp = null, onOpen }) {
    this.list = list;
    this.empty = empty;
    this.count = count;
    this.onPickUp = onPickUp;
    this.onOpen = onOpen;
    this.cards = new Map();
    this.taken = new Map();  // id -> {handoff, detail}: claims we lost, kept visible until dismissed
  }

  render(open, arrivals = new Set()) {
    const shown = [...open];
    for (const { handoff } of this.taken.values()) if (!shown.some((h) => h.id === handoff.id)) shown.push(handoff);
    const keep = new Set(shown.map((h) => h.id));
    for (const [id, card] of this.cards) if (!keep.has(id)) { card.remove(); this.cards.delete(id); }
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
    if (this.empty) this.empty.hidden = shown.length > 0;
    this.count.textContent = `(${open.length})`;
    return shown.length;
  }

  card(handoff) {
    const card = document.createElement("li");
    card.className = "card";
    card.dataset.id = handoff.id;
    card.innerHTML = `
      <article aria-labelledby="t-${handoff.id}">
        <header>
          <span class="badge"></span>
          <span class="priority" hidden></span>
          <h3 id="t-${handoff.id}"></h3>
          <span class="age"></span>
        </header>
        <dl class="triage"></dl>
        <p class="notes"></p>
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
    const button = document.createElement("button");
    button.type = "button";
    button.className = className;
    button.textContent = label;
    return button;
  }

  update(card, handoff) {
    const session = handoff.session || {};
    card.dataset.intent = handoff.intent;
    card.dataset.created = handoff.created_at;
    if (handoff.overdue_level > 0) card.dataset.overdue = handoff.overdue_level;
    else delete card.dataset.overdue;
    card.querySelector(".badge").textContent = handoff.intent === "escalate" ? "Escalation" : "Parked";
    const priority = card.querySelector(".priority");
    priority.hidden = !session.priority;
    priority.innerHTML = '<span class="visually-hidden">Priority </span>';
    priority.append(session.priority || "");
    priority.dataset.priority = session.priority || "";
    card.querySelector("h3").textContent = session.subject || `${kind(handoff)[0].toUpperCase()}${kind(handoff).slice(1)} from ${handoff.created_by_name}`;
    card.dataset.status = handoff.status;
    card.querySelector(".age").textContent = handoff.status === "open" ? waitingFor(handoff.created_at) : "";
    const triage = card.querySelector(".triage");
    triage.replaceChildren();
    const rows = [...TRIAGE.filter(([field]) => session[field]).map(([field, name]) => [name, session[field]])];
    rows.push(["From", handoff.created_by_name]);
    if (handoff.status === "claimed" && handoff.claimed_at) rows.push(["Yours since", clock(handoff.claimed_at)]);
    if (handoff.overdue_level > 0) rows.push(["Overdue", `level ${handoff.overdue_level}`]);
    for (const [name, value] of rows) {
      const pair = document.createElement("div");
      const term = document.createElement("dt");
      term.textContent = name;
      const detail = document.createElement("dd");
      detail.textContent = value;
      pair.append(term, detail);
      triage.append(pair);
    }
    card.querySelector(".notes").textContent = handoff.engineer_notes || "(no notes)";
    const lost = this.taken.get(handoff.id);
    card.querySelector(".outcome").textContent = lost ? lost.detail : "";
    const what = `the ${kind(handoff)} from ${handoff.created_by_name}${session.subject ? ` (${session.subject})` : ""}`;
    card.querySelector(".open").setAttribute("aria-label", `${this.onPickUp ? "Details of" : "Open"} ${what}`);
    const button = card.querySelector(".pickup");
    if (!button) return;
    button.setAttribute("aria-label", `Pick up ${what}`);
    if (lost) {
      button.textContent = "Dismiss";
      button.setAttribute("aria-label", `Dismiss ${what}`);
      button.disabled = false;
    }
  }

  markTaken(handoff, claimedByName, claimedAt) {
    this.taken.set(handoff.id, { handoff, detail: `Picked up by ${claimedByName} at ${clock(claimedAt)}.` });
  }

  dismiss(id) { this.taken.delete(id); }
  isTaken(id) { return this.taken.has(id); }

  tick() {
    for (const card of this.cards.values()) {
      if (card.dataset.status === "open") card.querySelector(".age").textContent = waitingFor(card.dataset.created);
    }
  }
}
