// The escalation console: sign in, the live queue, Pick Up, the handoff context and its lifecycle.
import { Api, ApiError } from "./api.js";
import * as auth from "./auth.js";
import { ChannelsScreen, mayManageChannels } from "./channels.js";
import { ContextScreen, describe } from "./context.js";
import { showJoin } from "./join.js";
import { LiveConnection } from "./live.js";
import { PeoplePage } from "./people.js";
import { QueueState, QueueView, kind } from "./queue.js";
import { DesktopNotifier } from "./notify.js";
import { Figures, FiguresStrip, TeamPage } from "./team.js";

const $ = (selector) => document.querySelector(selector);
const CONNECTION_LABELS = { live: "Live", connecting: "Connecting…", reconnecting: "Reconnecting…", offline: "Offline" };
const TITLE = "baton";

// What the signed-in user is told after each action of theirs succeeded.
const DONE = {
  claim: () => "Picked up: it is yours. The notes, timeline and conversation are below.",
  release: () => "Released: it is back in the queue.",
  reassign: (handoff) => `Handed to ${handoff.claimed_by_name}.`,
  escalate: () => "Escalated: it is now an escalation, and the seniors have been told.",
  withdraw: () => "Withdrawn: it has left the queue.",
  resolve: () => "Resolved. Thank you!",
};

const state = {
  config: null, api: null, me: null, live: null, queue: new QueueState(), view: null, mine: null, screen: null,
  intent: "", current: null, unseen: 0, users: null,
};

function show(section) {
  for (const id of ["#sign-in", "#viewer", "#queue", "#context", "#join", "#people", "#channels", "#team"]) $(id).hidden = id !== section;
  for (const link of document.querySelectorAll("#nav a")) {
    const here = link.dataset.section === section;
    if (here) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  $("#mine").hidden = section !== "#queue" || !state.mine || state.mine.count.dataset.n === "0";
}

function announce(text) {
  $("#announcer").textContent = text;
}

function setConnection(status) {
  const badge = $("#connection");
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

function renderQueue(arrivals) {
  state.view.render(state.queue.open(state.intent), arrivals);
  const held = state.mine.render(state.queue.heldBy(state.me.id), arrivals);
  state.mine.count.dataset.n = String(held);
  $("#mine").hidden = $("#queue").hidden || held === 0;
}

// A handoff as the server or a pushed event has it now; older over newer is ignored (by version).
// `event` is the pushed envelope ({type, actor, timeline_entry}) or null for our own answers.
function applyHandoff(handoff, event = null) {
  const known = state.queue.handoffs.get(handoff.id);
  if (!state.queue.apply(handoff)) return;
  const mine = handoff.status === "claimed" && handoff.claimed_by === state.me.id;
  const wasMine = known && known.status === "claimed" && known.claimed_by === state.me.id;
  const arrivedInQueue = event && handoff.status === "open" && (!known || known.status !== "open");
  const handedToMe = event && mine && !wasMine && (!event.actor || event.actor.id !== state.me.id);
  renderQueue(arrivedInQueue || handedToMe ? new Set([handoff.id]) : new Set());
  if (event) tell(handoff, event, { arrivedInQueue, handedToMe });
  if (state.current && state.current.handoff.id === handoff.id && handoff.version > state.current.handoff.version) {
    refreshContext(event);
  }
}

function tell(handoff, event, { arrivedInQueue, handedToMe }) {
  const what = `the ${kind(handoff)} from ${handoff.created_by_name}`;
  const by = event.actor ? event.actor.name : "someone";
  if (handedToMe) {
    announce(`${by} handed you ${what}. It is under “Picked up by you”.`);
    flashTitle("Handed to you");
  } else if (event.type === "handoff_escalated") {
    announce(`${handoff.created_by_name}'s parked session is now an escalation: ${handoff.engineer_notes || "no notes"}`);
    flashTitle();
  } else if (arrivedInQueue && event.type === "handoff_released") {
    announce(`Back in the queue: ${what}, released by ${by}.`);
  } else if (arrivedInQueue && handoff.intent === "escalate") {
    announce(`New escalation from ${handoff.created_by_name}: ${handoff.engineer_notes || "no notes"}`);
    flashTitle();
  }
}

function onLiveMessage(message) {
  if (message.handoff && message.type.startsWith("handoff_")) {
    applyHandoff(message.handoff, message);
    state.notifier?.onEvent(message, state.me);
    state.strip?.soon();
  }
  else if (message.type === "error") console.warn("baton live:", message.detail);
}

async function pickUp(id, card) {
  if (state.view.isTaken(id)) {
    state.view.dismiss(id);
    return renderQueue(new Set());
  }
  const handoff = state.queue.handoffs.get(id);
  const button = card.querySelector(".pickup");
  button.disabled = true;
  button.textContent = "Picking up…";
  try {
    const claimed = await state.api.act(handoff, "claim");
    applyHandoff(claimed);
    await openContext(claimed.session_id, claimed.id);
    state.screen.say(DONE.claim(claimed), "ok");
  } catch (error) {
    if (error instanceof ApiError && error.status === 409 && error.body.claimed_by) {
      state.view.markTaken(handoff, error.body.claimed_by_name || "someone else", error.body.claimed_at);
      renderQueue(new Set());
      announce(`Already picked up by ${error.body.claimed_by_name || "someone else"}.`);
    } else {
      button.disabled = false;
      button.textContent = "Pick Up";
      card.querySelector(".outcome").textContent = error.message;
    }
  }
}

async function openContext(sessionId, handoffId) {
  $("#queue-message").textContent = "";
  try {
    state.current = await state.api.context(sessionId, handoffId);
  } catch (error) {
    show("#queue");
    $("#queue-message").textContent = `Could not open that handoff: ${error.message}`;
    return;
  }
  state.queue.apply(state.current.handoff);
  state.screen.say("");
  state.screen.render(state.current, state.me);
  show("#context");
  location.hash = `#/handoffs/${sessionId}/${handoffId}`;
  $("#context-title").focus();
}

function openFromCard(id) {
  const handoff = state.queue.handoffs.get(id);
  return openContext(handoff.session_id, handoff.id);
}

function backToQueue() {
  state.current = null;
  history.replaceState(null, "", location.pathname);
  show("#queue");
  renderQueue(new Set());
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
  if (state.current !== shown && (!state.current || state.current.handoff.id !== shown.handoff.id)) return;
  if (fresh.handoff.version < state.current.handoff.version) return;
  state.current = fresh;
  state.queue.apply(fresh.handoff);
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

async function startEngineer() {
  state.view = new QueueView($("#queue-list"), $("#queue-empty"), $("#queue-count"), { onPickUp: pickUp, onOpen: openFromCard });
  state.mine = new QueueView($("#mine-list"), null, $("#mine-count"), { onOpen: openFromCard });
  state.screen = new ContextScreen($("#context"), { onAct: act });
  const loadedAt = new Date().toISOString();
  for (const handoff of await state.api.openQueue()) state.queue.apply(handoff);
  renderQueue(new Set());
  show("#queue");
  startTeam();
  setInterval(() => {
    state.view.tick();
    state.mine.tick();
  }, 30000);
  state.live = new LiveConnection({
    ticket: () => state.api.ticket(),
    onMessage: onLiveMessage,
    onState: setConnection,
    pingSeconds: state.config.pingSeconds,
    since: loadedAt,
  });
  state.live.start();
  const link = location.hash.match(/^#\/handoffs\/([\w-]+)\/([\w-]+)$/);
  if (link) await openContext(link[1], link[2]);
  else await route();
}

// Settings › Channels (owners and admins) at #/settings/channels; #/ is the queue.
const CHANNELS_ROUTE = "#/settings/channels";

async function route() {
  if (location.hash === "#/people") {
    await openPeople();
  } else if (location.hash === CHANNELS_ROUTE && state.me && mayManageChannels(state.me)) {
    state.channels = state.channels || new ChannelsScreen($("#channels"), state.api);
    show("#channels");
    await state.channels.open();
  } else if (location.hash === "#/" && state.view && $("#queue").hidden) {
    backToQueue();
  }
}

// The team page and the figures strip (team.js), desktop notifications (notify.js): a route hook.
function startTeam() {
  const figures = new Figures(state.api);
  state.strip = new FiguresStrip($("#figures"), figures);
  state.strip.refresh();
  setInterval(() => state.strip.refresh(), 60000);
  state.notifier = new DesktopNotifier($("#desktop-toggle"), $("#desktop-status"));
  const team = new TeamPage($("#team"), figures, state.me);
  $("#team-link").hidden = false;
  const route = async () => {
    if (location.hash === "#/team") {
      show("#team");
      await team.open();
      $("#team-title").focus();
    } else if (!$("#team").hidden && !location.hash.startsWith("#/handoffs/")) {
      show("#queue");
      renderQueue(new Set());
      state.strip.refresh();
    }
  };
  window.addEventListener("hashchange", route);
  return route();
}

async function lookUpSession(event) {
  event.preventDefault();
  const target = $("#viewer-session");
  try {
    const session = await state.api.session($("#session-id").value.trim());
    target.textContent = `${session.intake_type} session, ${session.status}, confidence ${session.confidence_tier || "not assessed"}: ${JSON.stringify(session.intake_content)}`;
  } catch (error) {
    target.textContent = error.message;
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
  $("#nav").hidden = state.me.role === "viewer"; // engineers: the queue and Team & SLA; People and Channels: owners, admins
  for (const id of ["#nav-people", "#nav-channels"]) $(id).hidden = !mayManageChannels(state.me);
  if (state.me.role === "viewer") {
    show("#viewer");
    return;
  }
  await startEngineer();
}

// Signed in, but not a member (yet): the invitations for the verified email, or who to ask.
async function joinScreen(why) {
  $("#sign-out").hidden = false;
  show("#join");
  await showJoin(state.api, { why, onJoined: () => location.assign(location.pathname) });
}

async function openPeople() {
  if (!mayManageChannels(state.me)) return;
  state.people = state.people || new PeoplePage(state.api, state.me);
  show("#people");
  try {
    await state.people.load();
  } catch (error) {
    state.people.say(error.message, "error");
  }
  $("#people-title").focus();
}

async function showSignIn(problem = "") {
  show("#sign-in");
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
  $("#back").addEventListener("click", backToQueue);
  window.addEventListener("hashchange", () => route());
  $("#session-lookup").addEventListener("submit", lookUpSession);
  for (const radio of document.querySelectorAll('input[name="intent"]')) {
    radio.addEventListener("change", () => {
      state.intent = radio.value;
      renderQueue(new Set());
    });
  }
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
