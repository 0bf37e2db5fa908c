"""Who may do what. Account and role always come from the stored user record."""

from __future__ import annotations

from baton.errors import Forbidden, Unauthorized
from baton.logic.ports import Users
from baton.models import Role, User


def caller_from_subject(subject: str | None, users: Users) -> User:
    """The user record behind a verified token subject, read on every request."""
    if not subject:
        raise Unauthorized("A bearer token with a subject is required.")
    user = users.get(subject)
    if user is None:
        raise Forbidden(
            "You are signed in, but you are not a member of any baton account; ask an admin of your account for an invitation."
        )
    return user


def require_engineer(user: User) -> None:
    if not user.role.at_least(Role.ENGINEER):
        raise engineer_needed(user)


def engineer_needed(user: User) -> Forbidden:
    return Forbidden(f"This needs the engineer role (or admin, owner); your role is {user.role.value}.")


def require_admin(user: User) -> None:
    if not user.role.at_least(Role.ADMIN):
        raise Forbidden(f"Only an admin or owner can do this; your role is {user.role.value}.")


def is_supervisor(user: User) -> bool:
    """Admins and owners may act on handoffs that someone else holds or created."""
    return user.role.at_least(Role.ADMIN)
