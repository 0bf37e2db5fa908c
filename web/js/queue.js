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
    return [...this.handoffs.values()]
      .filter((h) => h.status === "open" && (!intent || h.intent === intent))
      .sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0));
  }
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
export class QueueView {
  constructor(list, empty, count, onPickUp) {
    this.list = list;
    this.empty = empty;
    this.count = count;
    this.onPickUp = onPickUp;
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
    this.empty.hidden = shown.length > 0;
    this.count.textContent = `(${open.length})`;
  }

  card(handoff) {
    const card = document.createElement("li");
    card.className = "card";
    card.dataset.id = handoff.id;
    card.innerHTML = `
      <article aria-labelledby="t-${handoff.id}">
        <header>
          <span class="badge"></span>
          <h3 id="t-${handoff.id}"></h3>
          <span class="age"></span>
        </header>
        <p class="notes"></p>
        <p class="outcome" role="status"></p>
        <button type="button" class="pickup">Pick Up</button>
      </article>`;
    card.querySelector(".pickup").addEventListener("click", () => this.onPickUp(handoff.id, card));
    return card;
  }

  update(card, handoff) {
    card.dataset.intent = handoff.intent;
    card.dataset.created = handoff.created_at;
    card.querySelector(".badge").textContent = handoff.intent === "escalate" ? "Escalation" : "Parked";
    card.querySelector("h3").textContent = handoff.created_by_name;
    card.querySelector(".age").textContent = waitingFor(handoff.created_at);
    card.querySelector(".notes").textContent = handoff.engineer_notes || "(no notes)";
    const lost = this.taken.get(handoff.id);
    card.querySelector(".outcome").textContent = lost ? lost.detail : "";
    const button = card.querySelector(".pickup");
    button.setAttribute("aria-label", `Pick up the ${handoff.intent === "escalate" ? "escalation" : "parked session"} from ${handoff.created_by_name}`);
    if (lost) {
      button.textContent = "Dismiss";
      button.disabled = false;
    }
  }

  markTaken(handoff, claimedByName, claimedAt) {
    this.taken.set(handoff.id, { handoff, detail: `Picked up by ${claimedByName} at ${clock(claimedAt)}.` });
  }

  dismiss(id) { this.taken.delete(id); }
  isTaken(id) { return this.taken.has(id); }

  tick() {
    for (const card of this.cards.values()) card.querySelector(".age").textContent = waitingFor(card.dataset.created);
  }
}
