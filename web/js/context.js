// The handoff-context screen (#/handoffs/<session>/<handoff>): everything a senior needs to pick the
// session up, who did what when, and what the signed-in user may do now. The console never decides
// what is allowed: it draws the answer's `actions` (actions.js), and the server refuses (403/409 with
// a `detail`) whatever changed in between.
import { ActionPanel } from "./actions.js";
import { ApiError } from "./api.js";
import { $, el, facts } from "./dom.js";
import { clock, fill, kind, when } from "./format.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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

function phrase(entry) {
  return PHRASES[entry.action] || `did “${entry.action}”`;
}

function describe(entry) {
  const to = entry.to_user_name || entry.to_user_id;
  return `${entry.actor_name || "baton"} ${phrase(entry)}${to ? ` → ${to}` : ""}`;
}

function status(handoff, me) {
  if (handoff.status === "claimed") {
    const holder = handoff.claimed_by === me.id ? "you" : handoff.claimed_by_name || handoff.claimed_by;
    return `picked up by ${holder} at ${clock(handoff.claimed_at)}`;
  }
  if (handoff.status === "resolved") return `resolved by ${handoff.claimed_by === me.id ? "you" : handoff.claimed_by_name || "someone"} at ${clock(handoff.resolved_at)}`;
  if (handoff.status === "open") return handoff.overdue_level > 0 ? `open, waiting for a senior (overdue, level ${handoff.overdue_level})` : "open, waiting for a senior";
  return handoff.status;
}

function timelineItem(entry) {
  const item = el(
    "li", {},
    el("time", { dateTime: entry.at, textContent: when(entry.at) }),
    el("span", { className: "actor", textContent: entry.actor_name || "baton" }),
    ` ${phrase(entry)}`,
  );
  const to = entry.to_user_name || entry.to_user_id;
  if (to) {
    const arrow = el("span", { textContent: " → " });
    arrow.setAttribute("aria-hidden", "true");
    item.append(arrow, el("span", { className: "visually-hidden", textContent: " to " }), el("span", { className: "assignee", textContent: to }));
  }
  if (entry.reason) item.append(el("span", { className: "reason", textContent: `Reason: ${entry.reason}` }));
  if (entry.notes) item.append(el("span", { className: "entry-notes", textContent: `${NOTES_LABELS[entry.action] || "Notes"}: ${entry.notes}` }));
  return item;
}

// What a timeline entry's `notes` are, by its action.
const NOTES_LABELS = { resolve: "What fixed it", escalate: "The park's notes were" };

// The SLA ladder's raises in a row are one row: "raised to level 3; 3 reminders", the last one's reason kept.
function grouped(timeline) {
  const rows = [];
  for (const entry of timeline) {
    const last = rows[rows.length - 1];
    if (entry.action === "overdue" && last && last.action === "overdue") last.entries.push(entry);
    else rows.push({ action: entry.action, entries: [entry] });
  }
  return rows.map((row) => (row.entries.length > 1 ? ladderItem(row.entries) : timelineItem(row.entries[0])));
}

function ladderItem(entries) {
  const first = entries[0];
  const last = entries[entries.length - 1];
  const item = el(
    "li", { className: "ladder" },
    el("time", { dateTime: first.at, textContent: `${when(first.at)} – ${clock(last.at)}` }),
    el("span", { className: "actor", textContent: "baton" }),
    ` raised it to level ${levelOf(last) || entries.length}; ${entries.length} reminders: nobody had picked it up in time`,
  );
  if (last.reason) item.append(el("span", { className: "reason", textContent: `Last: ${last.reason}` }));
  return item;
}

function levelOf(entry) {
  const found = /level (\d+)/.exec(entry.reason || "");
  return found ? Number(found[1]) : 0;
}

export class ContextScreen {
  // `backLabel()`: where Back goes, in words; `onUnavailable(sentence)`: the handoff could not be read.
  constructor(root, { api, me, store, backLabel, onUnavailable }) {
    this.root = root;
    this.api = api;
    this.me = me;
    this.store = store;
    this.backLabel = backLabel;
    this.onUnavailable = onUnavailable;
    this.context = null;  // the context answer shown, or null when another screen is open
    this.actions = new ActionPanel($("#context-actions", root), {
      onAct: (entry, body) => this.act(entry, body),
      onFocusLost: () => this.focusMessage(),
    });
  }

  get handoff() { return this.context && this.context.handoff; }

  async enter([sessionId, handoffId], note) {
    if (this.handoff && this.handoff.id === handoffId && !note) return true;
    if (![sessionId, handoffId].every((id) => UUID.test(id))) {
      this.onUnavailable("That link does not name a handoff: it should end in two 36-character ids. Check that it was copied whole.");
      return false;
    }
    let context;
    try {
      context = await this.api.context(sessionId, handoffId);
    } catch (error) {
      this.onUnavailable(`Could not open that handoff: ${error.message}`);
      return false;
    }
    this.context = context;
    this.store.apply(context.handoff);
    $("#back").textContent = this.backLabel();
    this.say("");
    this.render(context);
    return true;
  }

  // What the navigation's note said (the action that led here), focused.
  focus(note) {
    if (!note) return false;
    this.say(note, "ok");
    this.focusMessage();
    return true;
  }

  leave() {
    this.context = null;
  }

  // A change the store took: a newer version of the handoff shown means a fresh answer.
  follow({ handoff, event }) {
    if (this.handoff && this.handoff.id === handoff.id && handoff.version > this.handoff.version) this.refresh(event);
  }

  // The whole screen from a context answer. `pending` hides the actions while a fresh answer is on its way.
  render(context, { pending = false } = {}) {
    const { handoff, session } = context;
    const triage = handoff.session || session;
    $("#context-title", this.root).textContent = `${kind(handoff) === "escalation" ? "Escalation" : "Parked session"} from ${handoff.created_by_name}`;
    facts($("#context-facts", this.root), [
      ["Status", status(handoff, this.me)],
      ["Subject", triage.subject],
      ["Ticket", triage.ticket_ref],
      ["Client", triage.client_name],
      ["Priority", triage.priority],
      ["Confidence tier", session.confidence_tier || "not assessed"],
      ["Session type", session.session_type],
      ["Handed off", when(handoff.created_at)],
    ]);
    $("#context-notes", this.root).textContent = handoff.engineer_notes || "(no notes)";
    $("#context-timeline", this.root).replaceChildren(...grouped(context.timeline || []));
    const resolved = handoff.status === "resolved" && handoff.resolution_notes;
    $("#context-resolution", this.root).hidden = !resolved;
    $("#context-resolution-notes", this.root).textContent = resolved ? handoff.resolution_notes : "";
    facts($("#context-intake", this.root), [["Type", session.intake_type], ...Object.entries(session.intake_content)]);
    const messages = session.conversation_messages;
    const conversation = $("#context-conversation", this.root);
    conversation.replaceChildren(...messages.map((message) => el(
      "li", {}, el("span", { className: "role", textContent: `${message.role}: ` }), message.content,
    )));
    // An empty list is no list: the sentence sits beside it, never inside an <ol> (axe: list).
    conversation.hidden = !messages.length;
    $("#context-no-conversation", this.root).hidden = messages.length > 0;
    const what = `the ${kind(handoff)} from ${handoff.created_by_name}`;
    this.actions.render(pending ? null : context.actions || [], { what, assignees: context.assignees || [] });
  }

  // The context answer again (actions and timeline), never older over newer. A pushed change by
  // someone else is said in the status line.
  async refresh(event = null) {
    const shown = this.handoff;
    if (!shown) return;
    let fresh;
    try {
      fresh = await this.api.context(shown.session_id, shown.id);
    } catch (error) {
      this.say(`Could not refresh this handoff: ${error.message}`, "error");
      return;
    }
    if (!this.handoff || this.handoff.id !== shown.id || fresh.handoff.version < this.handoff.version) return;
    this.context = fresh;
    this.store.apply(fresh.handoff);
    if (event && event.timeline_entry && (!event.actor || event.actor.id !== this.me.id)) {
      this.say(`Just now: ${describe(event.timeline_entry)}.`);
    }
    this.render(fresh);
  }

  // One action (an entry of the answer's `actions`): draw the handoff it returns at once, say the
  // entry's `done` sentence, then read the context again. A refusal (403/409) shows the server's own
  // sentence. Resolves true when the action was done.
  async act(entry, body) {
    const handoff = this.handoff;
    let done = false;
    this.root.setAttribute("aria-busy", "true");
    try {
      const changed = await this.api.act(handoff, entry.action, body);
      done = true;
      if (this.handoff && this.handoff.id === handoff.id) {
        this.context = { ...this.context, handoff: changed };
        this.render(this.context, { pending: true });
        this.say(fill(entry.done, changed), "ok");
      }
      this.store.apply(changed);
    } catch (error) {
      this.say(error instanceof ApiError ? error.message : `Something went wrong: ${error.message}`, "error");
    }
    await this.refresh();
    this.focusMessage();
    this.root.removeAttribute("aria-busy");
    return done;
  }

  say(text, tone = "") {
    const message = $("#context-message", this.root);
    message.textContent = text;
    message.dataset.tone = tone;
  }

  focusMessage() {
    const message = $("#context-message", this.root);
    if (message.textContent) message.focus();
    else $("#context-title", this.root).focus();
  }
}
