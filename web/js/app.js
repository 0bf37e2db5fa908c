// The escalation console: sign in, the screens (queue, my work, hand off, a handoff's context), the
// live connection, and Pick Up. What a user may do with a handoff is the server's `allowed_actions`;
// what a card shows is the latest version of its handoff this page has seen.
import { Api, ApiError } from "./api.js";
import * as auth from "./auth.js";
import { ChannelsScreen, mayManageChannels } from "./channels.js";
import { ContextScreen, describe, when } from "./context.js";
import { showJoin } from "./join.js";
import { NewSession } from "./junior.js";
import { LiveConnection } from "./live.js";
import { MyWork } from "./mywork.js";
import { DesktopNotifier } from "./notify.js";
import { PeoplePage } from "./people.js";
import { QueueState, QueueView, SORTS, kind, matches } from "./queue.js";
import { Figures, FiguresStrip, TeamPage } from "./team.js";

const $ = (selector) => document.querySelector(selector);
const TITLE = "baton";
const CONNECTION_LABELS = { live: "Live", connecting: "Connecting…", reconnecting: "Reconnecting…", offline: "Offline" };
const QUEUE_FETCH_MAX = 1000;  // handoffs read at start, 200 a page; beyond that, search narrows

// The screens of the console, by the hash that opens them (`#/<path or name>`), in nav order. To add
// one: its <section> in index.html and an entry here. `nav` puts a link (id `nav-<name>`) in the header,
// `roles` (or `allowed(me)`) says who sees it (the server still decides what they may do), `enter` runs
// when it opens (false: stay where you were).
// The first screen a role may see is its home. (A handoff's context, `#/handoffs/<session>/<handoff>`,
// is reached from cards and links.)
const ENGINEERS = ["owner", "admin", "engineer"];
export const SCREENS = {
  queue: { section: "#queue", focus: "#queue-title", nav: "Queue", roles: ENGINEERS, enter: () => renderAll() },
  mine: { section: "#mywork", focus: "#mywork-title", nav: "My work", roles: ENGINEERS, enter: () => renderAll() },
  new: { section: "#new-session", focus: "#new-title", nav: "Hand off", roles: ENGINEERS, enter: () => true },
  sessions: { section: "#viewer", focus: "#viewer-title", nav: "Sessions", roles: ["viewer"], enter: () => true },
  team: {  // the team's figures, the SLA policy (owners and admins edit it), desktop notifications
    section: "#team", focus: "#team-title", nav: "Team & SLA", roles: ENGINEERS,
    enter: async () => {
      await state.team.open();
      return true;
    },
  },
  people: {  // members, roles and invitations (owners and admins)
    section: "#people", focus: "#people-title", nav: "People", allowed: mayManageChannels,
    enter: async () => {
      state.people = state.people || new PeoplePage(state.api, state.me);
      await state.people.load().catch((error) => state.people.say(error.message, "error"));
      return true;
    },
  },
  channels: {  // Settings › Channels: the account's Teams and Slack webhooks (owners and admins)
    section: "#channels", focus: "#channels-title", nav: "Channels", path: "settings/channels", allowed: mayManageChannels,
    enter: async () => {
      state.channels = state.channels || new ChannelsScreen($("#channels"), state.api);
      await state.channels.open();
      return true;
    },
  },
  handoff: {
    section: "#context", focus: "#context-title", nav: null, roles: ENGINEERS,
    enter: (sessionId, handoffId) => openContext(sessionId, handoffId),
  },
};
const STANDALONE = ["#sign-in", "#join"];  // shown by sign-in state, not by the hash

// What the signed-in user is told after each action of theirs succeeded.
const DONE = {
  claim: () => "Picked up: it is yours. The notes, timeline and conversation are below.",
  release: () => "Released: it is back in the queue.",
  reassign: (handoff) => `Handed to ${handoff.claimed_by_name}.`,
  escalate: () => "Escalated: it is now an escalation, and the seniors have been told.",
  withdraw: () => "Withdrawn: it has left the queue.",
  resolve: () => "Resolved. Thank you!",
  create: (handoff) => (handoff.intent === "escalate"
    ? "Escalated: the seniors have been told. You can follow it under “My work”."
    : "Parked: it waits in the queue until you resume, escalate or withdraw it."),
};

const state = {
  config: null, api: null, me: null, live: null, store: new QueueState(), view: null, held: null, mywork: null,
  screen: null, current: null, shown: null, listScreen: "queue", intent: "", search: "", sort: "priority",
  unseen: 0, pending: null, started: false,
};

function announce(text) {
  $("#announcer").textContent = text;
}

function setConnection(status) {
  const badge = $("#connection");
  badge.hidden = false;
  badge.dataset.state = status;
  badge.textContent = CONNECTION_LABELS[status] || status;
}

// Flash the tab title until the tab is seen.
function flashTitle(what = "New escalation") {
  if (!document.hidden) return;
  state.unseen += 1;
  clearInterval(state.flasher);
  let on = false;
  state.flasher = setInterval(() => {
    on = !on;
    document.title = on ? `(${state.unseen}) ${what} — ${TITLE}` : TITLE;
  }, 1000);
}

document.addEventListener("visibilitychange", () => {
  if (!document.hidden) {
    clearInterval(state.flasher);
    state.unseen = 0;
    document.title = TITLE;
  }
});

// --- screens ----------------------------------------------------------------------------------
function showSection(section) {
  const all = [...STANDALONE, ...Object.values(SCREENS).map((screen) => screen.section)];
  for (const id of all) $(id).hidden = id !== section;
  $("#mine").hidden = section !== "#queue" || state.store.heldBy(state.me ? state.me.id : "").length === 0;
  for (const link of document.querySelectorAll("#nav-list a")) {
    if (SCREENS[link.dataset.screen].section === section) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function maySee(name) {
  const screen = SCREENS[name];
  if (!state.me) return false;
  return screen.allowed ? screen.allowed(state.me) : screen.roles.includes(state.me.role);
}

function hashOf(name) {
  return `#/${SCREENS[name].path || name}`;
}

function buildNav() {
  const items = Object.entries(SCREENS).filter(([name, screen]) => screen.nav && maySee(name)).map(([name, screen]) => {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = hashOf(name);
    link.id = `nav-${name}`;
    link.dataset.screen = name;
    link.textContent = screen.nav;
    item.append(link);
    return item;
  });
  $("#nav-list").replaceChildren(...items);
  $("#nav").hidden = false;
}

function parseHash(hash) {
  const link = hash.match(/^#\/handoffs\/([\w-]+)\/([\w-]+)$/);
  if (link && maySee("handoff")) return { name: "handoff", params: [link[1], link[2]] };
  const name = Object.keys(SCREENS).find((candidate) => candidate !== "handoff" && hash === hashOf(candidate));
  const home = Object.keys(SCREENS).find(maySee);
  return { name: name && maySee(name) ? name : home, params: [] };
}

// Open the screen the hash names; a screen is entered once per navigation and then focused.
async function route() {
  if (!state.started) return;
  const { name, params } = parseHash(location.hash);
  const screen = SCREENS[name];
  if (name !== "handoff") {
    if (location.hash !== hashOf(name)) history.replaceState(null, "", hashOf(name));  // the address says where we are
    state.current = null;
    state.listScreen = name === "new" ? state.listScreen : name;
  }
  const entered = await screen.enter(...params);
  if (entered === false) return;
  showSection(screen.section);
  if (name === "handoff" && state.pending) {
    state.screen.say(state.pending, "ok");
    state.pending = null;
    state.screen.focusMessage();
  } else {
    $(screen.focus).focus();
  }
}

function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

// --- the lists ----------------------------------------------------------------------------------
function queueItems() {
  const open = state.store.open(state.intent).sort(SORTS[state.sort]);
  return state.search ? open.filter((h) => matches(h, state.search)) : open;
}

function renderAll(arrivals = new Set()) {
  if (!state.view) return;
  const latest = (id) => state.store.handoffs.get(id);
  const items = queueItems();
  state.view.render(items, arrivals, latest);
  $("#queue-no-match").hidden = !state.search || items.length > 0 || state.store.open(state.intent).length === 0;
  $("#queue-empty").hidden = state.store.open(state.intent).length > 0 || state.view.taken.size > 0;
  const held = state.held.render(state.store.heldBy(state.me.id), arrivals, latest);
  $("#mine").hidden = $("#queue").hidden || held === 0;
  state.mywork.render(arrivals);
}

// A handoff as the server or a pushed event has it now; older over newer is ignored (by version).
// `event` is the pushed envelope ({type, actor, timeline_entry}) or null for our own answers.
function applyHandoff(handoff, event = null) {
  const known = state.store.handoffs.get(handoff.id);
  if (!state.store.apply(handoff)) return;
  const mine = handoff.status === "claimed" && handoff.claimed_by === state.me.id;
  const wasMine = known && known.status === "claimed" && known.claimed_by === state.me.id;
  const arrivedInQueue = event && handoff.status === "open" && (!known || known.status !== "open");
  const handedToMe = event && mine && !wasMine && (!event.actor || event.actor.id !== state.me.id);
  renderAll(arrivedInQueue || handedToMe ? new Set([handoff.id]) : new Set());
  if (event) tell(handoff, known, event, { arrivedInQueue, handedToMe });
  if (state.current && state.current.handoff.id === handoff.id && handoff.version > state.current.handoff.version) {
    refreshContext(event);
  }
}

function tell(handoff, known, event, { arrivedInQueue, handedToMe }) {
  const what = `the ${kind(handoff)} from ${handoff.created_by_name}`;
  const by = event.actor ? event.actor.name : "someone";
  const myOwn = handoff.created_by === state.me.id;
  if (handedToMe) {
    announce(`${by} handed you ${what}. It is under “Picked up by you”.`);
    flashTitle("Handed to you");
  } else if (myOwn && event.type === "handoff_claimed") {
    announce(`${handoff.claimed_by_name} picked up your ${kind(handoff)} at ${when(handoff.claimed_at)}.`);
    flashTitle("Picked up");
  } else if (myOwn && event.type === "handoff_resolved" && known) {
    announce(`${handoff.claimed_by_name} resolved your ${kind(handoff)}.`);
  } else if (event.type === "handoff_escalated") {
    announce(`${handoff.created_by_name}'s parked session is now an escalation: ${handoff.engineer_notes || "no notes"}`);
    flashTitle();
  } else if (arrivedInQueue && event.type === "handoff_released") {
    announce(`Back in the queue: ${what}, released by ${by}.`);
  } else if (arrivedInQueue && handoff.intent === "escalate" && !myOwn) {
    const priority = handoff.session && handoff.session.priority ? `${handoff.session.priority} ` : "";
    announce(`New ${priority}escalation from ${handoff.created_by_name}: ${handoff.engineer_notes || "no notes"}`);
    flashTitle();
  }
}

function onLiveMessage(message) {
  if (message.handoff && message.type.startsWith("handoff_")) {
    applyHandoff(message.handoff, message);
    state.notifier?.onEvent(message, state.me);
    state.strip?.soon();
  } else if (message.type === "error") console.warn("baton live:", message.detail);
}

// --- Pick Up and the context screen ------------------------------------------------------------------
async function pickUp(id, card) {
  if (state.view.isTaken(id)) {
    state.view.dismiss(id);
    renderAll();
    return $("#queue-title").focus();
  }
  const handoff = state.store.handoffs.get(id);
  const button = card.querySelector(".pickup");
  button.disabled = true;
  button.textContent = "Picking up…";
  try {
    const claimed = await state.api.act(handoff, "claim");
    applyHandoff(claimed);
    state.pending = DONE.claim(claimed);
    go(`#/handoffs/${claimed.session_id}/${claimed.id}`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 409 && error.body.claimed_by) {
      await lostTheRace(handoff, error);
    } else {
      button.disabled = false;
      button.textContent = "Pick Up";
      state.view.refuse(id, error.message);
      button.focus();
    }
  }
}

// Someone else was first: the card says who, from the handoff's latest version (read now, since
// their event may not have arrived yet), and stays until dismissed or until it is open again.
async function lostTheRace(handoff, error) {
  state.view.markTaken(handoff.id, handoff.version);
  try {
    applyHandoff((await state.api.context(handoff.session_id, handoff.id)).handoff);
  } catch (readError) {
    console.warn("baton: could not read the handoff after a lost claim", readError);
  }
  renderAll();
  announce(`Already picked up by ${error.body.claimed_by_name || "someone else"}.`);
  const card = state.view.cards.get(handoff.id);
  if (card) card.querySelector(".pickup").focus();
}

async function openContext(sessionId, handoffId) {
  $("#queue-message").textContent = "";
  const shown = state.current;
  if (shown && shown.handoff.id === handoffId && !state.pending) return true;
  let context;
  try {
    context = await state.api.context(sessionId, handoffId);
  } catch (error) {
    $("#queue-message").textContent = `Could not open that handoff: ${error.message}`;
    go("#/queue");
    return false;
  }
  state.current = context;
  state.store.apply(context.handoff);
  $("#back").textContent = state.listScreen === "mine" ? "← Back to my work" : "← Back to the queue";
  state.screen.say("");
  state.screen.render(context, state.me);
  return true;
}

function openFromCard(id) {
  const handoff = state.store.handoffs.get(id);
  go(`#/handoffs/${handoff.session_id}/${handoff.id}`);
}

// The context answer again (allowed_actions and timeline), never older over newer. A pushed
// change by someone else is said in the status line.
async function refreshContext(event = null) {
  const shown = state.current;
  if (!shown) return;
  let fresh;
  try {
    fresh = await state.api.context(shown.handoff.session_id, shown.handoff.id);
  } catch (error) {
    state.screen.say(`Could not refresh this handoff: ${error.message}`, "error");
    return;
  }
  if (!state.current || state.current.handoff.id !== shown.handoff.id) return;
  if (fresh.handoff.version < state.current.handoff.version) return;
  state.current = fresh;
  applyHandoff(fresh.handoff);
  if (event && event.timeline_entry && (!event.actor || event.actor.id !== state.me.id)) {
    state.screen.say(`Just now: ${describe(event.timeline_entry)}.`);
  }
  state.screen.render(fresh, state.me);
}

// One action of the context screen: render from the answer at once, then refetch the context.
// A refusal (403/409) shows the server's own sentence. Returns true when the action was done.
async function act(action, body) {
  const screen = state.screen;
  let done = false;
  try {
    const changed = await state.api.act(state.current.handoff, action, body);
    done = true;
    state.current = { ...state.current, handoff: changed };
    applyHandoff(changed);
    screen.render(state.current, state.me, { pending: true });
    screen.say(DONE[action](changed), "ok");
  } catch (error) {
    screen.say(error instanceof ApiError ? error.message : `Something went wrong: ${error.message}`, "error");
  }
  await refreshContext();
  screen.focusMessage();
  return done;
}

// --- start ---------------------------------------------------------------------------------------
async function loadQueue() {
  let cursor = "";
  let read = 0;
  do {
    const page = await state.api.queuePage(cursor, 200);
    for (const handoff of page.items) state.store.apply(handoff);
    read += page.items.length;
    cursor = page.next;
  } while (cursor && read < QUEUE_FETCH_MAX);
  $("#queue-message").textContent = cursor
    ? `More than ${QUEUE_FETCH_MAX} handoffs are open; the oldest ${QUEUE_FETCH_MAX} and every new one are shown.`
    : "";
}

async function startEngineer() {
  state.view = new QueueView($("#queue-list"), null, $("#queue-count"), {
    onPickUp: pickUp, onOpen: openFromCard, more: $("#queue-more"), pill: $("#queue-new"),
    mine: (handoff) => handoff.created_by === state.me.id,
  });
  state.held = new QueueView($("#mine-list"), null, $("#mine-count"), { onOpen: openFromCard });
  state.mywork = new MyWork({ store: state.store, me: state.me, onOpen: openFromCard });
  state.screen = new ContextScreen($("#context"), { onAct: act });
  new NewSession({
    api: state.api,
    onHandedOff: (handoff) => {
      applyHandoff(handoff);
      state.listScreen = "mine";
      state.pending = DONE.create(handoff);
      go(`#/handoffs/${handoff.session_id}/${handoff.id}`);
    },
  });
  // Resume from a little before the first read: a change made meanwhile comes again, applied by version.
  const since = new Date(Date.now() - 60000).toISOString();
  await Promise.all([loadQueue(), state.mywork.load(state.api)]);
  setInterval(() => {
    state.view.tick();
    state.held.tick();
    state.mywork.tick();
  }, 30000);
  state.live = new LiveConnection({
    ticket: () => state.api.ticket(),
    onMessage: onLiveMessage,
    onState: setConnection,
    pingSeconds: state.config.pingSeconds,
    pongTimeoutSeconds: state.config.pongTimeoutSeconds,
    since,
  });
  state.live.start();
  startTeam();
}

// The figures strip above the queue and the Team & SLA page (team.js); desktop notifications (notify.js).
function startTeam() {
  const figures = new Figures(state.api);
  state.strip = new FiguresStrip($("#figures"), figures);
  state.strip.refresh();
  setInterval(() => state.strip.refresh(), 60000);
  state.notifier = new DesktopNotifier($("#desktop-toggle"), $("#desktop-status"));
  state.team = new TeamPage($("#team"), figures, state.me);
}

async function lookUpSession(event) {
  event.preventDefault();
  const input = $("#session-id");
  const message = $("#viewer-message");
  const id = input.value.trim();
  message.textContent = "";
  $("#viewer-session").hidden = true;
  if (!/^[0-9a-fA-F-]{36}$/.test(id)) {
    message.textContent = "A session id has 36 characters: hexadecimal digits and dashes.";
    input.setAttribute("aria-invalid", "true");
    return input.focus();
  }
  input.removeAttribute("aria-invalid");
  try {
    const session = await state.api.session(id);
    const facts = (list, entries) => {
      list.replaceChildren();
      for (const [name, value] of entries) {
        if (value === null || value === undefined || value === "") continue;
        const term = document.createElement("dt");
        term.textContent = name;
        const detail = document.createElement("dd");
        detail.textContent = typeof value === "string" ? value : JSON.stringify(value);
        list.append(term, detail);
      }
    };
    facts($("#viewer-facts"), [
      ["Subject", session.subject], ["Ticket", session.ticket_ref], ["Client", session.client_name],
      ["Priority", session.priority], ["Status", session.status], ["Type", `${session.session_type}, from ${session.intake_type}`],
      ["Confidence tier", session.confidence_tier || "not assessed"], ["Started", when(session.created_at)],
      ["Conversation", `${session.conversation_messages.length} messages`],
    ]);
    facts($("#viewer-intake"), Object.entries(session.intake_content));
    $("#viewer-session").hidden = false;
    $("#viewer-session-title").focus();
  } catch (error) {
    message.textContent = error.message;
  }
}

async function signedIn(token) {
  auth.saveToken(token);
  state.api = new Api(state.config.apiBaseUrl, token);
  try {
    state.me = await state.api.me();
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) return joinScreen(error.message);
    auth.forgetToken();
    return showSignIn(error.message);
  }
  $("#who").textContent = `${state.me.display_name} · ${state.me.role} · ${state.me.account_id}`;
  $("#sign-out").hidden = false;
  if (state.me.role !== "viewer") await startEngineer();  // viewers: no live connection, so no indicator either
  buildNav();
  state.started = true;
  addEventListener("hashchange", route);
  await route();
}

// Signed in, but not a member (yet): the invitations for the verified email, or who to ask.
async function joinScreen(why) {
  $("#sign-out").hidden = false;
  showSection("#join");
  await showJoin(state.api, { why, onJoined: () => location.assign(location.pathname) });
}

async function showSignIn(problem = "") {
  showSection("#sign-in");
  $("#sign-in-error").textContent = problem;
  const mode = state.config.signIn;
  if (mode === "local") {
    const select = $("#demo-user");
    const users = await auth.demoUsers(state.config.apiBaseUrl);
    select.replaceChildren(...users.map((user) => new Option(`${user.display_name} — ${user.role} (${user.email})`, user.email)));
    $("#local-sign-in").hidden = false;
  } else if (!auth.usesOidc(state.config)) {
    $("#token-sign-in").hidden = false;
  }
  $("#oidc-sign-in").hidden = !auth.usesOidc(state.config);
}

function wireQueueControls() {
  for (const radio of document.querySelectorAll('#queue .filters input[name="intent"]')) {
    radio.addEventListener("change", () => {
      state.intent = radio.value;
      renderAll();
    });
  }
  $("#queue-search").addEventListener("input", (event) => {
    state.search = event.target.value;
    renderAll();
  });
  $("#queue-sort").addEventListener("change", (event) => {
    state.sort = event.target.value;
    renderAll();
  });
}

async function main() {
  state.config = await (await fetch("config.json")).json();
  $("#local-sign-in").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await signedIn(await auth.demoToken(state.config.apiBaseUrl, $("#demo-user").value));
    } catch (error) {
      $("#sign-in-error").textContent = error.message;
    }
  });
  $("#token-sign-in").addEventListener("submit", (event) => {
    event.preventDefault();
    signedIn($("#pasted-token").value.trim());
  });
  $("#oidc-button").addEventListener("click", () => {
    auth.startSignIn(state.config).catch((error) => { $("#sign-in-error").textContent = error.message; });
  });
  $("#sign-out").addEventListener("click", () => auth.signOut(state.config));
  $("#back").addEventListener("click", () => go(hashOf(state.listScreen)));
  $("#session-lookup").addEventListener("submit", lookUpSession);
  wireQueueControls();
  let returned = null;
  try {
    returned = await auth.finishSignIn(state.config);
  } catch (error) {
    return showSignIn(error.message);
  }
  auth.keepFresh(state.config, {
    onToken: (fresh) => {
      if (state.api) state.api.token = fresh;
      else location.reload(); // signed in in another tab: this one is too
    },
    onSignedOut: (why) => {
      if (!why) return location.reload(); // signed out in another tab
      if (state.live) state.live.stop();
      return showSignIn(why);
    },
  });
  const token = returned || await auth.freshToken(state.config).catch(() => null);
  if (token) return signedIn(token);
  return showSignIn();
}

main();
