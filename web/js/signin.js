// The sign-in screen, as the config says: the local runtime's demo users, a pasted token, or the
// company's identity provider (auth.js speaks the protocols).
import * as auth from "./auth.js";
import { $ } from "./dom.js";
import { showOnly } from "./router.js";

// `signedIn(token)` once the user has a token.
export function wireSignIn(config, signedIn) {
  $("#local-sign-in").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await signedIn(await auth.demoToken(config.apiBaseUrl, $("#demo-user").value));
    } catch (error) {
      $("#sign-in-error").textContent = error.message;
    }
  });
  $("#token-sign-in").addEventListener("submit", (event) => {
    event.preventDefault();
    signedIn($("#pasted-token").value.trim());
  });
  $("#oidc-button").addEventListener("click", () => {
    auth.startSignIn(config).catch((error) => { $("#sign-in-error").textContent = error.message; });
  });
}

export async function showSignIn(config, problem = "") {
  showOnly("#sign-in");
  $("#sign-in-error").textContent = problem;
  if (config.signIn === "local") {
    const select = $("#demo-user");
    const users = await auth.demoUsers(config.apiBaseUrl);
    select.replaceChildren(...users.map((user) => new Option(`${user.display_name} — ${user.role} (${user.email})`, user.email)));
    $("#local-sign-in").hidden = false;
  } else if (!auth.usesOidc(config)) {
    $("#token-sign-in").hidden = false;
  }
  $("#oidc-sign-in").hidden = !auth.usesOidc(config);
}
