// The viewer's screen (#/sessions): a session looked up by its id, read only. Viewers have no queue
// and no live connection; the server says what they may read.
import { $, facts } from "./dom.js";
import { when } from "./format.js";

export class ViewerScreen {
  constructor({ api }) {
    this.api = api;
    $("#session-lookup").addEventListener("submit", (event) => {
      event.preventDefault();
      this.lookUp();
    });
  }

  async lookUp() {
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
      $("#viewer-session-title").focus();
    } catch (error) {
      message.textContent = error.message;
    }
  }
}
