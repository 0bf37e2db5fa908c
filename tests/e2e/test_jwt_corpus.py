"""The red-team JWT corpus against the gateway's JWT check: every attack is a 401 JSON with a `detail`.

Each token is built the way an attacker would build it (by hand where PyJWT refuses to), and
sent to a route that needs a token; a token that got through would answer 200.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from local.oidc import LocalIssuer
from tests.e2e.conftest import Stack


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segment(value: Any) -> str:
    return _b64(json.dumps(value, separators=(",", ":")).encode())


def _hand_signed(header: dict[str, Any], claims: dict[str, Any], hmac_key: bytes | None = None, signature: str = "") -> str:
    """A token assembled by hand: HS256 with any bytes as the secret, or a given (or empty) signature."""
    signing_input = f"{_segment(header)}.{_segment(claims)}"
    if hmac_key is not None:
        signature = _b64(hmac.new(hmac_key, signing_input.encode(), hashlib.sha256).digest())
    return f"{signing_input}.{signature}"


def _private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class Forge:
    """What an attacker knows: the issuer, the audience, the published JWKS (and so the kid and public key)."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.kid = LocalIssuer(stack.issuer, "baton-local", stack.signing_key).kid
        self.jwks = httpx.get(f"{stack.base_url}/local/oidc/.well-known/jwks.json").json()
        self.public_jwk = self.jwks["keys"][0]
        self.public_pem = jwt.PyJWK.from_dict(self.public_jwk).key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.attacker = _private_key()
        self.sub = stack.user("senior@acme.test")["id"]

    def claims(self, **changes: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {"iss": self.stack.issuer, "aud": "baton-local", "sub": self.sub, "iat": now, "nbf": now, "exp": now + 600}
        claims |= changes
        return {name: value for name, value in claims.items() if value is not _DROP}

    def real(self, claims: dict[str, Any], headers: dict[str, Any] | None = None) -> str:
        """Signed with the issuer's own key: only the claims or extra headers are the attack (claims unchecked)."""
        payload = json.dumps(claims).encode()
        return jwt.api_jws.encode(
            payload, self.stack.signing_key, algorithm="RS256", headers={"kid": self.kid, **(headers or {})}
        )

    def by_attacker(self, claims: dict[str, Any], headers: dict[str, Any]) -> str:
        return jwt.encode(claims, self.attacker, algorithm="RS256", headers=headers)

    def attacker_jwk(self, kid: str) -> dict[str, Any]:
        return {**jwt.algorithms.RSAAlgorithm.to_jwk(self.attacker.public_key(), as_dict=True), "kid": kid}


_DROP = object()
Attack = Callable[[Forge], str]

ATTACKS: dict[str, Attack] = {
    # alg none, in every spelling, with and without a signature
    **{
        f"alg-{alg}": (lambda f, alg=alg: _hand_signed({"alg": alg, "typ": "JWT", "kid": f.kid}, f.claims()))
        for alg in ("none", "None", "NONE", "nOnE")
    },
    "alg-none-with-signature": lambda f: _hand_signed({"alg": "none", "kid": f.kid}, f.claims(), signature="AAAA"),
    "alg-missing": lambda f: _hand_signed({"kid": f.kid}, f.claims(), hmac_key=b"x"),
    # HS256 with the issuer's public key as the HMAC secret (RS/HS confusion)
    "hs256-public-pem": lambda f: _hand_signed({"alg": "HS256", "kid": f.kid}, f.claims(), hmac_key=f.public_pem),
    "hs256-public-pem-no-newline": lambda f: _hand_signed(
        {"alg": "HS256", "kid": f.kid}, f.claims(), hmac_key=f.public_pem.rstrip(b"\n")
    ),
    "hs256-public-jwk": lambda f: _hand_signed(
        {"alg": "HS256", "kid": f.kid}, f.claims(), hmac_key=json.dumps(f.public_jwk).encode()
    ),
    "hs256-public-n": lambda f: _hand_signed({"alg": "HS256", "kid": f.kid}, f.claims(), hmac_key=f.public_jwk["n"].encode()),
    "hs512-public-pem": lambda f: _hand_signed({"alg": "HS512", "kid": f.kid}, f.claims(), hmac_key=f.public_pem),
    "ps256": lambda f: jwt.encode(f.claims(), f.attacker, algorithm="PS256", headers={"kid": f.kid}),
    # a foreign key that claims the issuer's kid
    "foreign-key-same-kid": lambda f: f.by_attacker(f.claims(), {"kid": f.kid}),
    "foreign-key-no-kid": lambda f: jwt.encode(f.claims(), f.attacker, algorithm="RS256"),
    # keys the token points at: never fetched, never trusted
    "jku-attacker-jwks": lambda f: f.by_attacker(f.claims(), {"kid": "attacker", "jku": "http://127.0.0.1:9/jwks.json"}),
    "jku-same-kid": lambda f: f.by_attacker(f.claims(), {"kid": f.kid, "jku": "http://127.0.0.1:9/jwks.json"}),
    "x5u-attacker": lambda f: f.by_attacker(f.claims(), {"kid": f.kid, "x5u": "http://127.0.0.1:9/cert.pem"}),
    "jwk-embedded": lambda f: f.by_attacker(f.claims(), {"kid": "attacker", "jwk": f.attacker_jwk("attacker")}),
    "jwk-embedded-same-kid": lambda f: f.by_attacker(f.claims(), {"kid": f.kid, "jwk": f.attacker_jwk(f.kid)}),
    # kid tricks
    "kid-path-traversal": lambda f: f.by_attacker(f.claims(), {"kid": "../../../../../../dev/null"}),
    "kid-traversal-after-real-kid": lambda f: f.by_attacker(f.claims(), {"kid": f"{f.kid}/../../dev/null"}),
    "kid-sql": lambda f: f.by_attacker(f.claims(), {"kid": "' OR '1'='1"}),
    "kid-not-a-string": lambda f: _hand_signed({"alg": "RS256", "kid": 1}, f.claims(), signature="AAAA"),
    # issuer
    "iss-missing": lambda f: f.real(f.claims(iss=_DROP)),
    "iss-other": lambda f: f.real(f.claims(iss="https://evil.example/local/oidc")),
    "iss-trailing-slash": lambda f: f.real(f.claims(iss=f.stack.issuer + "/")),
    "iss-upper-case": lambda f: f.real(f.claims(iss=f.stack.issuer.upper())),
    "iss-list": lambda f: f.real(f.claims(iss=[f.stack.issuer])),
    # audience
    "aud-missing": lambda f: f.real(f.claims(aud=_DROP)),
    "aud-other": lambda f: f.real(f.claims(aud="someone-else")),
    "aud-list-without-ours": lambda f: f.real(f.claims(aud=["a", "b"])),
    "aud-prefix": lambda f: f.real(f.claims(aud="baton-local-evil")),
    # expiry and not-before, including strict types
    "exp-missing": lambda f: f.real(f.claims(exp=_DROP)),
    "exp-past": lambda f: f.real(f.claims(exp=int(time.time()) - 120, iat=int(time.time()) - 3600)),
    "exp-numeric-string": lambda f: f.real(f.claims(exp=str(int(time.time()) + 600))),
    "exp-boolean": lambda f: f.real(f.claims(exp=True)),
    "exp-null": lambda f: f.real(f.claims(exp=None)),
    "exp-object": lambda f: f.real(f.claims(exp={"$gt": 0})),
    "nbf-future": lambda f: f.real(f.claims(nbf=int(time.time()) + 3600)),
    "nbf-numeric-string": lambda f: f.real(f.claims(nbf=str(int(time.time()) - 10))),
    "iat-string": lambda f: f.real(f.claims(iat="yesterday")),
    # subject
    "sub-missing": lambda f: f.real(f.claims(sub=_DROP)),
    "sub-empty": lambda f: f.real(f.claims(sub="")),
    "sub-number": lambda f: f.real(f.claims(sub=12345)),
    "sub-list": lambda f: f.real(f.claims(sub=[f.sub])),
    # shapes
    "two-segments": lambda f: f.real(f.claims()).rsplit(".", 1)[0],
    "four-segments": lambda f: f.real(f.claims()) + ".AAAA",
    "signature-stripped": lambda f: f.real(f.claims()).rsplit(".", 1)[0] + ".",
    "signature-of-another-token": lambda f: (
        f.real(f.claims(sub="someone-else")).rsplit(".", 1)[0] + "." + f.real(f.claims()).rsplit(".", 1)[1]
    ),
    "header-not-json": lambda f: _b64(b"{not json") + "." + _segment(f.claims()) + ".AAAA",
    "header-a-list": lambda f: _segment(["RS256"]) + "." + _segment(f.claims()) + ".AAAA",
    "payload-not-json": lambda f: _segment({"alg": "RS256", "kid": f.kid}) + "." + _b64(b"[1,2") + ".AAAA",
    "not-base64": lambda f: "%%%.%%%.%%%",
    # size: a real signature over 100 KB of claims
    "100-kb-token": lambda f: f.real(f.claims(padding="x" * 100_000)),
}


@pytest.fixture(scope="module")
def forge(stack: Stack) -> Forge:
    return Forge(stack)


def test_the_forge_makes_a_token_the_gateway_accepts(stack: Stack, forge: Forge) -> None:
    # Given the attacker's tooling signing honestly with the real key, Then the gateway lets it in (the corpus is meaningful)
    reply = httpx.get(f"{stack.base_url}/api/v1/me", headers={"Authorization": f"Bearer {forge.real(forge.claims())}"})
    assert reply.status_code == 200, reply.text


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_every_attack_is_a_401_json_with_a_detail(stack: Stack, forge: Forge, attack: str) -> None:
    # Given a token built for the attack
    token = ATTACKS[attack](forge)
    # When it is presented to a route behind the JWT authorizer
    reply = httpx.get(f"{stack.base_url}/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    # Then 401, JSON, with a sentence saying why, and the standard challenge
    assert reply.status_code == 401, f"{attack}: {reply.status_code} {reply.text[:200]}"
    assert reply.headers["content-type"].startswith("application/json")
    assert reply.json()["message"] == "Unauthorized" and reply.json()["detail"]
    assert reply.headers["www-authenticate"].startswith("Bearer")
