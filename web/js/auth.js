// Sign-in: demo users against the local runtime, Cognito's hosted UI (PKCE), or a pasted token.
const KEY = "baton.token";

export function savedToken() { return sessionStorage.getItem(KEY); }
export function saveToken(token) { sessionStorage.setItem(KEY, token); }
export function forgetToken() { sessionStorage.removeItem(KEY); }

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

function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export async function startCognito(cognito) {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  sessionStorage.setItem("baton.pkce", verifier);
  const challenge = base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  const query = new URLSearchParams({
    response_type: "code", client_id: cognito.clientId, redirect_uri: location.origin + "/",
    scope: cognito.scopes, code_challenge_method: "S256", code_challenge: challenge,
  });
  location.assign(`${cognito.domain}/oauth2/authorize?${query}`);
}

export async function finishCognito(cognito) {
  const code = new URLSearchParams(location.search).get("code");
  if (!code) return null;
  const body = new URLSearchParams({
    grant_type: "authorization_code", client_id: cognito.clientId, code,
    redirect_uri: location.origin + "/", code_verifier: sessionStorage.getItem("baton.pkce") || "",
  });
  const reply = await fetch(`${cognito.domain}/oauth2/token`, { method: "POST", body });
  history.replaceState(null, "", location.pathname + location.hash);
  if (!reply.ok) throw new Error("Cognito did not accept the sign-in; try again.");
  return (await reply.json()).access_token;
}
