"""RS256 checked in the standard library (baton/connectors/rs256.py) against `cryptography`'s signatures (the dev
environment has it; the Lambda layer does not): what it signs verifies, anything altered or signed otherwise does not,
and weak or foreign keys are refused."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from baton.connectors import teams_bot
from baton.connectors.rs256 import RsaPublicKey
from baton.domain.clock import parse_iso

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _jwk(key: rsa.RSAPrivateKey, **extra: Any) -> dict[str, Any]:
    numbers = key.public_key().public_numbers()
    return {"kty": "RSA", "n": _b64(numbers.n), "e": _b64(numbers.e), **extra}


def _sign(message: bytes, key: rsa.RSAPrivateKey = KEY) -> bytes:
    return key.sign(message, padding.PKCS1v15(), hashes.SHA256())


def test_what_cryptography_signs_verifies_and_nothing_else() -> None:
    # Given the public key of a 2048-bit RSA key, as a JWK
    public = RsaPublicKey.of_jwk(_jwk(KEY))
    message = b"header.payload"
    signature = _sign(message)
    # Then its PKCS#1 v1.5 SHA-256 signature verifies
    assert public.verifies(message, signature)
    # And none of these does: another message, one bit flipped, another key's signature, a cut or padded signature,
    # a signature not below the modulus, SHA-1 instead of SHA-256
    assert not public.verifies(b"header.payloaD", signature)
    assert not public.verifies(message, bytes([signature[0] ^ 1]) + signature[1:])
    assert not public.verifies(message, _sign(message, rsa.generate_private_key(public_exponent=65537, key_size=2048)))
    assert not public.verifies(message, signature[1:]) and not public.verifies(message, b"\x00" + signature)
    assert not public.verifies(message, (public.n + 1).to_bytes(256, "big"))
    assert not public.verifies(message, KEY.sign(message, padding.PKCS1v15(), hashes.SHA1()))


def test_weak_or_foreign_keys_are_refused() -> None:
    with pytest.raises(ValueError, match="2048"):
        RsaPublicKey.of_jwk(_jwk(rsa.generate_private_key(public_exponent=65537, key_size=1024)))
    with pytest.raises(ValueError, match="exponent"):
        RsaPublicKey.of_jwk({**_jwk(KEY), "e": _b64(65536)})
    with pytest.raises(ValueError, match="RSA"):
        RsaPublicKey.of_jwk({"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"})


def test_a_teams_token_signed_otherwise_than_rs256_by_the_key_does_not_verify() -> None:
    # Given the Bot Framework's key set and a token the key would accept, but signed with HS256 (the public modulus
    # as its secret) or not signed at all (alg none)
    jwks = {"keys": [_jwk(KEY, kid="k1")]}
    claims = {"iss": teams_bot.ISSUER, "aud": "app-1", "exp": 4_000_000_000, "serviceUrl": "https://x.test/"}
    body = json.dumps({"serviceUrl": "https://x.test/"}).encode()
    good = jwt.encode(claims, KEY, algorithm="RS256", headers={"kid": "k1"})
    hs256 = jwt.encode(claims, jwks["keys"][0]["n"], algorithm="HS256", headers={"kid": "k1"})
    unsigned = jwt.encode(claims, None, algorithm="none", headers={"kid": "k1"})
    now = parse_iso("2026-01-01T00:00:00.000Z")
    # Then only the RS256 one verifies
    assert teams_bot.verify(f"Bearer {good}", body, jwks, "app-1", now)
    assert not teams_bot.verify(f"Bearer {hs256}", body, jwks, "app-1", now)
    assert not teams_bot.verify(f"Bearer {unsigned}", body, jwks, "app-1", now)
    # Nor one whose RS256 header is put on the HS256 token's payload and signature
    header = good.split(".")[0]
    assert not teams_bot.verify(f"Bearer {header}.{hs256.split('.', 1)[1]}", body, jwks, "app-1", now)


def test_a_teams_token_verifies_without_cryptography_as_in_the_layer() -> None:
    # Given a good token, and an interpreter in which `cryptography` cannot be imported (the layer does not ship it)
    jwks = {"keys": [_jwk(KEY, kid="k1")]}
    claims = {"iss": teams_bot.ISSUER, "aud": "app-1", "exp": 4_000_000_000, "serviceUrl": "https://x.test/"}
    token = jwt.encode(claims, KEY, algorithm="RS256", headers={"kid": "k1"})
    probe = (
        "import json, sys\n"
        "sys.modules['cryptography'] = None\n"  # an import of it raises ImportError
        "import jwt.algorithms\n"
        "from baton.connectors import teams_bot\n"
        "from baton.domain.clock import parse_iso\n"
        "token, jwks = json.loads(sys.stdin.read())\n"
        "body = json.dumps({'serviceUrl': 'https://x.test/'}).encode()\n"
        "now = parse_iso('2026-01-01T00:00:00.000Z')\n"
        "print(jwt.algorithms.has_crypto, teams_bot.verify(f'Bearer {token}', body, jwks, 'app-1', now),"
        " teams_bot.verify(f'Bearer {token}x', body, jwks, 'app-1', now))\n"
    )
    # When it checks the token (and the token with its signature altered)
    done = subprocess.run(
        [sys.executable, "-c", probe], input=json.dumps([token, jwks]), capture_output=True, text=True, check=True
    )
    # Then PyJWT runs without its crypto backend, the good token verifies and the altered one does not
    assert done.stdout.split() == ["False", "True", "False"]
