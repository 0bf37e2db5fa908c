"""Who is calling. Account and role always come from the stored user record; the checks on a role live on `Role`."""

from __future__ import annotations

from baton.domain.errors import Forbidden, Unauthorized
from baton.domain.models import User
from baton.ports import Users


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
