"""Demo data of the local runtime: two MSP accounts with one user of every role."""

from __future__ import annotations

import uuid

from baton.domain.models import Account, Role, User
from baton.repositories.accounts import AccountRepository
from baton.repositories.users import UserRepository

ACCOUNTS = ("acme", "globex")
ACCOUNT_NAMES = {"acme": "Acme IT", "globex": "Globex Managed Services"}
CREATED_AT = "2026-01-05T09:00:00.000Z"
_PEOPLE = (
    ("owner", "Olive Owner", Role.OWNER),
    ("admin", "Adam Admin", Role.ADMIN),
    ("junior", "Jules Junior", Role.ENGINEER),
    ("senior", "Sam Senior", Role.ENGINEER),
    ("senior2", "Sasha Senior", Role.ENGINEER),
    ("viewer", "Vic Viewer", Role.VIEWER),
)


def demo_user_id(email: str) -> str:
    """Stable across restarts, so tokens and bookmarks keep working."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"baton-demo:{email}"))


def demo_users() -> list[User]:
    return [
        User(
            id=demo_user_id(f"{login}@{account}.test"),
            account_id=account,
            email=f"{login}@{account}.test",
            display_name=f"{name} ({account.capitalize()})",
            role=role,
            notify_email=role != Role.VIEWER,
        )
        for account in ACCOUNTS
        for login, name, role in _PEOPLE
    ]


def seed(users: UserRepository, accounts: AccountRepository | None = None) -> list[User]:
    """The demo accounts (named, when `accounts` is given) and their people."""
    people = demo_users()
    for account in ACCOUNTS:
        owners = sum(1 for u in people if u.account_id == account and u.role == Role.OWNER)
        if accounts is None:
            users.put_account(account, owner_count=owners)
        else:
            accounts.put(Account(id=account, name=ACCOUNT_NAMES[account], created_at=CREATED_AT, owner_count=owners))
    for user in people:
        users.put(user)
    return people
