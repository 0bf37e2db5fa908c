"""Use cases on the account's users."""

from __future__ import annotations

from collections.abc import Callable

from baton.api_models import UserPatch
from baton.errors import Forbidden, NotFound
from baton.logic.access import require_admin
from baton.logic.ports import Users
from baton.models import Role, User


def list_users(caller: User, users: Users) -> list[User]:
    return sorted(users.list_by_account(caller.account_id), key=lambda user: user.email)


def change_user(
    caller: User, user_id: str, patch: UserPatch, users: Users, revoke_live: Callable[[str], object] = lambda _: None
) -> User:
    """Change a user's role or email setting. A user made viewer loses their live connections at once."""
    require_admin(caller)
    target = users.get(user_id)
    if target is None or target.account_id != caller.account_id:
        raise NotFound("No such user in your account.")
    if caller.role != Role.OWNER:
        if target.role == Role.OWNER:
            raise Forbidden("An admin cannot change an owner; ask an owner.")
        if patch.role == Role.OWNER:
            raise Forbidden("Only an owner can make someone an owner.")
    updated = users.update(target, patch.role, patch.notify_email)
    if updated.role == Role.VIEWER and target.role != Role.VIEWER:
        revoke_live(updated.id)
    return updated


def remove_user(caller: User, user_id: str, users: Users, revoke_live: Callable[[str], object] = lambda _: None) -> None:
    """Remove a member: their next request is 403 and their live connections are closed at once."""
    require_admin(caller)
    target = users.get(user_id)
    if target is None or target.account_id != caller.account_id:
        raise NotFound("No such user in your account.")
    if target.role == Role.OWNER and caller.role != Role.OWNER:
        raise Forbidden("An admin cannot remove an owner; ask an owner.")
    users.remove(target)
    revoke_live(target.id)
