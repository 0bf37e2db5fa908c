// Hash routes: which screen the address names (`#/<path or name>`, or a screen's own `pattern`), who
// may see it, the header's links, and moving between screens (shown, entered, focused).
//
// A screen is an entry of the registry app.js hands over, in nav order:
//   section   the <main> section it shows        focus   what gets focus once it is shown
//   nav       its header link (id `nav-<name>`)   path    its hash when not its name
//   roles     the roles that see it (the server still decides what they may do)
//   pattern   a hash with parameters (e.g. a handoff's address), reached from cards and links
//   back      false: not a place the context screen's Back returns to
//   screen()  makes the screen object, once, when it is first needed. Each of its methods is optional:
//     enter(params, note)  runs when it opens (false: stay where you were)
//     focus(note)          true when it placed the focus itself (e.g. on what `note` said)
//     shown(visible)       after every move: whether its section is shown now
//     leave()              another screen opened
// The first screen a role may see is its home.
import { $, el } from "./dom.js";

// Only `section` of <main> is shown, and the header's link to it (if any) says it is the current page.
export function showOnly(section) {
  for (const panel of document.querySelectorAll("#main > section")) panel.hidden = `#${panel.id}` !== section;
  for (const link of document.querySelectorAll("#nav-list a")) {
    if (link.dataset.section === section) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

export class Router {
  constructor(me) {
    this.me = me;
    this.screens = {};
    this.made = new Map();  // name -> its screen object
    this.listScreen = null;  // where Back goes
    this.note = null;  // said on the next screen (what the action that led there did)
  }

  maySee(name) {
    return this.screens[name].roles.includes(this.me.role);
  }

  hashOf(name) {
    return `#/${this.screens[name].path || name}`;
  }

  screen(name) {
    if (!this.made.has(name)) this.made.set(name, this.screens[name].screen());
    return this.made.get(name);
  }

  // `screens`: the registry (see above).
  start(screens) {
    this.screens = screens;
    this.listScreen = Object.keys(screens).find((name) => this.maySee(name));
    this.buildNav();
    addEventListener("hashchange", () => this.route());
    return this.route();
  }

  buildNav() {
    const items = Object.entries(this.screens)
      .filter(([name, entry]) => entry.nav && this.maySee(name))
      .map(([name, entry]) => {
        const link = el("a", { href: this.hashOf(name), id: `nav-${name}`, textContent: entry.nav });
        link.dataset.section = entry.section;
        return el("li", {}, link);
      });
    $("#nav-list").replaceChildren(...items);
    $("#nav").hidden = false;
  }

  parse(hash) {
    for (const [name, entry] of Object.entries(this.screens)) {
      const match = entry.pattern && hash.match(entry.pattern);
      if (match && this.maySee(name)) return { name, params: match.slice(1) };
    }
    const name = Object.keys(this.screens).find((candidate) => !this.screens[candidate].pattern && hash === this.hashOf(candidate));
    const home = Object.keys(this.screens).find((candidate) => this.maySee(candidate));
    return { name: name && this.maySee(name) ? name : home, params: [] };
  }

  // Open the screen the hash names; a screen is entered once per navigation and then focused.
  async route() {
    const { name, params } = this.parse(location.hash);
    const entry = this.screens[name];
    const note = this.note;
    this.note = null;
    if (!entry.pattern) {
      if (location.hash !== this.hashOf(name)) history.replaceState(null, "", this.hashOf(name));  // the address says where we are
      if (entry.back !== false) this.listScreen = name;
    }
    for (const [other, made] of this.made) if (other !== name) made.leave?.();
    const screen = this.screen(name);
    if ((await screen.enter?.(params, note)) === false) return;
    this.show(name);
    if (!screen.focus?.(note)) $(entry.focus).focus();
  }

  show(name) {
    showOnly(this.screens[name].section);
    for (const [other, made] of this.made) made.shown?.(other === name);
  }

  // Go to `hash`, with `note` said there; the same hash again opens its screen again.
  go(hash, note = null) {
    this.note = note;
    if (location.hash === hash) this.route();
    else location.hash = hash;
  }

  // Where the context screen's Back goes.
  back() {
    this.go(this.hashOf(this.listScreen));
  }

  returnTo(name) {
    this.listScreen = name;
  }
}
