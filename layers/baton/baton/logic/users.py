"""Use cases on the account's users."""

from __future__ import annotations

from collections.abc import Callable

from baton.domain.errors import Forbidden, NotFound
from baton.domain.models import EmailMode, EmailSettingsChange, Role, User, UserChange
from baton.ports import Users


def list_users(caller: User, users: Users) -> list[User]:
    return sorted(users.list_by_account(caller.account_id), key=lambda user: user.email)


def change_user(
    caller: User, user_id: str, patch: UserChange, users: Users, revoke_live: Callable[[str], object] = lambda _: None
) -> User:
    """Change a user's role or email setting. A user made viewer loses their live connections at once."""
    caller.role.require(Role.ADMIN)
    target = users.get(user_id)
    if target is None or target.account_id != caller.account_id:
        raise NotFound("No such user in your account.")
    if caller.role != Role.OWNER:
        if target.role == Role.OWNER:
            raise Forbidden("An admin cannot change an owner; ask an owner.")
        if patch.role == Role.OWNER:
            raise Forbidden("Only an owner can make someone an owner.")
    updated = users.update(target, patch.role, patch.notify_email, _mode_after(target, patch.notify_email))
    if updated.role == Role.VIEWER and target.role != Role.VIEWER:
        revoke_live(updated.id)
    return updated


def _mode_after(target: User, notify_email: bool | None) -> EmailMode | None:
    """An admin's on/off switch: off is `none`; on keeps a digest, and turns `none` into `immediate`."""
    if notify_email is None:
        return None
    if not notify_email:
        return "none"
    return "immediate" if target.email_mode == "none" else target.email_mode


def change_my_email(caller: User, change: EmailSettingsChange, users: Users) -> User:
    """Anyone may choose how they get baton's email (viewers get none, whatever they choose)."""
    return users.set_email_settings(caller, change)


def remove_user(caller: User, user_id: str, users: Users, revoke_live: Callable[[str], object] = lambda _: None) -> None:
    """Remove a member: their next request is 403 and their live connections are closed at once."""
    caller.role.require(Role.ADMIN)
    target = users.get(user_id)
    if target is None or target.account_id != caller.account_id:
        raise NotFound("No such user in your account.")
    if target.role == Role.OWNER and caller.role != Role.OWNER:
        raise Forbidden("An admin cannot remove an owner; ask an owner.")
    users.remove(target)
    revoke_live(target.id)
