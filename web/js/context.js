// The handoff-context screen: everything a senior needs to pick the session up.
import { clock } from "./queue.js";

function facts(list, entries) {
  list.replaceChildren();
  for (const [name, value] of entries) {
    const term = document.createElement("dt");
    term.textContent = name;
    const detail = document.createElement("dd");
    detail.textContent = typeof value === "string" ? value : JSON.stringify(value);
    list.append(term, detail);
  }
}

export function showContext(root, { handoff, session }) {
  root.querySelector("#context-title").textContent =
    `${handoff.intent === "escalate" ? "Escalation" : "Parked session"} from ${handoff.created_by_name}`;
  facts(root.querySelector("#context-facts"), [
    ["Status", handoff.claimed_by_name ? `${handoff.status}, picked up by ${handoff.claimed_by_name} at ${clock(handoff.claimed_at)}` : handoff.status],
    ["Confidence tier", session.confidence_tier || "not assessed"],
    ["Session type", session.session_type],
    ["Handed off", clock(handoff.created_at)],
  ]);
  root.querySelector("#context-notes").textContent = handoff.engineer_notes || "(no notes)";
  facts(root.querySelector("#context-intake"), [["Type", session.intake_type], ...Object.entries(session.intake_content)]);
  const conversation = root.querySelector("#context-conversation");
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
  if (!session.conversation_messages.length) conversation.textContent = "No conversation recorded.";
  const open = handoff.status !== "resolved";
  root.querySelector("#resolve").disabled = !open;
  root.querySelector("#release").disabled = handoff.status !== "claimed";
  root.querySelector("#context-message").textContent = "";
}
