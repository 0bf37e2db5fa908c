// The context screen's buttons and their small forms, drawn from the context answer's `actions`: one
// entry per action the signed-in user may take now, in the lifecycle's order, each with its label,
// its form (null: the button acts at once) and the sentence said once it is done. The console knows
// no action by name: a new one in the server's lifecycle table appears here as it is.
//
// Ids: the button `do-<action>`, its form `form-<action>` (with aria-controls/aria-expanded between
// them), a field `<action>-<name>`; a text field is a textarea, a `colleague` field a select of the
// answer's `assignees`.
import { $, busy, el, isStale } from "./dom.js";

// Field ids from before the forms were drawn from the answer, which the browser tests (and anyone's
// habits) use; every other field gets `<action>-<name>`.
const KNOWN_IDS = { "reassign.to_user_id": "reassign-to", "escalate.engineer_notes": "escalate-notes", "resolve.resolution_notes": "resolution-notes" };

function fieldId(action, name) {
  return KNOWN_IDS[`${action}.${name}`] || `${action}-${name.replace(/_/g, "-")}`;
}

function visible(element) {
  return Boolean(element) && element.getClientRects().length > 0;
}

// What the form's filled-in fields say, or undefined when nothing was filled in.
function body(form, fields) {
  const values = {};
  for (const { name, required } of fields) {
    const value = form.elements[name].value.trim();
    if (value) values[name] = value;
    else if (required) values[name] = form.elements[name].value;  // sent as typed: the server's sentence says why
  }
  return Object.keys(values).length ? values : undefined;
}

export class ActionPanel {
  // `root`: the section holding `.action-buttons` and `#no-actions`; `onAct(entry, body)` runs an action
  // and resolves true once it is done; `onFocusLost()` places the focus when what had it went away.
  constructor(root, { onAct, onFocusLost }) {
    this.root = root;
    this.buttons = $(".action-buttons", root);
    this.onAct = onAct;
    this.onFocusLost = onFocusLost;
    this.drawn = new Map();  // action -> { entry, key, button, form }
    this.assignees = [];
    this.openAction = null;
  }

  // The buttons of `actions`, in their order; null while a fresh answer is on its way (none shown).
  // An action still offered keeps its button and form (and what was typed into it).
  render(actions, { what, assignees }) {
    const focusWasHere = this.root.contains(document.activeElement);
    const offered = actions || [];
    this.assignees = assignees;
    for (const [action, drawn] of [...this.drawn]) {
      const entry = offered.find((candidate) => candidate.action === action);
      if (!entry || JSON.stringify(entry) !== drawn.key) this.remove(action);
    }
    offered.forEach((entry, index) => {
      const { button } = this.drawn.get(entry.action) || this.draw(entry);
      if (this.buttons.children[index] !== button) this.buttons.insertBefore(button, this.buttons.children[index] || null);
      button.disabled = isStale();
      button.setAttribute("aria-label", `${entry.label} ${what}`);
    });
    $("#no-actions", this.root).hidden = !actions || actions.length > 0;
    // Focus never stays on something that just disappeared.
    if (focusWasHere && (!this.root.contains(document.activeElement) || !visible(document.activeElement))) this.onFocusLost();
  }

  draw(entry) {
    const { action, label, primary, form: spec } = entry;
    const button = el("button", { type: "button", id: `do-${action}`, textContent: label });
    if (!primary) button.className = "secondary";
    button.dataset.action = action;
    const form = spec ? this.form(action, spec) : null;
    if (form) {
      button.setAttribute("aria-controls", form.id);
      button.setAttribute("aria-expanded", "false");
      button.addEventListener("click", () => this.toggle(action));
      this.root.append(form);
    } else {
      button.addEventListener("click", () => this.submit(action, undefined, button));
    }
    const drawn = { entry, key: JSON.stringify(entry), button, form };
    this.drawn.set(action, drawn);
    return drawn;
  }

  form(action, spec) {
    const id = `form-${action}`;
    const submit = el("button", { type: "submit", textContent: spec.submit });
    const cancel = el("button", { type: "button", className: "secondary cancel", textContent: "Cancel" });
    const form = el(
      "form", { id, className: "action-form", hidden: true },
      el("h4", { id: `${id}-title`, textContent: spec.title }),
      ...spec.fields.flatMap((field) => this.field(action, field)),
      el("div", { className: "actions" }, submit, cancel),
    );
    form.dataset.action = action;
    form.setAttribute("aria-labelledby", `${id}-title`);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit(action, body(form, spec.fields), submit);
    });
    cancel.addEventListener("click", () => this.close(true));
    form.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.close(true);
    });
    return form;
  }

  field(action, { name, label, hint, kind, required, max_length: maxLength, rows }) {
    const id = fieldId(action, name);
    const caption = el("label", { htmlFor: id }, label);
    if (hint) caption.append(" ", el("span", { className: "optional", textContent: `(${hint})` }));
    const control = kind === "colleague"
      ? el("select", { id, name, required })
      : el("textarea", { id, name, required, rows: rows || 2 });
    control.dataset.kind = kind;
    if (maxLength) control.maxLength = maxLength;
    return [caption, control];
  }

  toggle(action) {
    if (this.openAction === action) return this.close(true);
    this.close(false);
    const { button, form } = this.drawn.get(action);
    for (const select of form.querySelectorAll('select[data-kind="colleague"]')) this.fillColleagues(select);
    form.hidden = false;
    button.setAttribute("aria-expanded", "true");
    this.openAction = action;
    (form.querySelector("select, textarea") || form.querySelector('button[type="submit"]')).focus();
  }

  close(returnFocus) {
    const drawn = this.drawn.get(this.openAction);
    this.openAction = null;
    if (!drawn) return;
    drawn.form.hidden = true;
    drawn.button.setAttribute("aria-expanded", "false");
    if (returnFocus) drawn.button.focus();
  }

  remove(action) {
    if (this.openAction === action) this.close(false);
    const { button, form } = this.drawn.get(action);
    button.remove();
    if (form) form.remove();
    this.drawn.delete(action);
  }

  // Whom the server says the signed-in user may hand this to now (`assignees`); it checks the choice again.
  fillColleagues(select) {
    const chosen = select.value;
    select.replaceChildren(
      new Option("Choose a colleague…", ""),
      ...this.assignees.map((user) => new Option(`${user.display_name} — ${user.role}`, user.id)),
    );
    if (this.assignees.some((user) => user.id === chosen)) select.value = chosen;
  }

  async submit(action, values, button) {
    const { entry, form } = this.drawn.get(action);
    const done = busy(button);
    try {
      if ((await this.onAct(entry, values)) && form) {
        form.reset();
        if (this.openAction === action) this.close(false);
      }
    } finally {
      done();
    }
  }
}
