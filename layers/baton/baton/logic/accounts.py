"""Use cases on the caller's account, and the operator's bootstrap (`baton-admin`)."""

from __future__ import annotations

import re

from baton.domain import safe_text
from baton.domain.clock import iso, utc_now
from baton.domain.errors import Forbidden, Invalid, NotFound
from baton.domain.models import Account, Role, User
from baton.ports import Accounts

ACCOUNT_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{1,62}$"


def get_account(caller: User, accounts: Accounts) -> Account:
    account = accounts.get(caller.account_id)
    if account is None:  # a user whose account item was never written (hand-made data)
        return Account(id=caller.account_id, name=caller.account_id)
    return account


def rename_account(caller: User, name: str, accounts: Accounts) -> Account:
    if caller.role != Role.OWNER:
        raise Forbidden(f"Only an owner can rename the account; your role is {caller.role.value}.")
    try:
        return accounts.rename(caller.account_id, name)
    except NotFound:
        # Hand-made data without an account item: create it now.
        account = Account(id=caller.account_id, name=name, created_at=iso(utc_now()))
        accounts.create(account)
        return account


def account_id_for(name: str) -> str:
    """A readable id from a name: `Acme IT Services` -> `acme-it-services`."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:63]
    if not re.fullmatch(ACCOUNT_ID_PATTERN, slug):
        raise Invalid(f"Cannot make an account id from the name {name!r}; give one with --id (a-z, 0-9, '-').")
    return slug


def create_account(account_id: str, name: str, accounts: Accounts) -> Account:
    if not re.fullmatch(ACCOUNT_ID_PATTERN, account_id):
        raise Invalid(f"The account id {account_id!r} must be 2-63 characters of a-z, 0-9 and '-' (not starting with '-').")
    if not name.strip():
        raise Invalid("The account needs a name.")
    if (why := safe_text.problem(name)) is not None:
        raise Invalid(f"The account name {why}.")
    account = Account(id=account_id, name=name.strip(), created_at=iso(utc_now()))
    accounts.create(account)
    return account
