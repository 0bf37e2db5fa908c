"""The caller's verified email: the token's claims, else the issuer's userinfo (over real loopback HTTP)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from baton.domain.errors import Transient
from baton.identity_provider import UserInfoClient
from baton.logic.identity import identity_from


def never() -> dict[str, Any]:
    raise AssertionError("userinfo must not be asked when the token settles it")


@pytest.mark.parametrize("flag", [True, "true", "True"])
def test_a_verified_email_in_the_token_needs_no_network(flag: Any) -> None:
    identity = identity_from({"sub": "s", "email": " Ann@Example.COM", "email_verified": flag, "name": "Ann"}, never)
    assert identity.verified_email == "ann@example.com" and identity.subject == "s" and identity.name == "Ann"


def test_entra_ids_domain_owner_verified_claim_counts() -> None:
    assert identity_from({"sub": "s", "email": "a@b.example", "xms_edov": "true"}, never).verified_email == "a@b.example"


@pytest.mark.parametrize("claims", [{"email": "a@b.example"}, {"email": "a@b.example", "email_verified": "false"}, {}])
def test_otherwise_userinfo_decides_and_only_about_the_same_sub(claims: dict[str, Any]) -> None:
    same = identity_from({"sub": "s", **claims}, lambda: {"sub": "s", "email": "a@b.example", "email_verified": True})
    assert same.verified_email == "a@b.example"
    other = identity_from({"sub": "s", **claims}, lambda: {"sub": "t", "email": "a@b.example", "email_verified": True})
    assert other.verified_email is None
    unverified = identity_from({"sub": "s", **claims}, lambda: {"sub": "s", "email": "a@b.example", "email_verified": False})
    assert unverified.verified_email is None


class Issuer(BaseHTTPRequestHandler):
    """A discovery document and a userinfo endpoint on loopback; `slow` makes userinfo hang."""

    calls: ClassVar[list[str]] = []
    slow = False

    def do_GET(self) -> None:
        Issuer.calls.append(self.path)
        host = f"http://127.0.0.1:{self.server.server_address[1]}"
        if self.path == "/.well-known/openid-configuration":
            self._json(200, {"issuer": host, "userinfo_endpoint": f"{host}/userinfo"})
        elif self.path == "/userinfo":
            if Issuer.slow:
                time.sleep(1)
            if self.headers.get("Authorization") != "Bearer good":
                self._json(401, {"error": "invalid_token"})
            else:
                self._json(200, {"sub": "s", "email": "a@b.example", "email_verified": "true"})

    def _json(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except BrokenPipeError:
            pass  # the client gave up waiting (the timeout test)

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def issuer() -> Iterator[str]:
    Issuer.calls, Issuer.slow = [], False
    server = ThreadingHTTPServer(("127.0.0.1", 0), Issuer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_userinfo_is_found_by_discovery_once_and_asked_with_the_callers_token(issuer: str) -> None:
    client = UserInfoClient(timeout=0.5)
    assert client.userinfo(issuer, "good")["email"] == "a@b.example"
    assert client.userinfo(issuer + "/", "bad") == {}  # refused token: no verified email, not an error
    assert Issuer.calls.count("/.well-known/openid-configuration") == 1


def test_a_slow_issuer_is_a_503_not_a_hang(issuer: str) -> None:
    Issuer.slow = True
    with pytest.raises(Transient):
        UserInfoClient(timeout=0.2).userinfo(issuer, "good")


def test_only_https_or_loopback_issuers_are_asked() -> None:
    with pytest.raises(Transient, match="https"):
        UserInfoClient().userinfo("http://idp.example", "good")
