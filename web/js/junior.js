// The junior's side (#/new): start a session from a ticket or a pasted AI transcript, and park or
// escalate it with notes in one go. The session and the handoff are two API calls; if the second
// fails, the session exists and the form says so (retrying hands the same session off, not a new one).
import { $, busy } from "./dom.js";

const SPEAKERS = { user: "user", me: "user", engineer: "user", assistant: "assistant", ai: "assistant", bot: "assistant", system: "system" };

// "User: …" / "Assistant: …" lines into conversation messages; a line with no speaker continues the last.
export function parseTranscript(text) {
  const messages = [];
  for (const line of text.split(/\r?\n/)) {
    const turn = line.match(/^\s*([A-Za-z]+)\s*:\s*(.*)$/);
    const role = turn && SPEAKERS[turn[1].toLowerCase()];
    if (role) messages.push({ role, content: turn[2] });
    else if (messages.length) messages[messages.length - 1].content += `\n${line}`;
    else if (line.trim()) messages.push({ role: "user", content: line });
  }
  return messages.map((m) => ({ ...m, content: m.content.trim() })).filter((m) => m.content).slice(0, 500);
}

export function sessionBody(form) {
  const value = (name) => form.elements[name].value.trim();
  const source = form.elements.source.value;
  const details = value("details");
  const body = { session_type: "guided", intake_type: source === "transcript" ? "transcript" : "ticket" };
  body.intake_content = source === "transcript" ? { transcript: details } : { ticket: value("ticket_ref"), details };
  if (source === "transcript") body.conversation_messages = parseTranscript(details);
  for (const field of ["ticket_ref", "client_name", "subject", "priority"]) if (value(field)) body[field] = value(field);
  return body;
}

// What the junior is told once it is handed off.
function handedOff(handoff) {
  return handoff.intent === "escalate"
    ? "Escalated: the seniors have been told. You can follow it under “My work”."
    : "Parked: it waits in the queue until you resume, escalate or withdraw it.";
}

export class NewSession {
  // `onHandedOff(handoff, sentence)`: it is handed off; `sentence` says so.
  constructor({ api, onHandedOff }) {
    this.api = api;
    this.onHandedOff = onHandedOff;
    this.form = $("#session-form");
    this.session = null;  // created but not handed off yet (the second call failed)
    this.form.addEventListener("submit", (event) => { event.preventDefault(); this.submit(); });
    this.form.addEventListener("input", (event) => { if (event.target.name !== "engineer_notes" && event.target.name !== "handoff-intent") this.session = null; });
    for (const radio of this.form.elements.source) radio.addEventListener("change", () => this.label());
    this.label();
  }

  label() {
    const transcript = this.form.elements.source.value === "transcript";
    $("#new-details-label").textContent = transcript ? "The AI conversation (pasted)" : "What the ticket says";
    $("#new-details-hint").hidden = !transcript;
  }

  async submit() {
    const button = $("#new-submit");
    const message = $("#new-message");
    message.textContent = "";
    if (!this.form.reportValidity()) return;
    const ready = busy(button, "Handing off…");
    try {
      this.session = this.session || (await this.api.createSession(sessionBody(this.form)));
      const notes = this.form.elements.engineer_notes.value.trim();
      const handoff = await this.api.handOff(this.session.id, { intent: this.form.elements["handoff-intent"].value, engineer_notes: notes });
      this.session = null;
      this.form.reset();
      this.label();
      this.onHandedOff(handoff, handedOff(handoff));
    } catch (error) {
      message.textContent = this.session
        ? `The session was saved but not handed off: ${error.message} Try again to hand it off.`
        : `Could not start the session: ${error.message}`;
      message.focus();
    } finally {
      ready();
    }
  }
}
