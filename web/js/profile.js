// My email (#/profile): how baton emails the signed-in person (PATCH /api/v1/me). Immediate, a digest every N
// minutes, or none; and whether to be emailed about what was already pushed to a console of theirs that is open.
import { $ } from "./dom.js";

export class ProfileScreen {
  constructor(api, me) {
    this.api = api;
    this.me = me;
    this.form = $("#profile-form");
    this.form.addEventListener("submit", (event) => this.save(event));
    this.form.addEventListener("change", () => this.sync());
  }

  enter() {
    this.fill(this.me);
  }

  fill(me) {
    this.form.elements.email_mode.value = me.email_mode;
    this.form.elements.digest_minutes.value = String(me.digest_minutes);
    this.form.elements.email_when_live.checked = me.email_when_live;
    this.sync();
  }

  // The digest's interval only means something for a digest.
  sync() {
    $("#profile-digest").hidden = this.form.elements.email_mode.value !== "digest";
  }

  async save(event) {
    event.preventDefault();
    const status = $("#profile-message");
    const body = {
      email_mode: this.form.elements.email_mode.value,
      email_when_live: this.form.elements.email_when_live.checked,
    };
    if (body.email_mode === "digest") body.digest_minutes = Number(this.form.elements.digest_minutes.value);
    try {
      const { data } = await this.api.request("PATCH", "/api/v1/me", body);
      Object.assign(this.me, data);
      this.fill(data);
      status.dataset.tone = "ok";
      status.textContent = {
        immediate: "Saved: baton emails you as things happen.",
        digest: `Saved: one email every ${data.digest_minutes} minutes with what happened meanwhile.`,
        none: "Saved: baton sends you no email (the console still shows everything).",
      }[data.email_mode];
    } catch (error) {
      status.dataset.tone = "error";
      status.textContent = error.message;
    }
    status.focus();
  }
}
