// Sign-in. One OIDC code path for every provider (Entra ID, Okta, Auth0, the stack's Cognito pool, the
// local runtime's issuer): authorization code + PKCE, tokens kept in localStorage so every tab of the
// console shares one sign-in, a silent refresh before the access token expires (one tab at a time, under
// a Web Lock, because refresh tokens rotate), and sign-out in every tab at once.
// Plus the local runtime's demo shortcut (/local/token) and a pasted token, neither of which refreshes.
const STORE = "baton.auth";
const FLOW = "baton.oidc.flow"; // per tab: the PKCE verifier, state and where to come back to
const REFRESH_EARLY_MS = 60000;
const MIN_WAIT_MS = 5000;

// --- the shared store ------------------------------------------------------------------------
function stored() {
  try {
    return JSON.parse(localStorage.getItem(STORE) || "null");
  } catch {
    return null;
  }
}

function store(tokens) { localStorage.setItem(STORE, JSON.stringify(tokens)); }

export function savedToken() {
  const tokens = stored();
  if (!tokens) return null;
  if (tokens.expires_at && tokens.expires_at < Date.now() && !tokens.refresh_token) return null;
  return tokens.access_token;
}

export function saveToken(token) {
  const current = stored();
  if (current && current.access_token === token) return;
  store({ access_token: token, expires_at: expiryOf(token) });
}

export function forgetToken() { localStorage.removeItem(STORE); }

function expiryOf(token) {
  try {
    const payload = JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
    return typeof payload.exp === "number" ? payload.exp * 1000 : null;
  } catch {
    return null; // not a JWT we can read: the API will say
  }
}

// --- the local runtime's demo shortcut ----------------------------------------------------------
export async function demoUsers(baseUrl) {
  const reply = await fetch(`${baseUrl}/local/users`);
  if (!reply.ok) throw new Error("The local runtime does not list demo users.");
  return reply.json();
}

export async function demoToken(baseUrl, email) {
  const reply = await fetch(`${baseUrl}/local/token`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ email }),
  });
  const data = await reply.json();
  if (!reply.ok) throw new Error(data.detail || "Sign-in failed.");
  return data.access_token;
}

// --- the provider -------------------------------------------------------------------------------
// `oidc`: discovery from the issuer. `cognito`: the hosted UI's own endpoints (no discovery needed).
const providers = new Map();

export function usesOidc(config) {
  return (config.signIn === "oidc" || config.signIn === "local") && Boolean(config.oidc && config.oidc.issuer)
    || (config.signIn === "cognito" && Boolean(config.cognito && config.cognito.domain));
}

function client(config) {
  if (config.signIn === "cognito") return { clientId: config.cognito.clientId, scopes: config.cognito.scopes };
  return config.oidc;
}

async function provider(config) {
  const key = JSON.stringify([config.signIn, config.oidc, config.cognito]);
  if (!providers.has(key)) providers.set(key, discover(config));
  return providers.get(key);
}

async function discover(config) {
  if (config.signIn === "cognito") {
    const domain = config.cognito.domain.replace(/\/$/, "");
    return {
      authorization_endpoint: `${domain}/oauth2/authorize`,
      token_endpoint: `${domain}/oauth2/token`,
      cognito_logout: `${domain}/logout`,
    };
  }
  const issuer = new URL(config.oidc.issuer, location.origin).href.replace(/\/$/, "");
  const reply = await fetch(`${issuer}/.well-known/openid-configuration`);
  if (!reply.ok) throw new Error(`The identity provider's discovery document did not load (HTTP ${reply.status}).`);
  return reply.json();
}

function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function redirectUri() { return location.origin + location.pathname; }

export async function startSignIn(config) {
  const endpoints = await provider(config);
  const { clientId, scopes, audience } = client(config);
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  sessionStorage.setItem(FLOW, JSON.stringify({ verifier, state, hash: location.hash }));
  const challenge = base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  const query = new URLSearchParams({
    response_type: "code", client_id: clientId, redirect_uri: redirectUri(), scope: scopes || "openid email profile",
    state, code_challenge_method: "S256", code_challenge: challenge,
  });
  if (audience) query.set("audience", audience); // Auth0 issues a JWT access token for the API only with it
  location.assign(`${endpoints.authorization_endpoint}?${query}`);
}

// Back from the provider: exchange the code (once). Null when this page load is not a sign-in return.
export async function finishSignIn(config) {
  const params = new URLSearchParams(location.search);
  if (!params.has("code") && !params.has("error")) return null;
  const flow = JSON.parse(sessionStorage.getItem(FLOW) || "null");
  sessionStorage.removeItem(FLOW);
  history.replaceState(null, "", location.pathname + ((flow && flow.hash) || location.hash));
  if (params.has("error")) throw new Error(params.get("error_description") || `Sign-in failed: ${params.get("error")}.`);
  if (!flow || params.get("state") !== flow.state) throw new Error("This sign-in was not started here; sign in again.");
  const body = new URLSearchParams({
    grant_type: "authorization_code", client_id: client(config).clientId, code: params.get("code"),
    redirect_uri: redirectUri(), code_verifier: flow.verifier,
  });
  const tokens = await tokenRequest(config, body);
  store(tokens);
  return tokens.access_token;
}

async function tokenRequest(config, body) {
  const endpoints = await provider(config);
  const reply = await fetch(endpoints.token_endpoint, { method: "POST", body });
  const data = await reply.json().catch(() => ({}));
  if (!reply.ok) throw new Error(data.error_description || "The identity provider did not accept the sign-in; sign in again.");
  return {
    access_token: data.access_token,
    // Providers that do not rotate refresh tokens (Cognito) send none back on a refresh: keep the one we have.
    refresh_token: data.refresh_token || body.get("refresh_token") || null,
    expires_at: Date.now() + (Number(data.expires_in) || 3600) * 1000,
  };
}

// --- staying signed in ----------------------------------------------------------------------------
// Calls onToken(token) whenever this or another tab gets a new access token, and onSignedOut() when
// the sign-in ends (signed out in another tab, or the refresh token no longer works).
export function keepFresh(config, { onToken, onSignedOut }) {
  let timer = null;
  const schedule = () => {
    clearTimeout(timer);
    const tokens = stored();
    if (!tokens || !tokens.refresh_token || !tokens.expires_at) return;
    const wait = Math.max(MIN_WAIT_MS, tokens.expires_at - Date.now() - REFRESH_EARLY_MS);
    timer = setTimeout(refresh, Math.min(wait, 2 ** 31 - 1));
  };
  const refresh = async () => {
    try {
      await refreshIfDue(config);
    } catch (error) {
      console.warn("baton: the silent refresh failed:", error.message);
      forgetToken();
      onSignedOut(error.message);
      return;
    }
    const now = stored();
    if (now) onToken(now.access_token);
    schedule();
  };
  addEventListener("storage", (event) => {
    if (event.key !== STORE) return;
    const now = stored();
    if (!now) return onSignedOut("");
    onToken(now.access_token);
    schedule();
  });
  schedule();
}

// The stored access token, refreshed first when it expires within a minute (e.g. a tab opened after a
// night): one tab refreshes under the lock, the others find its new token in the store.
export async function freshToken(config) {
  await refreshIfDue(config);
  return savedToken();
}

async function refreshIfDue(config) {
  await withLock(async () => {
    const current = stored();
    if (!current || !current.refresh_token || !usesOidc(config)) return;
    if (current.expires_at - Date.now() > REFRESH_EARLY_MS) return; // fresh enough, or another tab just did it
    const body = new URLSearchParams({
      grant_type: "refresh_token", client_id: client(config).clientId, refresh_token: current.refresh_token,
    });
    store(await tokenRequest(config, body));
  });
}

function withLock(task) {
  if (navigator.locks) return navigator.locks.request("baton.refresh", task);
  return task(); // no Web Locks: at worst two tabs refresh at once, and the later one signs in again
}

// Every tab signs out (they watch the store); the provider's own session ends too where it has an endpoint.
export async function signOut(config) {
  forgetToken();
  if (!usesOidc(config)) return location.reload();
  const endpoints = await provider(config).catch(() => ({}));
  const back = location.origin + location.pathname;
  if (endpoints.cognito_logout) {
    location.assign(`${endpoints.cognito_logout}?${new URLSearchParams({ client_id: client(config).clientId, logout_uri: back })}`);
  } else if (endpoints.end_session_endpoint) {
    const query = new URLSearchParams({ client_id: client(config).clientId, post_logout_redirect_uri: back });
    location.assign(`${endpoints.end_session_endpoint}?${query}`);
  } else {
    location.assign(back);
  }
}
