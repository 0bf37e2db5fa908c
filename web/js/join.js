// The join screen: someone signed in who is not a member yet sees the invitations for their
// verified email and joins one; with none, they are told to ask an admin of their MSP.
import { $, el } from "./dom.js";
import { dateTime } from "./format.js";

export async function showJoin(api, { onJoined, why = "" }) {
  const list = $("#join-list");
  const message = $("#join-message");
  message.textContent = "";
  list.replaceChildren();
  let invitations = [];
  try {
    invitations = (await api.request("GET", "/api/v1/invitations/mine")).data;
  } catch (error) {
    message.textContent = `Could not load your invitations: ${error.message}`;
  }
  $("#join-none").hidden = invitations.length > 0;
  $("#join-why").textContent = invitations.length
    ? "You are signed in, and your email address is invited. Join to see your team's queue."
    : why;
  for (const invitation of invitations) {
    const text = el(
      "p", {},
      el("strong", { textContent: invitation.account_name }),
      ` invites you as ${invitation.role}${invitation.invited_by_name ? ` (from ${invitation.invited_by_name})` : ""}. `,
      `Valid until ${dateTime(invitation.expires_at)}.`,
    );
    const button = el("button", { type: "button", textContent: `Join ${invitation.account_name}` });
    button.addEventListener("click", async () => {
      button.disabled = true;
      message.textContent = "";
      try {
        await api.request("POST", "/api/v1/invitations/accept", { invitation_id: invitation.id });
      } catch (error) {
        button.disabled = false;
        message.textContent = error.message;
        message.focus();
        return;
      }
      await onJoined();
    });
    list.append(el("li", { className: "invitation" }, text, button));
  }
}
