// The escalation console's entry: sign in, then wire the parts together. The screens (one module
// each) by their hash route (router.js), the handoffs this page knows (store.js) and what changes
// them (our own answers, and the live updates of live.js), and what a change means to the user
// (announcements.js). What a user may do with a handoff is the server's: the context answer's `actions`.
import { arrival, tell } from "./announcements.js";
import { Api, ApiError } from "./api.js";
import * as auth from "./auth.js";
import { ChannelsScreen } from "./channels.js";
import { ChatLinksScreen } from "./chatlinks.js";
import { ConnectorsScreen } from "./connectors.js";
import { ContextScreen } from "./context.js";
import { $ } from "./dom.js";
import { showJoin } from "./join.js";
import { NewSession } from "./junior.js";
import { startLiveUpdates } from "./live.js";
import { MyWork } from "./mywork.js";
import { DesktopNotifier } from "./notify.js";
import { PeoplePage } from "./people.js";
import { ProfileScreen } from "./profile.js";
import { QueueScreen } from "./queue.js";
import { Router, showOnly } from "./router.js";
import { showSignIn, wireSignIn } from "./signin.js";
import { HandoffStore } from "./store.js";
import { Figures, FiguresStrip, TeamPage } from "./team.js";
import { ViewerScreen } from "./viewer.js";

// Who sees what (the server still decides what each may do).
const ENGINEERS = ["owner", "admin", "engineer"];
const MANAGERS = ["owner", "admin"];  // people, channels, the SLA policy
const TICK_MS = 30000;  // cards' waiting times and SLA clocks
const FIGURES_MS = 60000;  // the figures strip above the queue

// The screens, in nav order (router.js says what each part of an entry means). To add one: its
// <section> in index.html, its module, and an entry here. `engineer`: the parts startEngineer made.
function screens({ api, me }, engineer) {
  let viewer = null;  // one screen for the viewer's list and the handoff links that open in it
  const viewerScreen = () => viewer || (viewer = new ViewerScreen({ api }));
  return {
    queue: { section: "#queue", focus: "#queue-title", nav: "Queue", roles: ENGINEERS, screen: () => engineer.queue },
    mine: { section: "#mywork", focus: "#mywork-title", nav: "My work", roles: ENGINEERS, screen: () => engineer.mywork },
    new: { section: "#new-session", focus: "#new-title", nav: "Hand off", roles: ENGINEERS, back: false, screen: () => engineer.newSession },
    sessions: { section: "#viewer", focus: "#viewer-title", nav: "Sessions", roles: ["viewer"], screen: viewerScreen },
    team: { section: "#team", focus: "#team-title", nav: "Team & SLA", roles: ENGINEERS, screen: () => engineer.team },
    people: { section: "#people", focus: "#people-title", nav: "People", roles: MANAGERS, screen: () => new PeoplePage(api, me) },
    profile: { section: "#profile", focus: "#profile-title", nav: "My email", roles: ENGINEERS, screen: () => new ProfileScreen(api, me) },
    channels: {
      section: "#channels", focus: "#channels-title", nav: "Channels", path: "settings/channels", roles: MANAGERS,
      screen: () => new ChannelsScreen($("#channels"), api),
    },
    connectors: {
      section: "#connectors", focus: "#connectors-title", nav: "Connectors", path: "settings/connectors", roles: MANAGERS,
      screen: () => new ConnectorsScreen($("#connectors"), api),
    },
    chatLinks: {
      section: "#chat-links", focus: "#chat-links-title", nav: "Chat links", path: "profile/chat-links", roles: [...ENGINEERS, "viewer"],
      screen: () => new ChatLinksScreen($("#chat-links"), api, me),
    },
    handoff: {
      section: "#context", focus: "#context-title", nav: null, roles: ENGINEERS, pattern: /^#\/handoffs\/([\w-]+)\/([\w-]+)$/,
      screen: () => engineer.context,
    },
    // A handoff's link (from an email or a chat message) opened by a viewer: it opens in their read-only list.
    viewhandoff: {
      section: "#viewer", focus: "#viewer-title", nav: null, roles: ["viewer"], pattern: /^#\/handoffs\/([\w-]+)\/([\w-]+)$/,
      screen: viewerScreen,
    },
  };
}

function handoffHash(handoff) {
  return `#/handoffs/${handoff.session_id}/${handoff.id}`;
}

// Engineers (and admins, owners): the queue, my work, hand off, a handoff's context, the team's figures,
// all kept live. Viewers have none of these, and no live connection (so no indicator either).
async function startEngineer({ config, api, me }, router) {
  const store = new HandoffStore();
  const open = (handoff, note) => router.go(handoffHash(handoff), note);
  const queue = new QueueScreen({ api, me, store, open });
  const mywork = new MyWork({ api, me, store, open });
  const context = new ContextScreen($("#context"), {
    api, me, store,
    backLabel: () => (router.listScreen === "mine" ? "← Back to my work" : "← Back to the queue"),
    onUnavailable: (sentence) => {
      queue.say(sentence);
      router.go("#/queue");
    },
  });
  $("#back").addEventListener("click", () => router.back());
  const newSession = new NewSession({
    api,
    onHandedOff: (handoff, sentence) => {
      store.apply(handoff);
      router.returnTo("mine");
      open(handoff, sentence);
    },
  });
  const figures = new Figures(api);
  const strip = new FiguresStrip($("#figures"), figures);
  const team = new TeamPage($("#team"), figures, { canEditPolicy: MANAGERS.includes(me.role) });
  const notifier = new DesktopNotifier($("#desktop-toggle"), $("#desktop-status"));
  // Every change to a handoff, ours or pushed: the lists, what the user is told, the context shown.
  store.subscribe((change) => {
    const { inQueue, toMe } = arrival(change, me);
    const arrivals = inQueue || toMe ? new Set([change.handoff.id]) : new Set();
    queue.render(arrivals);
    mywork.render(arrivals);
    tell(change, me);
    context.follow(change);
  });
  // Resume from a little before the first read: a change made meanwhile comes again, applied by version.
  const since = new Date(Date.now() - 60000).toISOString();
  await Promise.all([queue.load(), mywork.load()]);
  setInterval(() => {
    queue.tick();
    mywork.tick();
  }, TICK_MS);
  const live = startLiveUpdates({
    api, config, store, since,
    onEvent: (message) => {
      notifier.onEvent(message, me);
      strip.soon();
    },
  });
  strip.refresh();
  setInterval(() => strip.refresh(), FIGURES_MS);
  return { queue, mywork, context, newSession, team, live };
}

// Signed in, but not a member (yet): the invitations for the verified email, or who to ask.
async function joinScreen(api, why) {
  $("#sign-out").hidden = false;
  showOnly("#join");
  await showJoin(api, { why, onJoined: () => location.assign(location.pathname) });
}

async function main() {
  const config = await (await fetch("config.json")).json();
  let api = null;  // once a token is in hand
  let live = null;  // an engineer's live connection
  const signedIn = async (token) => {
    auth.saveToken(token);
    api = new Api(config.apiBaseUrl, token);
    let me;
    try {
      me = await api.me();
    } catch (error) {
      if (error instanceof ApiError && error.status === 403) return joinScreen(api, error.message);
      auth.forgetToken();
      return showSignIn(config, error.message);
    }
    $("#who").textContent = `${me.display_name} · ${me.role} · ${me.account_id}`;
    $("#account-menu").hidden = false;
    $("#sign-out").hidden = false;
    const router = new Router(me);
    const engineer = me.role === "viewer" ? null : await startEngineer({ config, api, me }, router);
    live = engineer && engineer.live;
    return router.start(screens({ api, me }, engineer));
  };
  wireSignIn(config, signedIn);
  $("#sign-out").addEventListener("click", () => auth.signOut(config));
  let returned = null;
  try {
    returned = await auth.finishSignIn(config);
  } catch (error) {
    return showSignIn(config, error.message);
  }
  auth.keepFresh(config, {
    onToken: (fresh) => {
      if (api) api.token = fresh;
      else location.reload(); // signed in in another tab: this one is too
    },
    onSignedOut: (why) => {
      if (!why) return location.reload(); // signed out in another tab
      if (live) live.stop();
      return showSignIn(config, why);
    },
  });
  const token = returned || await auth.freshToken(config).catch(() => null);
  if (token) return signedIn(token);
  return showSignIn(config);
}

main();
