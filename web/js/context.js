// The handoff-context screen: everything a senior needs to pick the session up, who did what
// when, and the actions the server says the signed-in user may take now (`allowed_actions`).
// The console never decides what is allowed: it shows what the answer lists, and the server
// refuses (403/409 with a `detail`) whatever changed in between.
import { clock, kind } from "./queue.js";

// How a timeline entry reads: "<actor> <phrase>". Unknown actions still show, by name.
const PHRASES = {
  create: "handed it off",
  claim: "picked it up",
  release: "released it to the queue",
  reassign: "reassigned it",
  escalate: "turned the park into an escalation",
  withdraw: "withdrew it",
  resolve: "resolved it",
  overdue: "raised it a level: nobody had picked it up in time", // the SLA ladder's timer (no actor)
};

// Fields of each action's form that go into the request body when filled in.
const FIELDS = {
  release: ["reason"],
  reassign: ["to_user_id", "reason"],
  escalate: ["engineer_notes"],
  withdraw: ["reason"],
  resolve: ["resolution_notes"],
};

export function when(iso) {
  return new Date(iso).toLocaleString([], { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
}

export function describe(entry) {
  const phrase = PHRASES[entry.action] || `did “${entry.action}”`;
  const to = entry.to_user_name || entry.to_user_id;
  return `${entry.actor_name || "baton"} ${phrase}${to ? ` → ${to}` : ""}`;
}

function facts(list, entries) {
  list.replaceChildren();
  for (const [name, value] of entries) {
    if (value === null || value === undefined || value === "") continue;
    const term = document.createElement("dt");
    term.textContent = name;
    const detail = document.createElement("dd");
    detail.textContent = typeof value === "string" ? value : JSON.stringify(value);
    list.append(term, detail);
  }
}

function status(handoff, me) {
  if (handoff.status === "claimed") {
    const holder = handoff.claimed_by === me.id ? "you" : handoff.claimed_by_name || handoff.claimed_by;
    return `picked up by ${holder} at ${clock(handoff.claimed_at)}`;
  }
  if (handoff.status === "resolved") return `resolved at ${clock(handoff.resolved_at)}`;
  if (handoff.status === "open") return handoff.overdue_level > 0 ? `open, waiting for a senior (overdue, level ${handoff.overdue_level})` : "open, waiting for a senior";
  return handoff.status;
}

function timelineItem(entry) {
  const item = document.createElement("li");
  const time = document.createElement("time");
  time.dateTime = entry.at;
  time.textContent = when(entry.at);
  const actor = document.createElement("span");
  actor.className = "actor";
  actor.textContent = entry.actor_name || "baton";
  item.append(time, actor, ` ${PHRASES[entry.action] || `did “${entry.action}”`}`);
  const to = entry.to_user_name || entry.to_user_id;
  if (to) {
    const arrow = document.createElement("span");
    arrow.setAttribute("aria-hidden", "true");
    arrow.textContent = " → ";
    const spoken = document.createElement("span");
    spoken.className = "visually-hidden";
    spoken.textContent = " to ";
    const assignee = document.createElement("span");
    assignee.className = "assignee";
    assignee.textContent = to;
    item.append(arrow, spoken, assignee);
  }
  if (entry.reason) {
    const reason = document.createElement("span");
    reason.className = "reason";
    reason.textContent = `Reason: ${entry.reason}`;
    item.append(reason);
  }
  return item;
}

export class ContextScreen {
  // onAct(action, body) runs the action.
  constructor(root, { onAct }) {
    this.root = root;
    this.onAct = onAct;
    this.context = null;
    this.me = null;
    this.$ = (selector) => root.querySelector(selector);
    for (const toggle of root.querySelectorAll(".action-buttons button")) {
      toggle.addEventListener("click", () => {
        if (toggle.dataset.form) this.toggleForm(toggle.dataset.action);
        else this.submit(toggle.dataset.action, undefined, toggle);
      });
    }
    for (const form of root.querySelectorAll(".action-form")) {
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        this.submit(form.dataset.action, this.body(form), form.querySelector('button[type="submit"]'));
      });
      form.querySelector(".cancel").addEventListener("click", () => this.closeForm(true));
      form.addEventListener("keydown", (event) => {
        if (event.key === "Escape") this.closeForm(true);
      });
    }
  }

  get handoff() { return this.context && this.context.handoff; }

  // The whole screen from a context answer. `pending` hides the actions while a fresh answer is on its way.
  render(context, me, { pending = false } = {}) {
    this.context = context;
    this.me = me;
    const { handoff, session } = context;
    const triage = handoff.session || session;
    this.$("#context-title").textContent = `${kind(handoff) === "escalation" ? "Escalation" : "Parked session"} from ${handoff.created_by_name}`;
    facts(this.$("#context-facts"), [
      ["Status", status(handoff, me)],
      ["Subject", triage.subject],
      ["Ticket", triage.ticket_ref],
      ["Client", triage.client_name],
      ["Priority", triage.priority],
      ["Confidence tier", session.confidence_tier || "not assessed"],
      ["Session type", session.session_type],
      ["Handed off", when(handoff.created_at)],
    ]);
    this.$("#context-notes").textContent = handoff.engineer_notes || "(no notes)";
    this.$("#context-timeline").replaceChildren(...(context.timeline || []).map(timelineItem));
    facts(this.$("#context-intake"), [["Type", session.intake_type], ...Object.entries(session.intake_content)]);
    const conversation = this.$("#context-conversation");
    conversation.replaceChildren(
      ...session.conversation_messages.map((message) => {
        const item = document.createElement("li");
        const role = document.createElement("span");
        role.className = "role";
        role.textContent = `${message.role}: `;
        item.append(role, document.createTextNode(message.content));
        return item;
      }),
    );
    // An empty list is no list: the sentence sits beside it, never inside an <ol> (axe: list).
    conversation.hidden = !session.conversation_messages.length;
    this.$("#context-no-conversation").hidden = session.conversation_messages.length > 0;
    this.renderActions(pending ? null : context.allowed_actions || []);
  }

  renderActions(allowed) {
    const focusWasHere = this.root.contains(document.activeElement) && document.activeElement.closest("#context-actions");
    const what = `the ${kind(this.handoff)} from ${this.handoff.created_by_name}`;
    for (const toggle of this.root.querySelectorAll(".action-buttons button")) {
      toggle.hidden = !allowed || !allowed.includes(toggle.dataset.action);
      toggle.disabled = false;
      toggle.setAttribute("aria-label", `${toggle.textContent} ${what}`);
    }
    if (this.openAction && (!allowed || !allowed.includes(this.openAction))) this.closeForm(false);
    this.$("#no-actions").hidden = !allowed || allowed.length > 0;
    // Focus never stays on something that just disappeared.
    if (focusWasHere && (document.activeElement === document.body || !this.visible(document.activeElement))) this.focusMessage();
  }

  visible(element) { return element && element.getClientRects().length > 0; }

  async toggleForm(action) {
    if (this.openAction === action) return this.closeForm(true);
    this.closeForm(false);
    const form = this.$(`#form-${action}`);
    if (action === "reassign") this.fillColleagues(form);
    form.hidden = false;
    this.$(`#do-${action}`).setAttribute("aria-expanded", "true");
    this.openAction = action;
    form.querySelector("select, textarea").focus();
  }

  closeForm(returnFocus) {
    if (!this.openAction) return;
    const action = this.openAction;
    this.$(`#form-${action}`).hidden = true;
    const toggle = this.$(`#do-${action}`);
    toggle.setAttribute("aria-expanded", "false");
    this.openAction = null;
    if (returnFocus && !toggle.hidden) toggle.focus();
  }

  fillColleagues(form) {
    // Whom the server says the signed-in user may hand this to now (`assignees`); it checks the choice again.
    const select = form.querySelector("select");
    const chosen = select.value;
    const eligible = this.context.assignees || [];
    select.replaceChildren(
      new Option("Choose a colleague…", ""),
      ...eligible.map((user) => new Option(`${user.display_name} — ${user.role}`, user.id)),
    );
    if (eligible.some((user) => user.id === chosen)) select.value = chosen;
  }

  body(form) {
    const body = {};
    for (const name of FIELDS[form.dataset.action]) {
      const value = form.elements[name].value.trim();
      if (value) body[name] = value;
    }
    return Object.keys(body).length ? body : undefined;
  }

  async submit(action, body, button) {
    const form = this.$(`#form-${action}`);
    button.disabled = true;
    this.root.setAttribute("aria-busy", "true");
    try {
      const done = await this.onAct(action, body);
      if (done && form) {
        form.reset();
        this.closeForm(false);
      }
    } finally {
      button.disabled = false;
      this.root.removeAttribute("aria-busy");
    }
  }

  say(text, tone = "") {
    const message = this.$("#context-message");
    message.textContent = text;
    message.dataset.tone = tone;
  }

  focusMessage() {
    const message = this.$("#context-message");
    if (message.textContent) message.focus();
    else this.$("#context-title").focus();
  }
}
