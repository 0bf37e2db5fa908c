// The viewer's screen (#/sessions, and a handoff's link #/handoffs/<session>/<handoff>): the account's recent
// handoffs, read only, each with where it stands, who holds it and its timeline; and a session looked up by its
// id. Viewers have no queue and no live connection; the server says what they may read.
import { $, el, facts } from "./dom.js";
import { kind, when } from "./format.js";

const RECENT = 50;
const STATUS = { open: "Waiting for a senior", claimed: "Picked up", resolved: "Resolved", withdrawn: "Withdrawn" };
const PHRASES = {
  create: "handed it off", claim: "picked it up", release: "released it to the queue", reassign: "reassigned it",
  escalate: "turned the park into an escalation", withdraw: "withdrew it", resolve: "resolved it",
  overdue: "raised it a level: nobody had picked it up in time",
};

function title(handoff) {
  const session = handoff.session || {};
  return session.subject || session.ticket_ref || `${kind(handoff)} from ${handoff.created_by_name}`;
}

function standing(handoff) {
  const holder = handoff.claimed_by_name ? `${handoff.status === "resolved" ? " by" : ", held by"} ${handoff.claimed_by_name}` : "";
  return `${STATUS[handoff.status] || handoff.status}${holder}`;
}

function timelineEntry(entry) {
  const to = entry.to_user_name ? ` → ${entry.to_user_name}` : "";
  const item = el("li", {}, el("time", { dateTime: entry.at, textContent: when(entry.at) }), ` ${entry.actor_name || "baton"} ${PHRASES[entry.action] || entry.action}${to}`);
  if (entry.reason) item.append(el("span", { className: "reason", textContent: `Reason: ${entry.reason}` }));
  if (entry.notes) item.append(el("span", { className: "entry-notes", textContent: `Notes: ${entry.notes}` }));
  return item;
}

export class ViewerScreen {
  constructor({ api }) {
    this.api = api;
    $("#session-lookup").addEventListener("submit", (event) => {
      event.preventDefault();
      this.lookUp();
    });
  }

  // `params`: [session id, handoff id] when a handoff's link was opened: that one is opened in the list.
  async enter(params = []) {
    const [sessionId, handoffId] = params;
    await this.loadRecent();
    if (!handoffId) return true;
    const item = document.getElementById(`v-${handoffId}`);
    if (item) {
      item.querySelector("details").open = true;
      this.focusOn = item.querySelector("summary");
    } else {
      $("#session-id").value = sessionId;
      await this.lookUp({ focus: false });
    }
    return true;
  }

  focus() {
    const target = this.focusOn;
    this.focusOn = null;
    if (!target) return false;
    target.focus();
    target.scrollIntoView({ block: "center" });
    return true;
  }

  async loadRecent() {
    const message = $("#viewer-recent-message");
    message.textContent = "";
    let recent;
    try {
      recent = (await this.api.request("GET", `/api/v1/handoffs/recent?limit=${RECENT}`)).data;
    } catch (error) {
      message.textContent = `Could not read the recent handoffs: ${error.message}`;
      return;
    }
    $("#viewer-count").textContent = `(${recent.length})`;
    $("#viewer-recent-empty").hidden = recent.length > 0;
    $("#viewer-list").hidden = recent.length === 0;
    $("#viewer-list").replaceChildren(...recent.map(({ handoff, timeline }) => this.item(handoff, timeline)));
  }

  item(handoff, timeline) {
    const details = el("dl", { className: "facts" });
    facts(details, [
      ["Status", standing(handoff)], ["Kind", kind(handoff)], ["From", handoff.created_by_name],
      ["Ticket", (handoff.session || {}).ticket_ref], ["Client", (handoff.session || {}).client_name],
      ["Priority", (handoff.session || {}).priority], ["Handed off", when(handoff.created_at)],
      ["Notes", handoff.engineer_notes || "(no notes)"], ["What fixed it", handoff.resolution_notes],
    ]);
    const session = el("button", { type: "button", className: "secondary", textContent: "Show the session" });
    session.setAttribute("aria-label", `Show the session of ${title(handoff)}`);
    session.addEventListener("click", () => {
      $("#session-id").value = handoff.session_id;
      this.lookUp();
    });
    const item = el(
      "li", { id: `v-${handoff.id}`, className: "recent" },
      el(
        "details", {},
        el("summary", {}, el("span", { className: "recent-title", textContent: title(handoff) }), el("span", { className: "recent-status", textContent: ` — ${standing(handoff)}` })),
        details,
        el("h4", { textContent: "Timeline" }),
        el("ol", { className: "timeline" }, ...timeline.map(timelineEntry)),
        session,
      ),
    );
    item.dataset.status = handoff.status;
    return item;
  }

  async lookUp({ focus = true } = {}) {
    const input = $("#session-id");
    const message = $("#viewer-message");
    const id = input.value.trim();
    message.textContent = "";
    $("#viewer-session").hidden = true;
    if (!/^[0-9a-fA-F-]{36}$/.test(id)) {
      message.textContent = "A session id has 36 characters: hexadecimal digits and dashes.";
      input.setAttribute("aria-invalid", "true");
      return input.focus();
    }
    input.removeAttribute("aria-invalid");
    try {
      const session = await this.api.session(id);
      facts($("#viewer-facts"), [
        ["Subject", session.subject], ["Ticket", session.ticket_ref], ["Client", session.client_name],
        ["Priority", session.priority], ["Status", session.status], ["Type", `${session.session_type}, from ${session.intake_type}`],
        ["Confidence tier", session.confidence_tier || "not assessed"], ["Started", when(session.created_at)],
        ["Conversation", `${session.conversation_messages.length} messages`],
      ]);
      facts($("#viewer-intake"), Object.entries(session.intake_content));
      $("#viewer-session").hidden = false;
      if (focus) $("#viewer-session-title").focus();
      else this.focusOn = $("#viewer-session-title");
    } catch (error) {
      message.textContent = error.message;
    }
  }
}
