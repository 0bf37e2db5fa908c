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

// A visible notice at the top of the page (and said to a screen reader by its status role), until
// dismissed or replaced: what happened to the user's own handoffs ("Sam resolved it: …").
export function showNotice(text) {
  const notice = $("#notice");
  if (!notice) return;
  $("#notice-text").textContent = text;
  notice.hidden = false;
  const close = $("#notice-close");
  close.onclick = () => { notice.hidden = true; };
}

// While the page may be behind (offline, or its live connection ended), what it shows is dimmed and marked
// "as of" the last moment it was known current, and the buttons that would act on it are disabled.
const ACTING = "#main .cards .pickup, #context-actions .action-buttons button";

export function isStale() {
  return document.body.dataset.stale === "true";
}

export function setStale(asOf, why = "Offline") {
  const stale = Boolean(asOf);
  document.body.dataset.stale = stale ? "true" : "false";
  const note = $("#stale-note");
  if (note) {
    note.hidden = !stale;
    note.textContent = stale ? `${why}: this is the queue as of ${asOf}. Actions come back once the console is live again.` : "";
  }
  for (const button of document.querySelectorAll(ACTING)) button.disabled = stale || button.dataset.busy === "true";
}

// A button that is working: disabled (with `text` meanwhile); the returned function gives it back.
export function busy(button, text = button.textContent) {
  const label = button.textContent;
  button.disabled = true;
  button.dataset.busy = "true";
  button.setAttribute("aria-busy", "true");
  button.textContent = text;
  return () => {
    delete button.dataset.busy;
    button.removeAttribute("aria-busy");
    button.disabled = isStale();
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
