"""RS256 signatures (RSASSA-PKCS1-v1_5 with SHA-256: RFC 7518 section 3.3, RFC 8017 section 8.2.2) checked in the
standard library, for PyJWT: verify only, with a JWK's public modulus and exponent.

Why not PyJWT's own RS256: it needs `cryptography`, whose 14 MiB native library was most of the Lambda layer, for
one public-key operation (`pow(s, e, n)`) on the Bot Framework's tokens. Verification follows RFC 8017's
encode-and-compare: the expected encoding is rebuilt from the message's digest and compared whole (in constant
time), so no padding is parsed (no Bleichenbacher-style forgery); keys under 2048 bits are refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any, NamedTuple, NoReturn

from jwt.algorithms import Algorithm

# DER of SHA-256's DigestInfo before the digest (RFC 8017 section 9.2, note 1).
SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")
MIN_MODULUS_BITS = 2048


class RsaPublicKey(NamedTuple):
    n: int
    e: int

    @classmethod
    def of_jwk(cls, jwk: dict[str, Any]) -> RsaPublicKey:
        """A JWK's RSA public key (`kty` RSA, base64url `n` and `e`); ValueError for anything else or a weak key."""
        if jwk.get("kty") != "RSA" or not isinstance(jwk.get("n"), str) or not isinstance(jwk.get("e"), str):
            raise ValueError("not an RSA public key")
        key = cls(n=_uint(jwk["n"]), e=_uint(jwk["e"]))
        if key.n.bit_length() < MIN_MODULUS_BITS or key.e < 3 or key.e % 2 == 0:
            raise ValueError("an RSA key under 2048 bits, or a bad exponent")
        return key

    def verifies(self, message: bytes, signature: bytes) -> bool:
        size = (self.n.bit_length() + 7) // 8
        if len(signature) != size:
            return False
        s = int.from_bytes(signature, "big")
        if s >= self.n:
            return False
        encoded = pow(s, self.e, self.n).to_bytes(size, "big")
        digest_info = SHA256_DIGEST_INFO + hashlib.sha256(message).digest()
        expected = b"\x00\x01" + b"\xff" * (size - len(digest_info) - 3) + b"\x00" + digest_info
        return hmac.compare_digest(encoded, expected)


def _uint(text: str) -> int:
    """A base64url (unpadded) big-endian unsigned integer, as JWKs write `n` and `e`."""
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if not raw:
        raise ValueError("an empty integer")
    return int.from_bytes(raw, "big")


class RS256(Algorithm):
    """PyJWT's algorithm interface, verify only: the key is an `RsaPublicKey`."""

    def prepare_key(self, key: Any) -> RsaPublicKey:
        if not isinstance(key, RsaPublicKey):
            raise TypeError("RS256 here takes an RsaPublicKey (RsaPublicKey.of_jwk)")
        return key

    def verify(self, msg: bytes, key: Any, sig: bytes) -> bool:
        return bool(self.prepare_key(key).verifies(msg, sig))

    def sign(self, msg: bytes, key: Any) -> NoReturn:
        raise NotImplementedError("baton only verifies RS256 signatures")

    @staticmethod
    def to_jwk(key_obj: Any, as_dict: bool = False) -> NoReturn:
        raise NotImplementedError("baton only verifies RS256 signatures")

    @staticmethod
    def from_jwk(jwk: Any) -> RsaPublicKey:
        document = json.loads(jwk) if isinstance(jwk, str) else jwk
        return RsaPublicKey.of_jwk(document if isinstance(document, dict) else {})
