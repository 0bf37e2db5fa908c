// The People page (#/people, owners and admins): members with their roles, invite, revoke, change a role, remove.
// Every rule (who may touch owners, the last owner) is the server's: a refusal shows its own sentence.
import { BulkInvite } from "./bulk_invite.js";
import { $, el } from "./dom.js";
import { dateTime } from "./format.js";

const ROLES = ["viewer", "engineer", "admin", "owner"];
// What each role can do, said before a role changes (the server's rules: DESIGN §2, §3b).
const CAN = {
  viewer: "A viewer can read sessions and see who is in the account, nothing else: no queue, no Pick Up, no live updates (their open consoles are disconnected).",
  engineer: "An engineer sees the live queue, hands sessions off, picks them up, releases, reassigns and resolves them, and is emailed about escalations.",
  admin: "An admin can do everything an engineer can, and also invite and remove people (not owners), set the channels and the SLA ladder; admins are told when an escalation is overdue at level 2.",
  owner: "An owner can do everything an admin can, and also make or remove owners and rename the account.",
};
const REFRESH_MS = 15000;  // while the page is shown: someone joined, left or changed role elsewhere

function article(role) {
  return /^[aeiou]/.test(role) ? "an" : "a";
}

function cell(content) {
  return el("td", {}, content);
}

export class PeoplePage {
  constructor(api, me) {
    this.api = api;
    this.me = me;
    $("#invite-form").addEventListener("submit", (event) => this.invite(event));
    const roles = $("#invite-role");
    roles.replaceChildren(...ROLES.filter((role) => role !== "owner" || me.role === "owner").map((role) => new Option(role, role)));
    roles.value = "engineer";
    this.bulk = new BulkInvite(api, { say: (text, kind) => this.say(text, kind), reload: () => this.load().catch(() => {}) });
  }

  say(text, kind = "") {
    const line = $("#people-message");
    line.textContent = text;
    line.dataset.kind = kind;
  }

  async enter() {
    await this.load().catch((error) => this.say(error.message, "error"));
    clearInterval(this.refresher);
    this.refresher = setInterval(() => this.refresh(), REFRESH_MS);
    this.onVisible = this.onVisible || (() => { if (!document.hidden && this.refresher) this.refresh(); });
    document.addEventListener("visibilitychange", this.onVisible);
  }

  leave() {
    clearInterval(this.refresher);
    this.refresher = null;
    if (this.onVisible) document.removeEventListener("visibilitychange", this.onVisible);
  }

  // The lists again, drawn only when they changed, and never under an open question.
  async refresh() {
    if (document.hidden || $("#role-dialog").open) return;
    await this.load({ onlyChanged: true }).catch((error) => console.warn("baton people:", error.message));
  }

  async load({ onlyChanged = false } = {}) {
    const [account, members, pending] = await Promise.all([
      this.api.request("GET", "/api/v1/account"),
      this.api.request("GET", "/api/v1/account/users"),
      this.api.request("GET", "/api/v1/account/invitations"),
    ]);
    $("#people-account").textContent = account.data.name;
    const seen = JSON.stringify([members.data, pending.data]);
    if (onlyChanged && seen === this.seen) return;
    this.seen = seen;
    this.renderMembers(members.data);
    this.renderInvitations(pending.data);
  }

  // Asks before `member` becomes `role`, saying what that role can do. Resolves true when confirmed.
  confirmRole(member, role) {
    const dialog = $("#role-dialog");
    $("#role-dialog-title").textContent = `Make ${member.display_name} ${article(role)} ${role}?`;
    $("#role-dialog-what").textContent = `${member.display_name} is ${article(member.role)} ${member.role} now. ${CAN[role]}`;
    $("#role-confirm").textContent = `Make ${article(role)} ${role}`;
    dialog.returnValue = "";
    return new Promise((resolve) => {
      dialog.addEventListener("close", () => resolve(dialog.returnValue === "confirm"), { once: true });
      dialog.showModal();
      $("#role-cancel").focus();
    });
  }

  async run(action, done) {
    try {
      await action();
      this.say(done, "ok");
    } catch (error) {
      this.say(error.message, "error");
    }
    await this.load().catch((error) => this.say(error.message, "error"));
    $("#people-message").focus();
  }

  renderMembers(members) {
    const rows = members.map((member) => {
      const row = el("tr");
      row.dataset.email = member.email;
      const isMe = member.id === this.me.id;
      const locked = isMe || (member.role === "owner" && this.me.role !== "owner");
      const role = el("select", { className: "member-role" });
      role.setAttribute("aria-label", `Role of ${member.display_name}`);
      const choices = ROLES.filter((r) => r !== "owner" || this.me.role === "owner" || member.role === "owner");
      role.replaceChildren(...choices.map((r) => new Option(r, r)));
      role.value = member.role;
      role.disabled = locked;
      role.addEventListener("change", async () => {
        const wanted = role.value;
        role.value = member.role;  // nothing changes until it is confirmed
        if (!(await this.confirmRole(member, wanted))) return role.focus();
        role.value = wanted;
        role.disabled = true;
        await this.run(
          () => this.api.request("PATCH", `/api/v1/account/users/${encodeURIComponent(member.id)}`, { role: wanted }),
          `${member.display_name} is now ${article(wanted)} ${wanted}.`,
        );
      });
      const remove = el("button", { type: "button", className: "secondary remove", textContent: "Remove" });
      remove.setAttribute("aria-label", `Remove ${member.display_name}`);
      remove.disabled = locked;
      remove.addEventListener("click", () => {
        if (!confirm(`Remove ${member.display_name} (${member.email}) from the account? They lose access at once.`)) return;
        this.run(
          () => this.api.request("DELETE", `/api/v1/account/users/${encodeURIComponent(member.id)}`),
          `${member.display_name} was removed; their open consoles were disconnected.`,
        );
      });
      const name = el("span", { textContent: member.display_name + (isMe ? " (you)" : "") });
      row.append(cell(name), cell(member.email), cell(role), cell(remove));
      return row;
    });
    $("#members-body").replaceChildren(...rows);
  }

  renderInvitations(pending) {
    $("#invitations-empty").hidden = pending.length > 0;
    $("#invitations-table").hidden = pending.length === 0;
    const rows = pending.map((invitation) => {
      const row = el("tr");
      row.dataset.email = invitation.email;
      const revoke = el("button", { type: "button", className: "secondary revoke", textContent: "Revoke" });
      revoke.setAttribute("aria-label", `Revoke the invitation of ${invitation.email}`);
      revoke.addEventListener("click", () => this.run(
        () => this.api.request("DELETE", `/api/v1/account/invitations/${invitation.id}`),
        `The invitation of ${invitation.email} was revoked.`,
      ));
      row.append(cell(invitation.email), cell(invitation.role), cell(dateTime(invitation.expires_at)), cell(revoke));
      return row;
    });
    $("#invitations-body").replaceChildren(...rows);
  }

  async invite(event) {
    event.preventDefault();
    const email = $("#invite-email").value.trim();
    const role = $("#invite-role").value;
    await this.run(
      async () => {
        await this.api.request("POST", "/api/v1/account/invitations", { email, role });
        $("#invite-email").value = "";
      },
      `Invited ${email} as ${role}: an email is on its way, valid for 7 days.`,
    );
  }
}
