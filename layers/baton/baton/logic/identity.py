"""The caller's verified email: from the access token, else from the issuer's OIDC userinfo endpoint."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from baton.domain import email_address
from baton.logic.invitations import Identity

# Claims that say the issuer verified the email: OIDC's `email_verified`, and Entra ID's
# `xms_edov` ("email domain owner verified", an optional claim). API Gateway passes claims as text.
VERIFIED_CLAIMS = ("email_verified", "xms_edov")


def is_true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _verified(source: Mapping[str, Any]) -> str | None:
    email = source.get("email")
    if isinstance(email, str) and "@" in email and any(is_true(source.get(claim)) for claim in VERIFIED_CLAIMS):
        # Its canonical form; one that has none (a look-alike) stays as said, and matches no invitation.
        return email_address.canonical(email) or email.strip()
    return None


def identity_from(claims: Mapping[str, Any], userinfo: Callable[[], Mapping[str, Any]]) -> Identity:
    """The token's verified email when it carries one (no network); else the userinfo answer, used
    only when it is about the same `sub` (OIDC Core 5.3.2)."""
    subject = str(claims.get("sub") or "")
    name = claims.get("name")
    email = _verified(claims)
    if email is None:
        info = userinfo()
        if str(info.get("sub") or "") == subject:
            email = _verified(info)
            name = name or info.get("name")
    return Identity(subject=subject, verified_email=email, name=name if isinstance(name, str) else None)
