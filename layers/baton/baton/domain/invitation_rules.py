"""When an invitation can still be used: one home for the rule the use cases and the store both apply."""

from __future__ import annotations

from baton.domain.clock import parse_iso
from baton.domain.errors import BatonError, Conflict, Gone
from baton.domain.models import Invitation


def expires_epoch(invitation: Invitation) -> int:
    return int(parse_iso(invitation.expires_at).timestamp())


def why_unusable(invitation: Invitation, now_epoch: int) -> BatonError | None:
    """The refusal for accepting an invitation that is no longer pending (used 409; revoked or expired 410); None while usable."""
    if invitation.status == "accepted":
        return Conflict("This invitation has already been used.", status="accepted", accepted_at=invitation.accepted_at)
    if invitation.status == "revoked":
        return Gone("This invitation was revoked; ask an admin of the account for a new one.", status="revoked")
    if expires_epoch(invitation) <= now_epoch:
        return Gone(
            f"This invitation expired at {invitation.expires_at}; ask an admin of the account for a new one.",
            status="expired",
            expires_at=invitation.expires_at,
        )
    return None
