"""The local issuer's sign-in as a program drives it: authorize (pick an address) -> code -> token (PKCE)."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt

CLIENT_ID = "baton-local"


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize(base_url: str, email: str, challenge: str, redirect_uri: str | None = None, state: str = "s1") -> httpx.Response:
    """Submit the authorize page's form for `email`; the answer is the redirect (not followed)."""
    form = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": redirect_uri or f"{base_url}/",
        "scope": "openid email profile",
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "email": email,
    }
    return httpx.post(f"{base_url}/local/oidc/authorize", data=form, follow_redirects=False)


def code_from(reply: httpx.Response) -> str:
    assert reply.status_code == 302, reply.text
    return parse_qs(urlsplit(reply.headers["location"]).query)["code"][0]


def token(base_url: str, **fields: str) -> httpx.Response:
    return httpx.post(f"{base_url}/local/oidc/token", data={"client_id": CLIENT_ID, **fields})


def sign_in(base_url: str, email: str) -> dict[str, Any]:
    """The whole authorization code + PKCE flow: the token endpoint's answer."""
    verifier, challenge = pkce_pair()
    code = code_from(authorize(base_url, email, challenge))
    reply = token(base_url, grant_type="authorization_code", code=code, redirect_uri=f"{base_url}/", code_verifier=verifier)
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def forged(signing_key: bytes, issuer: str, subject: str, **claims: Any) -> str:
    """A token of the local issuer's key with exactly these claims (e.g. no email, or an unverified one)."""
    now = int(time.time())
    kid = _kid(signing_key)
    body = {"iss": issuer, "aud": CLIENT_ID, "sub": subject, "iat": now, "exp": now + 600, **claims}
    return jwt.encode(body, signing_key, algorithm="RS256", headers={"kid": kid})


def _kid(signing_key: bytes) -> str:
    from local.oidc import LocalIssuer

    return LocalIssuer("x", CLIENT_ID, signing_key).kid
