// Small DOM helpers every screen uses: finding and building elements, a list of facts, telling a
// screen reader (and a tab in the background) what happened, and a button that is busy meanwhile.
const TITLE = "baton";

export const $ = (selector, root = document) => root.querySelector(selector);

// An element with its properties (`className`, `textContent`, `htmlFor`, …) and children.
export function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

// A <dl>'s terms and details from [name, value] pairs; an empty value is left out.
export function facts(list, entries) {
  list.replaceChildren(...entries
    .filter(([, value]) => value !== null && value !== undefined && value !== "")
    .flatMap(([name, value]) => [
      el("dt", { textContent: name }),
      el("dd", { textContent: typeof value === "string" ? value : JSON.stringify(value) }),
    ]));
}

// The page's assertive live region: what a screen reader says at once.
export function announce(text) {
  $("#announcer").textContent = text;
}

// A button that is working: disabled (with `text` meanwhile); the returned function gives it back.
export function busy(button, text = button.textContent) {
  const label = button.textContent;
  button.disabled = true;
  button.textContent = text;
  return () => {
    button.disabled = false;
    button.textContent = label;
  };
}

// Flash the tab's title until the tab is seen.
const flashing = { unseen: 0, timer: null };

export function flashTitle(what = "New escalation") {
  if (!document.hidden) return;
  flashing.unseen += 1;
  clearInterval(flashing.timer);
  let on = false;
  flashing.timer = setInterval(() => {
    on = !on;
    document.title = on ? `(${flashing.unseen}) ${what} — ${TITLE}` : TITLE;
  }, 1000);
}

document.addEventListener("visibilitychange", () => {
  if (document.hidden) return;
  clearInterval(flashing.timer);
  flashing.unseen = 0;
  document.title = TITLE;
});
