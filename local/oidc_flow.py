"""The local issuer's sign-in: `authorize` (a demo-user picker, or any email), `token` (authorization
code + PKCE S256, refresh tokens that rotate) and `userinfo`, as any OIDC provider serves them, so the
console's real sign-in code runs under `make dev` and in the browser tests.

Every address that signs in here is "verified" (`email_verified: true`): the local issuer is a stand-in
for the MSP's identity provider, which would have checked the mailbox. Codes live 60 s and work once;
refresh tokens live 12 h and are replaced on every use (a reused one is refused).
"""

from __future__ import annotations

import base64
import hashlib
import html
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from aiohttp import web

from local.demo import demo_user_id
from local.oidc import JwtAuthorizer, LocalIssuer, TokenRejected

CODE_SECONDS = 60
REFRESH_SECONDS = 12 * 3600
_AUTHORIZE_PARAMS = ("response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge", "code_challenge_method")
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@dataclass(frozen=True)
class Grant:
    """Who signed in, for which client: what a code or a refresh token stands for."""

    subject: str
    email: str
    name: str | None
    client_id: str
    expires: float
    redirect_uri: str = ""
    code_challenge: str = ""


class OidcError(Exception):
    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


def pkce_s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


class AuthorizationServer:
    def __init__(
        self,
        issuer: LocalIssuer,
        authorizer: JwtAuthorizer,
        users: Callable[[], list[dict[str, Any]]],
        redirect_origins: list[str],
        token_lifetime: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._issuer = issuer
        self._authorizer = authorizer
        self._users = users
        self._redirect_origins = redirect_origins
        self._lifetime = token_lifetime
        self._clock = clock
        self._codes: dict[str, Grant] = {}
        self._refresh: dict[str, Grant] = {}
        self._signed_in: dict[str, tuple[str, str | None]] = {}  # sub -> (email, name), for userinfo

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/local/oidc/authorize", self.authorize_page)
        app.router.add_post("/local/oidc/authorize", self.authorize)
        app.router.add_post("/local/oidc/token", self.token)
        app.router.add_get("/local/oidc/userinfo", self.userinfo)

    # --- authorize ------------------------------------------------------------------------
    def _check_client(self, params: dict[str, str]) -> None:
        """Never redirect to an unregistered address: these errors are shown, not sent back."""
        if params.get("client_id") != self._issuer.audience:
            raise OidcError("unauthorized_client", f"Unknown client_id; the local issuer's client is {self._issuer.audience!r}.")
        redirect = params.get("redirect_uri", "")
        parts = urlsplit(redirect)
        if f"{parts.scheme}://{parts.netloc}" not in self._redirect_origins or parts.fragment:
            allowed = ", ".join(self._redirect_origins)
            raise OidcError("invalid_request", f"redirect_uri must be on the console's origin ({allowed}).")

    def _check_request(self, params: dict[str, str]) -> None:
        if params.get("response_type") != "code":
            raise OidcError("unsupported_response_type", "Only response_type=code is supported.")
        if params.get("code_challenge_method") != "S256" or len(params.get("code_challenge", "")) < 43:
            raise OidcError("invalid_request", "PKCE is required: code_challenge with code_challenge_method=S256.")

    def _refusal(self, params: dict[str, str]) -> web.Response | None:
        """An unknown client or redirect gets a page (never a redirect to it); a bad request from a
        known client goes back to its redirect URI with the error, as OAuth says."""
        try:
            self._check_client(params)
        except OidcError as error:
            return _page(400, "Sign-in cannot start", f"<p role='alert'>{html.escape(error.description)}</p>")
        try:
            self._check_request(params)
        except OidcError as error:
            return _redirect_error(params, error)
        return None

    async def authorize_page(self, request: web.Request) -> web.Response:
        params = {name: request.query.get(name, "") for name in _AUTHORIZE_PARAMS}
        refused = self._refusal(params)
        return refused or _page(200, "Sign in to baton", self._picker(params))

    async def authorize(self, request: web.Request) -> web.Response:
        form = await request.post()
        params = {name: str(form.get(name, "")) for name in _AUTHORIZE_PARAMS}
        if refused := self._refusal(params):
            return refused
        email = str(form.get("email", "")).strip().lower()
        if "@" not in email or len(email) > 254 or any(c.isspace() for c in email):
            return _page(422, "Sign in to baton", self._picker(params, problem="Enter an email address, e.g. you@example.com."))
        demo = next((u for u in self._users() if u["email"] == email), None)
        name = demo["display_name"] if demo else None
        code = secrets.token_urlsafe(32)
        self._codes[code] = Grant(
            subject=demo["id"] if demo else demo_user_id(email),
            email=email,
            name=name,
            client_id=params["client_id"],
            expires=self._clock() + CODE_SECONDS,
            redirect_uri=params["redirect_uri"],
            code_challenge=params["code_challenge"],
        )
        query = {"code": code, **({"state": params["state"]} if params["state"] else {})}
        raise web.HTTPFound(f"{params['redirect_uri']}{'&' if '?' in params['redirect_uri'] else '?'}{urlencode(query)}")

    def _picker(self, params: dict[str, str], problem: str = "") -> str:
        hidden = "".join(
            f'<input type="hidden" name="{name}" value="{html.escape(value, quote=True)}">' for name, value in params.items()
        )
        people = "".join(
            f'<li><button type="submit" name="email" value="{html.escape(u["email"], quote=True)}">'
            f"{html.escape(u['display_name'])} <span>{html.escape(u['role'])} · {html.escape(u['email'])}</span></button></li>"
            for u in self._users()
        )
        alert = f'<p id="problem" role="alert">{html.escape(problem)}</p>' if problem else ""
        return (
            "<p>This is the local identity provider of <code>make dev</code>: it stands in for your company's "
            "(Entra ID, Okta, Auth0, Cognito…) and vouches for any address you give it.</p>"
            f'<form method="post" action="authorize" aria-labelledby="any-title">{hidden}'
            '<h2 id="any-title">Any email address</h2>'
            '<label for="email">Email</label>'
            '<input id="email" name="email" type="email" autocomplete="email" placeholder="new.person@example.com">'
            f"{alert}"
            '<button type="submit" id="continue">Continue</button></form>'
            f'<form method="post" action="authorize" aria-labelledby="demo-title">{hidden}'
            f'<h2 id="demo-title">Demo users</h2><ul class="people">{people}</ul></form>'
        )

    # --- token ------------------------------------------------------------------------------
    async def token(self, request: web.Request) -> web.Response:
        form = await request.post()
        fields = {name: str(value) for name, value in form.items()}
        try:
            grant = self._redeem(fields)
        except OidcError as error:
            return web.json_response(
                {"error": error.error, "error_description": error.description}, status=400, headers=_NO_STORE
            )
        refresh_token = secrets.token_urlsafe(32)
        self._refresh[refresh_token] = Grant(
            grant.subject, grant.email, grant.name, grant.client_id, self._clock() + REFRESH_SECONDS
        )
        self._signed_in[grant.subject] = (grant.email, grant.name)
        access = self._issuer.token_for(grant.subject, grant.email, self._lifetime, name=grant.name)
        body = {
            "access_token": access,
            "id_token": access,  # the same claims; the console reads neither, it asks the API who it is
            "refresh_token": refresh_token,
            "token_type": "Bearer",
            "expires_in": self._lifetime,
            "scope": "openid email profile",
        }
        return web.json_response(body, headers=_NO_STORE)

    def _redeem(self, fields: dict[str, str]) -> Grant:
        kind = fields.get("grant_type")
        now = self._clock()
        if kind == "authorization_code":
            grant = self._codes.pop(fields.get("code", ""), None)  # single use, whatever happens next
            if grant is None or grant.expires < now:
                raise OidcError("invalid_grant", "The code is unknown, used or expired; sign in again.")
            if fields.get("client_id") != grant.client_id or fields.get("redirect_uri") != grant.redirect_uri:
                raise OidcError("invalid_grant", "The code was issued to another client or redirect_uri.")
            if not secrets.compare_digest(pkce_s256(fields.get("code_verifier", "")), grant.code_challenge):
                raise OidcError("invalid_grant", "The code_verifier does not match the code_challenge (PKCE).")
            return grant
        if kind == "refresh_token":
            grant = self._refresh.pop(fields.get("refresh_token", ""), None)  # rotated: each works once
            if grant is None or grant.expires < now:
                raise OidcError("invalid_grant", "The refresh token is unknown, used or expired; sign in again.")
            if fields.get("client_id") != grant.client_id:
                raise OidcError("invalid_grant", "The refresh token was issued to another client.")
            return grant
        raise OidcError("unsupported_grant_type", "grant_type must be authorization_code or refresh_token.")

    # --- userinfo -----------------------------------------------------------------------------
    async def userinfo(self, request: web.Request) -> web.Response:
        try:
            claims = self._authorizer.claims(request.headers.get("Authorization"))
        except TokenRejected as error:
            headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
            return web.json_response({"error": "invalid_token", "error_description": str(error)}, status=401, headers=headers)
        subject = str(claims["sub"])
        known = self._signed_in.get(subject)
        if known is None:
            return web.json_response({"sub": subject}, headers=_NO_STORE)  # never signed in here: no email to vouch for
        email, name = known
        return web.json_response({"sub": subject, "email": email, "email_verified": True, "name": name}, headers=_NO_STORE)

    def remember(self, subject: str, email: str, name: str | None) -> None:
        """Tokens of `/local/token` are for signed-in people too."""
        self._signed_in[subject] = (email, name)


def _redirect_error(params: dict[str, str], error: OidcError) -> web.Response:
    query = {
        "error": error.error,
        "error_description": error.description,
        **({"state": params["state"]} if params["state"] else {}),
    }
    raise web.HTTPFound(f"{params['redirect_uri']}?{urlencode(query)}")


def _page(status: int, title: str, body: str) -> web.Response:
    document = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} · local identity provider</title><link rel="icon" href="data:,">
<style>
body {{ font: 16px/1.5 system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #1d2330; }}
main {{ max-width: 36rem; margin: 2rem auto; background: #fff; padding: 1.5rem 2rem; border-radius: 8px; }}
h1 {{ font-size: 1.4rem; }} h2 {{ font-size: 1.1rem; margin-top: 1.5rem; }}
label {{ display: block; font-weight: 600; }}
input {{ font: inherit; padding: .6rem; width: 100%; box-sizing: border-box; border: 1px solid #5b6474; border-radius: 4px; }}
button {{ font: inherit; min-height: 44px; padding: .5rem 1rem; margin-top: .5rem; border-radius: 4px;
  border: 1px solid #1f4fb8; background: #1f4fb8; color: #fff; cursor: pointer; }}
ul.people {{ list-style: none; padding: 0; }}
ul.people button {{ width: 100%; text-align: left; background: #fff; color: #1d2330; border-color: #5b6474; }}
ul.people span {{ color: #424b5a; font-size: .9rem; display: block; }}
[role=alert] {{ color: #a11a1a; }}
</style></head>
<body><main><h1>{html.escape(title)}</h1>{body}</main></body></html>"""
    return web.Response(status=status, text=document, content_type="text/html")
