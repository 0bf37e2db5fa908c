"""Invitations: an owner or admin invites an address; whoever proves that address (a verified
email from their identity provider) may join the account once, with the invited role."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

from baton.domain import email_address, safe_text
from baton.domain.clock import iso, new_id, utc_now
from baton.domain.errors import Conflict, Forbidden, Invalid, NotFound
from baton.domain.invitation_rules import expires_epoch, why_unusable
from baton.domain.models import INVITATION_DAYS, Account, Invitation, Role, User
from baton.ports import Invitations, Users

Clock = Callable[[], datetime]


class Identity(NamedTuple):
    """Who a token says the caller is: the `sub`, and the email only when the issuer verified it."""

    subject: str
    verified_email: str | None
    name: str | None = None


def invite(
    caller: User | None,
    account: Account,
    email: str,
    role: Role,
    invitations: Invitations,
    users: Users,
    now: Clock = utc_now,
) -> Invitation:
    """`caller` None is the operator (`baton-admin`), who may invite anyone, owners included."""
    if caller is not None:
        caller.role.require(Role.ADMIN)
        if caller.account_id != account.id:
            raise NotFound("No such account.")
        if role == Role.OWNER and caller.role != Role.OWNER:
            raise Forbidden("An admin cannot invite owners; ask an owner.")
    address = email_address.canonical(email)
    if address is None:
        raise Invalid(f"This address cannot be invited: {email_address.problem(email)}.")
    if users.by_email(account.id, address) is not None:
        raise Conflict(f"{address} is already a member of this account.")
    moment = now()
    invitation = Invitation(
        id=new_id(),
        account_id=account.id,
        account_name=account.name,
        email=address,
        role=role,
        status="pending",
        invited_by=caller.id if caller else None,
        invited_by_name=caller.display_name if caller else None,
        created_at=iso(moment),
        expires_at=iso(moment + timedelta(days=INVITATION_DAYS)),
    )
    invitations.create(invitation, int(moment.timestamp()))
    return invitation


class Skipped(NamedTuple):
    """A line of a bulk invitation that invited nobody, and why."""

    line: int
    email: str
    detail: str


def invite_many(
    caller: User | None,
    account: Account,
    rows: Sequence[tuple[int, str, Role]],
    invitations: Invitations,
    users: Users,
    now: Clock = utc_now,
) -> tuple[list[Invitation], list[Skipped]]:
    """Invite each (line, email, role) as `invite` would; a line that cannot be (a member, a pending invitation, an
    owner by an admin) is skipped with the reason, and the others are still invited."""
    if caller is not None:
        caller.role.require(Role.ADMIN)
    invited: list[Invitation] = []
    skipped: list[Skipped] = []
    for line, email, role in rows:
        try:
            invited.append(invite(caller, account, email, role, invitations, users, now))
        except (Conflict, Forbidden, Invalid) as refused:
            skipped.append(Skipped(line=line, email=email, detail=refused.detail))
    return invited, skipped


def pending_of_account(caller: User, invitations: Invitations, now: Clock = utc_now) -> list[Invitation]:
    caller.role.require(Role.ADMIN)
    return _pending(invitations.of_account(caller.account_id), now)


def revoke(caller: User, invitation_id: str, invitations: Invitations, now: Clock = utc_now) -> None:
    caller.role.require(Role.ADMIN)
    invitation = invitations.in_account(caller.account_id, invitation_id)
    if invitation is None:
        raise NotFound("No such invitation in your account.")
    if invitation.role == Role.OWNER and caller.role != Role.OWNER:
        raise Forbidden("An admin cannot revoke an owner's invitation; ask an owner.")
    invitations.revoke(invitation, iso(now()))


def mine(identity: Identity, invitations: Invitations, now: Clock = utc_now) -> list[Invitation]:
    """Pending invitations of the caller's verified email; none without one."""
    return _pending(_invited(identity, invitations), now)


def may_sign_up(email: str, invitations: Invitations, now: Clock = utc_now) -> bool:
    """The stack's Cognito pool lets an address sign itself up only while it has a pending invitation (the pool's pre
    sign-up trigger asks this). The address is not proven yet: Cognito proves it (a code by email) before the first
    sign-in, and joining still needs that verified address to match the invitation."""
    return bool(_pending(_invited(Identity(subject="", verified_email=email), invitations), now))


def accept(identity: Identity, invitation_id: str, invitations: Invitations, users: Users, now: Clock = utc_now) -> User:
    """The caller's `sub` becomes a user of the invitation's account, with its role. Once."""
    if identity.verified_email is None:
        raise Forbidden(
            "Your identity provider has not verified your email address, so it cannot match an invitation; "
            "verify it with your provider, or ask your admin."
        )
    member = users.get(identity.subject)
    if member is not None:
        raise Conflict("You are already a member of a baton account; one person belongs to one account.")
    invitation = next((i for i in _invited(identity, invitations) if i.id == invitation_id), None)
    if invitation is None:
        # Another address's (or another account's replaced) invitation is not found: no enumeration.
        raise NotFound("No invitation with this id for your verified email address.")
    moment = now()
    refused = why_unusable(invitation, int(moment.timestamp()))
    if refused is not None:
        raise refused
    user = User(
        id=identity.subject,
        account_id=invitation.account_id,
        email=invitation.email,
        display_name=safe_text.one_line(identity.name or "")[:100].strip() or invitation.email.split("@")[0],
        role=invitation.role,
        notify_email=invitation.role != Role.VIEWER,
    )
    invitations.accept(invitation, user, iso(moment), int(moment.timestamp()))
    return user


def _invited(identity: Identity, invitations: Invitations) -> list[Invitation]:
    """The invitations whose address is the caller's verified one: the same canonical form, never a look-alike."""
    address = email_address.canonical(identity.verified_email) if identity.verified_email else None
    if address is None:
        return []
    return [invitation for invitation in invitations.for_email(address) if invitation.email == address]


def _pending(found: list[Invitation], now: Clock) -> list[Invitation]:
    at = int(now().timestamp())
    return sorted((i for i in found if i.status == "pending" and expires_epoch(i) > at), key=lambda i: i.created_at)
