// What the settings screens with one form per outside tool share (Settings › Channels, Settings › Connectors): the
// screen's title and hint, each tool's form with Save / Test / Remove and its message, one action at a time with
// what came of it said, and entering the screen.
import { el } from "./dom.js";

// The screen's title (focused on entry) and a hint under it, in place of what the section held.
export function screenHeading(section, id, title, hint) {
  section.replaceChildren(
    el("h2", { id, tabIndex: -1, textContent: title }),
    el("p", { className: "hint", textContent: hint }),
  );
}

// One tool's form: its title, the lines that say how it stands, its fields, then Save / Test / Remove (labelled by
// `buttons`) and the message that says what an action did; `after` goes below the message.
export function toolForm(id, title, { lines, fields, buttons, after = [] }) {
  const message = el("p", { id: id("message"), className: "message", role: "status" });
  const save = el("button", { type: "submit", id: id("save"), textContent: buttons.save });
  const test = el("button", { type: "button", id: id("test"), className: "secondary", textContent: buttons.test });
  const remove = el("button", { type: "button", id: id("remove"), className: "secondary", textContent: buttons.remove });
  const form = el(
    "form", { id: id("form"), className: "channel" },
    el("h3", { id: id("title"), textContent: title }),
    ...lines,
    ...fields,
    el("div", { className: "actions" }, save, test, remove),
    message,
    ...after,
  );
  form.setAttribute("aria-labelledby", id("title"));
  return { form, message, save, test, remove };
}

export function say(parts, text, tone) {
  parts.message.textContent = text;
  parts.message.dataset.tone = tone;
}

// One action: say it is happening, then what the server (or the provider, through it) answered, after reloading
// the screen (`reload`; `what` names it if that fails). An action answers a sentence (said as done) or
// { text, tone }. The `lock` buttons stay disabled meanwhile: a second click would send it twice.
export async function runAction(parts, busy, action, { reload, what, lock = [] }) {
  say(parts, busy, "");
  for (const button of lock) {
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
  }
  let said;
  try {
    said = await action();
  } catch (error) {
    said = { text: error.message, tone: "error" };
  } finally {
    for (const button of lock) {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  }
  const { text, tone } = typeof said === "string" ? { text: said, tone: "ok" } : said;
  try {
    await reload();
  } catch (error) {
    return say(parts, `${text} (Could not reload ${what}: ${error.message})`, "error");
  }
  say(parts, text, tone);
}

// Entering the screen: show it, load it (a failure is said in every form), focus its title.
export async function enterScreen(section, titleSelector, reload, forms) {
  section.hidden = false;
  try {
    await reload();
  } catch (error) {
    for (const parts of forms) say(parts, error.message, "error");
  }
  section.querySelector(titleSelector).focus();
}
