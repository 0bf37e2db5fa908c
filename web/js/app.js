// The escalation console: sign in, the live queue, Pick Up, the handoff context.
import { Api, ApiError } from "./api.js";
import * as auth from "./auth.js";
import { showContext } from "./context.js";
import { LiveConnection } from "./live.js";
import { QueueState, QueueView } from "./queue.js";

const $ = (selector) => document.querySelector(selector);
const CONNECTION_LABELS = { live: "Live", connecting: "Connecting…", reconnecting: "Reconnecting…", offline: "Offline" };
const TITLE = "baton";

const state = { config: null, api: null, me: null, live: null, queue: new QueueState(), view: null, intent: "", current: null, unseen: 0 };

function show(section) {
  for (const id of ["#sign-in", "#viewer", "#queue", "#context"]) $(id).hidden = id !== section;
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
function flashTitle() {
  if (!document.hidden) return;
  state.unseen += 1;
  clearInterval(state.flasher);
  let on = false;
  state.flasher = setInterval(() => {
    on = !on;
    document.title = on ? `(${state.unseen}) New escalation — ${TITLE}` : TITLE;
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
}

function applyHandoff(handoff, live) {
  const known = state.queue.handoffs.get(handoff.id);
  if (!state.queue.apply(handoff)) return;
  const arrived = live && handoff.status === "open" && !known;
  renderQueue(arrived ? new Set([handoff.id]) : new Set());
  if (arrived && handoff.intent === "escalate") {
    announce(`New escalation from ${handoff.created_by_name}: ${handoff.engineer_notes || "no notes"}`);
    flashTitle();
  }
  if (state.current && state.current.handoff.id === handoff.id) {
    state.current.handoff = handoff;
    showContext($("#context"), state.current);
  }
}

function onLiveMessage(message) {
  if (message.handoff && (message.type.startsWith("handoff_"))) applyHandoff(message.handoff, message.type === "handoff_created");
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
    state.queue.apply(claimed);
    renderQueue(new Set());
    await openContext(claimed.session_id, claimed.id);
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
  state.current = await state.api.context(sessionId, handoffId);
  showContext($("#context"), state.current);
  show("#context");
  location.hash = `#/handoffs/${sessionId}/${handoffId}`;
  $("#context-title").focus();
}

function backToQueue() {
  state.current = null;
  history.replaceState(null, "", location.pathname);
  show("#queue");
  renderQueue(new Set());
}

async function act(action, body) {
  const message = $("#context-message");
  try {
    const changed = await state.api.act(state.current.handoff, action, body);
    applyHandoff(changed, false);
    state.current.handoff = changed;
    showContext($("#context"), state.current);
    message.textContent = action === "release" ? "Released: it is back in the queue." : "Resolved. Thank you!";
  } catch (error) {
    message.textContent = error.message;
  }
}

async function startEngineer() {
  state.view = new QueueView($("#queue-list"), $("#queue-empty"), $("#queue-count"), pickUp);
  const loadedAt = new Date().toISOString();
  for (const handoff of await state.api.openQueue()) state.queue.apply(handoff);
  renderQueue(new Set());
  show("#queue");
  setInterval(() => state.view.tick(), 30000);
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
    auth.forgetToken();
    return showSignIn(error.message);
  }
  $("#who").textContent = `${state.me.display_name} · ${state.me.role} · ${state.me.account_id}`;
  $("#sign-out").hidden = false;
  if (state.me.role === "viewer") {
    show("#viewer");
    return;
  }
  await startEngineer();
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
  } else if (mode === "cognito") {
    $("#cognito-sign-in").hidden = false;
  } else {
    $("#token-sign-in").hidden = false;
  }
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
  $("#cognito-button").addEventListener("click", () => auth.startCognito(state.config.cognito));
  $("#sign-out").addEventListener("click", () => {
    auth.forgetToken();
    location.reload();
  });
  $("#back").addEventListener("click", backToQueue);
  $("#release").addEventListener("click", () => act("release"));
  $("#resolve-form").addEventListener("submit", (event) => {
    event.preventDefault();
    act("resolve", { resolution_notes: $("#resolution-notes").value });
  });
  $("#session-lookup").addEventListener("submit", lookUpSession);
  for (const radio of document.querySelectorAll('input[name="intent"]')) {
    radio.addEventListener("change", () => {
      state.intent = radio.value;
      renderQueue(new Set());
    });
  }
  if (state.config.signIn === "cognito") {
    const token = await auth.finishCognito(state.config.cognito).catch((error) => showSignIn(error.message));
    if (token) return signedIn(token);
  }
  const token = auth.savedToken();
  if (token) return signedIn(token);
  return showSignIn();
}

main();
