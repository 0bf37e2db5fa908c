"""The gateway checks JWTs as the HTTP API's JWT authorizer does: 401 with a `detail`."""

from __future__ import annotations

import time
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from local.oidc import LocalIssuer
from tests.e2e.conftest import Stack


def _claims(stack: Stack, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    user = stack.user("senior@acme.test")
    return {"iss": stack.issuer, "aud": "baton-local", "sub": user["id"], "iat": now, "exp": now + 600} | changes


def _signed(stack: Stack, claims: dict[str, Any], key: bytes | None = None) -> str:
    kid = LocalIssuer(stack.issuer, "baton-local", stack.signing_key).kid
    return jwt.encode(claims, key or stack.signing_key, algorithm="RS256", headers={"kid": kid})


def _other_key() -> bytes:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def test_a_well_formed_token_is_accepted(stack: Stack) -> None:
    reply = httpx.get(f"{stack.base_url}/api/v1/me", headers={"Authorization": f"Bearer {_signed(stack, _claims(stack))}"})
    assert reply.status_code == 200


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("missing", "missing"),
        ("not-bearer", "Bearer"),
        ("garbage", "not a valid JWT"),
        ("expired", "expired"),
        ("wrong-issuer", "issuer"),
        ("wrong-audience", "audience"),
        ("alg-none", "RS256"),
        ("hs256", "RS256"),
        ("foreign-key", "not a valid JWT"),
    ],
)
def test_bad_tokens_are_401_with_a_detail(stack: Stack, case: str, expected: str) -> None:
    # Given a token that API Gateway's JWT authorizer would refuse
    tokens = {
        "garbage": "not.a.jwt",
        "expired": _signed(stack, _claims(stack, exp=int(time.time()) - 60, iat=int(time.time()) - 3600)),
        "wrong-issuer": _signed(stack, _claims(stack, iss="https://evil.example/")),
        "wrong-audience": _signed(stack, _claims(stack, aud="someone-else")),
        "alg-none": jwt.encode(_claims(stack), key=None, algorithm="none"),
        "hs256": jwt.encode(_claims(stack), "secret-secret-secret-secret-secret", algorithm="HS256"),
        "foreign-key": _signed(stack, _claims(stack), key=_other_key()),
    }
    headers = {
        "missing": {},
        "not-bearer": {"Authorization": "Basic dXNlcjpwYXNz"},
    }.get(case, {"Authorization": f"Bearer {tokens.get(case, '')}"})
    # When it is presented
    reply = httpx.get(f"{stack.base_url}/api/v1/ai-sessions/queue", headers=headers)
    # Then 401, a detail that says why, and the standard challenge header
    assert reply.status_code == 401
    assert expected in reply.json()["detail"]
    assert reply.headers["www-authenticate"].startswith("Bearer")
