// Bulk invite on the People page: CSV lines of `email,role` (pasted, or read from a file), sent as they are to
// POST /api/v1/account/invitations/bulk. The server reads the CSV (the same reader as `baton-admin invite-bulk`) and
// says who was invited and which lines were skipped, and why; this module only shows it.
import { $, busy, el } from "./dom.js";

export class BulkInvite {
  // `say(text, kind)`: the People page's message line; `reload()`: read members and invitations again.
  constructor(api, { say, reload }) {
    this.api = api;
    this.say = say;
    this.reload = reload;
    $("#bulk-form").addEventListener("submit", (event) => this.send(event));
    $("#bulk-file").addEventListener("change", () => this.readFile());
  }

  async readFile() {
    const [file] = $("#bulk-file").files;
    if (file) $("#bulk-csv").value = await file.text();
  }

  async send(event) {
    event.preventDefault();
    const csv = $("#bulk-csv").value;
    const done = busy($("#bulk-send"), "Inviting…");
    try {
      const { data } = await this.api.request("POST", "/api/v1/account/invitations/bulk", { csv });
      this.show(data);
      if (data.invited.length) $("#bulk-csv").value = "";  // the skipped lines are listed below the button
      const skipped = data.skipped.length ? `; ${data.skipped.length} skipped (listed below)` : "";
      this.say(`Invited ${data.invited.length} ${data.invited.length === 1 ? "person" : "people"}${skipped}. Each gets an email, valid for 7 days.`, "ok");
    } catch (error) {
      this.say(error.message, "error");
    } finally {
      done();
    }
    await this.reload();
    $("#people-message").focus();
  }

  show({ skipped }) {
    const list = $("#bulk-skipped");
    list.replaceChildren(...skipped.map((line) => el("li", { textContent: `Line ${line.line} (${line.email || "empty"}): ${line.detail}` })));
    list.hidden = skipped.length === 0;
  }
}
