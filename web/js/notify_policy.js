// Who is emailed (Team & SLA, owners and admins): the policy's `notify` sets, at creation and at each level of the
// SLA ladder, as checkboxes. Saved with the ladder's steps as they are (PUT /api/v1/account/policy).
import { $, el } from "./dom.js";

const WHEN = [
  ["on_create", "A new escalation"],
  ["on_level_1", "Level 1 (nobody picked it up)"],
  ["on_level_2", "Level 2 and every level after"],
];
const WHO = [
  ["engineers", "Engineers"],
  ["engineers_without_live_console", "Engineers without baton open"],
  ["admins", "Admins"],
  ["owners", "Owners"],
  ["creator", "Whoever escalated it"],
];

export class NotifyPolicyForm {
  constructor(figures) {
    this.figures = figures;
    this.policy = null;
    this.form = $("#notify-form");
    this.form.querySelector(".sets").replaceChildren(...WHEN.map(([name, label]) => el(
      "fieldset", {},
      el("legend", { textContent: label }),
      ...WHO.map(([who, text]) => {
        const id = `notify-${name}-${who}`;
        const box = el("input", { type: "checkbox", id, name, value: who });
        return el("div", { className: "check" }, box, el("label", { htmlFor: id, textContent: text }));
      }),
    )));
    this.form.addEventListener("submit", (event) => this.save(event));
  }

  fill(policy) {
    this.policy = policy;
    for (const box of this.form.querySelectorAll("input[type=checkbox]")) box.checked = policy.notify[box.name].includes(box.value);
  }

  chosen() {
    return Object.fromEntries(WHEN.map(([name]) => [
      name, [...this.form.querySelectorAll(`input[name=${name}]:checked`)].map((box) => box.value),
    ]));
  }

  async save(event) {
    event.preventDefault();
    const status = $("#notify-message");
    try {
      const fresh = await this.figures.policy();  // the ladder's steps as they are now
      const { notify: _, ...steps } = fresh;
      this.fill(await this.figures.setPolicy({ ...steps, notify: this.chosen() }));
      status.dataset.tone = "ok";
      status.textContent = "Saved: the next emails go to these people (each may still choose a digest or none).";
    } catch (error) {
      status.dataset.tone = "error";
      status.textContent = error.message;
    }
    status.focus();
  }
}
