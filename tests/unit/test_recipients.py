"""Who is emailed about a handoff event, and how (baton/domain/recipients.py): the policy's sets, each person's
email_mode, live consoles, the creator told of pickups and resolutions, never the one who acted."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from baton.domain.clock import iso
from baton.domain.events import HandoffEvent, event_for_change
from baton.domain.models import Handoff, Role, TimelineEntry, User
from baton.domain.recipients import DEFAULT_NOTIFY, NotifyPolicy, Recipient, delivery, is_emailed, recipients
from tests.unit.fakes import person

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
OWNER, ADMIN = person(Role.OWNER, name="o"), person(Role.ADMIN, name="a")
SENIOR, JUNIOR, VIEWER = person(Role.ENGINEER, name="s"), person(Role.ENGINEER, name="j"), person(Role.VIEWER, name="v")
STRANGER = person(Role.ENGINEER, account="globex", name="g")
MEMBERS = [OWNER, ADMIN, SENIOR, JUNIOR, VIEWER, STRANGER]


def _handoff(**changes: object) -> Handoff:
    base = Handoff(
        id="h1",
        session_id="s1",
        account_id="acme",
        intent="escalate",
        engineer_notes="VPN down",
        status="open",
        created_by=JUNIOR.id,
        created_by_name="j",
        created_at=iso(NOW),
        updated_at=iso(NOW),
        version=1,
        timeline=[TimelineEntry(at=iso(NOW), action="create", actor_id=JUNIOR.id, actor_name="j", version=1)],
    )
    return base.model_copy(update=changes)


def _event(after: Handoff, before: Handoff | None = None) -> HandoffEvent:
    event = event_for_change(before, after, "e1")
    assert event is not None
    return event


def _then(before: Handoff, action: str, actor: User, **changes: object) -> HandoffEvent:
    entry = TimelineEntry(at=iso(NOW), action=action, actor_id=actor.id, actor_name=actor.display_name, version=2)
    after = before.model_copy(update={**changes, "version": 2, "timeline": [*before.timeline, entry]})
    return _event(after, before)


def _told(event: HandoffEvent, policy: NotifyPolicy = DEFAULT_NOTIFY, members: list[User] = MEMBERS) -> list[str]:
    return [recipient.user_id for recipient in recipients(event, members, policy)]


def test_a_new_escalation_goes_to_the_engineers_and_admins_by_default_never_its_creator_a_viewer_or_another_account() -> None:
    assert _told(_event(_handoff())) == [ADMIN.id, SENIOR.id]


def test_a_park_is_emailed_to_nobody() -> None:
    assert not is_emailed(_event(_handoff(intent="park")))


@pytest.mark.parametrize(
    ("sets", "told"),
    [
        ({"owners"}, [OWNER.id]),
        ({"engineers", "creator"}, [SENIOR.id]),  # the creator escalated: never told of their own act
        (set(), []),
        ({"engineers_without_live_console", "admins"}, [ADMIN.id, SENIOR.id]),
    ],
)
def test_the_policy_names_who_hears_of_a_new_escalation(sets: set[str], told: list[str]) -> None:
    policy = NotifyPolicy.model_validate({"on_create": sets})
    assert _told(_event(_handoff()), policy) == told


def test_each_level_of_the_ladder_has_its_own_set_and_the_creator_may_be_in_it() -> None:
    policy = NotifyPolicy.model_validate({"on_level_1": ["creator"], "on_level_2": ["owners"]})
    start = _handoff()
    entry = TimelineEntry(at=iso(NOW), action="overdue", version=2)
    system = start.model_copy(update={"overdue_level": 1, "version": 2, "timeline": [*start.timeline, entry]})
    assert is_emailed(_event(system, start)) and _told(_event(system, start), policy) == [JUNIOR.id]
    entry3 = TimelineEntry(at=iso(NOW), action="overdue", version=3)
    later = system.model_copy(update={"overdue_level": 3, "version": 3, "timeline": [*system.timeline, entry3]})
    assert _told(_event(later, system), policy) == [OWNER.id]


def test_pickup_and_resolution_go_to_the_creator_only_and_not_when_they_did_it() -> None:
    claimed = _then(_handoff(), "claim", SENIOR, status="claimed", claimed_by=SENIOR.id)
    assert _told(claimed) == [JUNIOR.id]
    resumed = _then(_handoff(intent="park"), "claim", JUNIOR, status="claimed", claimed_by=JUNIOR.id)
    assert _told(resumed) == []


def test_email_mode_none_leaves_a_person_out_and_digest_defers_them() -> None:
    quiet = SENIOR.model_copy(update={"email_mode": "none"})
    assert _told(_event(_handoff()), members=[ADMIN, quiet]) == [ADMIN.id]
    digest = User.model_validate({**SENIOR.model_dump(), "email_mode": "digest"})
    assert delivery(digest, Recipient(user_id=digest.id, unless_live=True), live=False) == "digest"


def test_a_live_console_spares_the_email_unless_the_person_asked_or_the_set_excludes_live_engineers() -> None:
    event = _event(_handoff())
    (spared,) = recipients(event, [SENIOR], DEFAULT_NOTIFY)
    assert delivery(SENIOR, spared, live=True) is None and delivery(SENIOR, spared, live=False) == "immediate"
    eager = User.model_validate({**SENIOR.model_dump(), "email_when_live": True})
    (asked,) = recipients(event, [eager], DEFAULT_NOTIFY)
    assert delivery(eager, asked, live=True) == "immediate"
    only_idle = NotifyPolicy.model_validate({"on_create": ["engineers_without_live_console"]})
    (strict,) = recipients(event, [eager], only_idle)
    assert delivery(eager, strict, live=True) is None


def test_notify_email_false_from_before_email_mode_reads_as_none() -> None:
    legacy = User.model_validate({**SENIOR.model_dump(exclude={"email_mode"}), "notify_email": False})
    assert (legacy.email_mode, legacy.notify_email) == ("none", False)
    chosen = User.model_validate({**SENIOR.model_dump(), "email_mode": "digest"})
    assert chosen.notify_email is True
