"""A local OIDC issuer, and the JWT check API Gateway's HTTP API authorizer performs.

The issuer signs RS256 access tokens with a key made at start (or one given, so tests
can forge tokens); it serves its discovery document and JWKS like any OIDC provider.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

TOKEN_LIFETIME_SECONDS = 3600
MAX_TOKEN_BYTES = 10 * 1024  # API Gateway's HTTP API takes header values of up to 10 KB
_NUMERIC_DATES = ("exp", "nbf", "iat")


class LocalIssuer:
    def __init__(self, issuer_url: str, audience: str, private_key_pem: bytes | None = None) -> None:
        self.issuer_url = issuer_url
        self.audience = audience
        if private_key_pem is None:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            private_key_pem = key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        # Parsed once: parsing the PEM costs more than signing.
        private_key = serialization.load_pem_private_key(private_key_pem, password=None)
        if not isinstance(private_key, rsa.RSAPrivateKey):
            raise ValueError("The signing key must be an RSA private key (RS256).")
        self._private_key = private_key
        public_jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self._public_key())
        self.kid = hashlib.sha256(public_jwk.encode()).hexdigest()[:16]

    @classmethod
    def from_key_file(cls, issuer_url: str, audience: str, path: Path | None) -> LocalIssuer:
        return cls(issuer_url, audience, path.read_bytes() if path else None)

    def _public_key(self) -> Any:
        return self._private_key.public_key()

    def jwks(self) -> dict[str, Any]:
        key = jwt.algorithms.RSAAlgorithm.to_jwk(self._public_key(), as_dict=True)
        return {"keys": [{**key, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer_url,
            "jwks_uri": f"{self.issuer_url}/.well-known/jwks.json",
            "authorization_endpoint": f"{self.issuer_url}/authorize",
            "token_endpoint": f"{self.issuer_url}/token",
            "userinfo_endpoint": f"{self.issuer_url}/userinfo",
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["none"],
            "scopes_supported": ["openid", "email", "profile"],
            "claims_supported": ["sub", "email", "email_verified", "name"],
            "subject_types_supported": ["public"],
        }

    def token_for(
        self,
        subject: str,
        email: str,
        lifetime: int = TOKEN_LIFETIME_SECONDS,
        name: str | None = None,
        audience: str | None = None,
    ) -> str:
        """An access token; the local issuer vouches for every address it signs in (`email_verified`)."""
        now = int(time.time())
        claims = {
            "iss": self.issuer_url,
            "aud": audience or self.audience,
            "sub": subject,
            "email": email,
            "email_verified": True,
            **({"name": name} if name else {}),
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            "jti": uuid.uuid4().hex,
            "scope": "openid email profile",
        }
        return jwt.encode(claims, self._private_key, algorithm="RS256", headers={"kid": self.kid})


class TokenRejected(Exception):
    """Why API Gateway would answer 401 (the sentence goes into `detail`)."""


@dataclass(frozen=True)
class JwtAuthorizer:
    """Checks signature (RS256, key by kid from the JWKS), `iss`, `aud`, `exp` and `nbf`, with strict
    claim types: a date is a JSON number (never a numeric string), `sub` a non-empty string.
    Header parameters that point elsewhere for a key (`jku`, `x5u`, `jwk`) are never followed."""

    issuer: str
    audience: list[str]
    jwks: dict[str, Any]

    @cached_property
    def _keys(self) -> dict[str, jwt.PyJWK]:
        """The published keys by kid, each built once rather than per request."""
        return {key["kid"]: jwt.PyJWK.from_dict(key) for key in self.jwks["keys"] if "kid" in key}

    def claims(self, authorization: str | None) -> dict[str, Any]:
        if not authorization:
            raise TokenRejected("The Authorization header is missing; send 'Authorization: Bearer <token>'.")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise TokenRejected("The Authorization header must be 'Bearer <token>'.")
        if len(token) > MAX_TOKEN_BYTES:
            raise TokenRejected("The token is too large.")
        try:
            header = jwt.get_unverified_header(token.strip())
            if header.get("alg") != "RS256":
                raise TokenRejected("The token must be signed with RS256.")
            key = self._keys.get(header.get("kid", ""))
            if key is None:
                raise TokenRejected("The token was signed with a key the issuer does not publish.")
            claims = jwt.decode(
                token.strip(),
                key=key,
                algorithms=["RS256"],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iss", "sub"]},
            )
        except jwt.ExpiredSignatureError as error:
            raise TokenRejected("The token has expired; get a new one.") from error
        except jwt.InvalidIssuerError as error:
            raise TokenRejected("The token was issued by an issuer this API does not trust.") from error
        except jwt.InvalidAudienceError as error:
            raise TokenRejected("The token is for another audience.") from error
        except jwt.PyJWTError as error:
            raise TokenRejected("The token is not a valid JWT.") from error
        _check_claim_types(claims)
        return dict(claims)


def _check_claim_types(claims: dict[str, Any]) -> None:
    """PyJWT reads `"exp": "99999999999"` as a number; a JWT's dates are JSON numbers (RFC 7519 §2)."""
    for name in _NUMERIC_DATES:
        value = claims.get(name)
        if name in claims and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise TokenRejected(f"The token's {name} claim must be a number (seconds since the epoch).")
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise TokenRejected("The token's sub claim must be a non-empty string.")
