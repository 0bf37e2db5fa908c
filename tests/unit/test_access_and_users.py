"""Roles and user administration, with in-memory repositories."""

from __future__ import annotations

import pytest

from baton.api_models import UserPatch
from baton.domain.errors import Forbidden, NotFound, Unauthorized
from baton.domain.models import Role
from baton.logic import access, users
from tests.unit.fakes import InMemoryUsers, person


@pytest.mark.parametrize(
    ("role", "allowed"), [(Role.VIEWER, False), (Role.ENGINEER, True), (Role.ADMIN, True), (Role.OWNER, True)]
)
def test_engineer_or_admin_means_engineer_and_above(role: Role, allowed: bool) -> None:
    # Given a user of a role, When the engineer check runs, Then only viewers are refused, by name
    if allowed:
        person(role).role.require(Role.ENGINEER)
    else:
        with pytest.raises(Forbidden, match="engineer"):
            person(role).role.require(Role.ENGINEER)


def test_the_caller_comes_from_the_user_record_not_the_token() -> None:
    # Given a stored engineer
    engineer = person(Role.ENGINEER)
    repository = InMemoryUsers(engineer)
    # When the subject is resolved, Then the stored role and account are used
    assert access.caller_from_subject(engineer.id, repository) == engineer
    # And unknown or missing subjects are refused
    with pytest.raises(Forbidden):
        access.caller_from_subject("somebody-else", repository)
    with pytest.raises(Unauthorized):
        access.caller_from_subject(None, repository)


def test_an_admin_cannot_change_owners_or_make_them() -> None:
    admin, owner, engineer = person(Role.ADMIN, name="a"), person(Role.OWNER, name="o"), person(Role.ENGINEER, name="e")
    repository = InMemoryUsers(admin, owner, engineer)
    with pytest.raises(Forbidden, match="owner"):
        users.change_user(admin, owner.id, UserPatch(notify_email=False), repository)
    with pytest.raises(Forbidden, match="owner"):
        users.change_user(admin, engineer.id, UserPatch(role=Role.OWNER), repository)
    assert users.change_user(admin, engineer.id, UserPatch(role=Role.VIEWER), repository).role == Role.VIEWER


def test_users_of_another_account_are_not_found() -> None:
    owner, stranger = person(Role.OWNER, "acme"), person(Role.ENGINEER, "globex")
    with pytest.raises(NotFound):
        users.change_user(owner, stranger.id, UserPatch(role=Role.VIEWER), InMemoryUsers(owner, stranger))


def test_users_are_listed_by_email_and_only_from_the_callers_account() -> None:
    b, a, other = person(Role.ENGINEER, name="b"), person(Role.VIEWER, name="a"), person(Role.OWNER, "globex", "c")
    listed = users.list_users(b, InMemoryUsers(b, a, other))
    assert [u.email for u in listed] == ["a@acme.test", "b@acme.test"]


def test_an_empty_patch_is_invalid() -> None:
    with pytest.raises(ValueError, match="at least one"):
        UserPatch()
