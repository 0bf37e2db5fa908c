"""The invitation use cases on in-memory fakes: who may invite whom, and when accepting is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from baton.domain.errors import Conflict, Forbidden, Gone
from baton.domain.models import Account, Role, User
from baton.logic import invitations, users
from baton.logic.invitations import Identity
from tests.unit.fakes import InMemoryInvitations, InMemoryUsers

ACME = Account(id="acme", name="Acme IT")


def person(name: str, role: Role, account: str = "acme") -> User:
    return User(id=name, account_id=account, email=f"{name}@{account}.test", display_name=name.title(), role=role)


@pytest.fixture
def people() -> InMemoryUsers:
    return InMemoryUsers(person("olive", Role.OWNER), person("adam", Role.ADMIN), person("sam", Role.ENGINEER))


def test_an_admin_may_invite_engineers_but_not_owners(people: InMemoryUsers) -> None:
    store = InMemoryInvitations(people)
    made = invitations.invite(people.get("adam"), ACME, "New@X.example ", Role.ENGINEER, store, people)
    assert made.email == "new@x.example" and made.status == "pending" and made.invited_by == "adam"
    with pytest.raises(Forbidden, match="cannot invite owners"):
        invitations.invite(people.get("adam"), ACME, "boss@x.example", Role.OWNER, store, people)
    with pytest.raises(Forbidden):
        invitations.invite(people.get("sam"), ACME, "y@x.example", Role.VIEWER, store, people)


def test_accepting_makes_the_sub_a_user_once_and_the_clock_expires_it(people: InMemoryUsers) -> None:
    store = InMemoryInvitations(people)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    made = invitations.invite(None, ACME, "nia@x.example", Role.VIEWER, store, people, now=lambda: start)
    late = lambda: start + timedelta(days=7, seconds=1)  # noqa: E731
    with pytest.raises(Gone, match="expired"):
        invitations.accept(Identity("nia", "nia@x.example"), made.id, store, people, now=late)
    joined = invitations.accept(Identity("nia", "nia@x.example", "Nia"), made.id, store, people, now=lambda: start)
    assert joined.account_id == "acme" and joined.role == Role.VIEWER and joined.display_name == "Nia" and not joined.notify_email
    with pytest.raises(Conflict):
        invitations.accept(Identity("nia2", "nia@x.example"), made.id, store, people, now=lambda: start)


def test_no_verified_email_no_invitation(people: InMemoryUsers) -> None:
    store = InMemoryInvitations(people)
    made = invitations.invite(None, ACME, "eve@x.example", Role.VIEWER, store, people)
    assert invitations.mine(Identity("eve", None), store) == []
    with pytest.raises(Forbidden, match="verified"):
        invitations.accept(Identity("eve", None), made.id, store, people)


def test_removing_follows_the_owner_rules_and_closes_live_connections(people: InMemoryUsers) -> None:
    closed: list[str] = []
    with pytest.raises(Forbidden):
        users.remove_user(people.get("adam"), "olive", people, closed.append)
    with pytest.raises(Conflict, match="last owner"):
        users.remove_user(people.get("olive"), "olive", people, closed.append)
    users.remove_user(people.get("adam"), "sam", people, closed.append)
    assert people.get("sam") is None and closed == ["sam"]
