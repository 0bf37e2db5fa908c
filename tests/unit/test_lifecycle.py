"""The handoff lifecycle's table, through the use cases, with an in-memory store that applies the same rules."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from baton import api_models
from baton.api_models import HandoffCreate, SessionCreate
from baton.domain import lifecycle
from baton.domain.errors import Conflict, Forbidden, Invalid, NotFound
from baton.domain.lifecycle import Action
from baton.domain.models import Handoff, Role, User
from baton.logic import handoffs, sessions
from tests.unit.fakes import InMemoryHandoffs, InMemoryUsers, person

JUNIOR = person(Role.ENGINEER, name="jules")
SENIOR = person(Role.ENGINEER, name="sam")
SENIOR2 = person(Role.ENGINEER, name="sasha")
ADMIN = person(Role.ADMIN, name="ada")
VIEWER = person(Role.VIEWER, name="vic")
STRANGER = person(Role.ENGINEER, "globex", name="gus")


@pytest.fixture
def store() -> InMemoryHandoffs:
    return InMemoryHandoffs()


@pytest.fixture
def users() -> InMemoryUsers:
    return InMemoryUsers(JUNIOR, SENIOR, SENIOR2, ADMIN, VIEWER, STRANGER)


def _handoff(store: InMemoryHandoffs, intent: str = "escalate", by: User = JUNIOR) -> Handoff:
    body = SessionCreate(intake_type="ticket", intake_content={}, ticket_ref="T-1", priority="P2")
    session = sessions.create_session(by, body, store)
    return handoffs.create_handoff(by, session.id, HandoffCreate.model_validate({"intent": intent}), store)


def _claimed(store: InMemoryHandoffs, by: User = SENIOR) -> Handoff:
    handoff = _handoff(store)
    return handoffs.claim(by, handoff.session_id, handoff.id, store)


def test_a_new_handoff_carries_its_sessions_triage_and_a_create_entry(store: InMemoryHandoffs) -> None:
    handoff = _handoff(store)
    assert (handoff.session.ticket_ref, handoff.session.priority) == ("T-1", "P2")
    assert [(e.action, e.actor_id, e.version) for e in handoff.timeline] == [("create", JUNIOR.id, 1)]


def test_nobody_picks_up_their_own_escalation_but_they_may_resume_their_own_park(store: InMemoryHandoffs) -> None:
    escalation = _handoff(store)
    with pytest.raises(Forbidden, match="yourself"):
        handoffs.claim(JUNIOR, escalation.session_id, escalation.id, store)
    park = _handoff(store, "park")
    assert handoffs.claim(JUNIOR, park.session_id, park.id, store).claimed_by == JUNIOR.id


def test_the_second_claim_is_told_who_holds_it_and_since_when(store: InMemoryHandoffs) -> None:
    claimed = _claimed(store)
    with pytest.raises(Conflict, match="claimed by sam at") as refused:
        handoffs.claim(SENIOR2, claimed.session_id, claimed.id, store)
    assert refused.value.extra["claimed_by"] == SENIOR.id and refused.value.extra["claimed_at"] == claimed.claimed_at


def test_a_refusal_says_since_when_in_the_given_zone_as_the_emails_do() -> None:
    # Given a handoff Sam claimed at 10:42:00.123 UTC on Sunday 6 December
    sam = {"claimed_by": SENIOR.id, "claimed_by_name": "Sam Senior", "claimed_at": "2026-12-06T10:42:00.123Z"}
    claimed = _handoff(InMemoryHandoffs()).model_copy(update={"status": "claimed", **sam})
    # When Sasha's claim is refused with the account's zone (Berlin), Then the time is Berlin's, written for people
    refused = lifecycle.refusal(Action.CLAIM, claimed, SENIOR2, zone=ZoneInfo("Europe/Berlin"))
    assert refused is not None and "it is claimed by Sam Senior at Sun 6 Dec 11:42 CET; claim needs it open." in refused.detail
    # And without a zone it is UTC's, still not ISO
    assert "at Sun 6 Dec 10:42 UTC;" in str(getattr(lifecycle.refusal(Action.CLAIM, claimed, SENIOR2), "detail", ""))


def test_release_with_a_reason_puts_it_back_and_keeps_the_reason(store: InMemoryHandoffs) -> None:
    claimed = _claimed(store)
    released = handoffs.release(SENIOR, claimed.session_id, claimed.id, "needs a network person", store)
    assert (released.status, released.claimed_by, released.version) == ("open", None, 3)
    assert released.timeline[-1].reason == "needs a network person" and released.timeline[-1].version == 3


@pytest.mark.parametrize("action", ["release", "resolve"])
def test_only_the_holder_or_a_supervisor_may_release_or_resolve(store: InMemoryHandoffs, action: str) -> None:
    claimed = _claimed(store)
    act = {
        "release": lambda who: handoffs.release(who, claimed.session_id, claimed.id, None, store),
        "resolve": lambda who: handoffs.resolve(who, claimed.session_id, claimed.id, "done", store),
    }[action]
    with pytest.raises(Forbidden, match=r"picked it up \(sam\)"):
        act(SENIOR2)
    assert act(ADMIN).status in ("open", "resolved")


def test_reassign_hands_it_to_a_named_colleague_and_records_both(store: InMemoryHandoffs, users: InMemoryUsers) -> None:
    claimed = _claimed(store)
    moved = handoffs.reassign(SENIOR, claimed.session_id, claimed.id, SENIOR2.id, "Exchange expert", store, users)
    assert (moved.status, moved.claimed_by, moved.claimed_by_name) == ("claimed", SENIOR2.id, "sasha")
    entry = moved.timeline[-1]
    assert (entry.action, entry.actor_id, entry.to_user_id, entry.to_user_name) == ("reassign", SENIOR.id, SENIOR2.id, "sasha")


@pytest.mark.parametrize(
    ("to", "error", "match"),
    [
        (SENIOR.id, Invalid, "yourself"),
        (VIEWER.id, Invalid, "viewer"),
        (STRANGER.id, NotFound, "No such user"),
        ("nobody", NotFound, "No such user"),
    ],
)
def test_reassign_refuses_a_bad_assignee_and_changes_nothing(
    store: InMemoryHandoffs, users: InMemoryUsers, to: str, error: type[Exception], match: str
) -> None:
    claimed = _claimed(store)
    with pytest.raises(error, match=match):
        handoffs.reassign(SENIOR, claimed.session_id, claimed.id, to, None, store, users)
    assert store.get_handoff("acme", claimed.session_id, claimed.id) == claimed


def test_reassign_to_the_current_holder_is_a_conflict(store: InMemoryHandoffs, users: InMemoryUsers) -> None:
    claimed = _claimed(store)
    with pytest.raises(Conflict, match="already holds"):
        handoffs.reassign(ADMIN, claimed.session_id, claimed.id, SENIOR.id, None, store, users)


def test_a_park_is_escalated_by_its_creator_with_new_notes_once(store: InMemoryHandoffs) -> None:
    park = _handoff(store, "park")
    with pytest.raises(Forbidden, match=r"handed it off \(jules\)"):
        handoffs.escalate(SENIOR, park.session_id, park.id, None, store)
    escalated = handoffs.escalate(JUNIOR, park.session_id, park.id, "logs show disk failure", store)
    assert (escalated.intent, escalated.status, escalated.engineer_notes) == ("escalate", "open", "logs show disk failure")
    with pytest.raises(Conflict, match="already an escalation"):
        handoffs.escalate(JUNIOR, park.session_id, park.id, None, store)


def test_withdraw_takes_back_an_open_handoff_only(store: InMemoryHandoffs) -> None:
    claimed = _claimed(store)
    with pytest.raises(Conflict, match="it is claimed by sam"):
        handoffs.withdraw(JUNIOR, claimed.session_id, claimed.id, None, store)
    open_one = _handoff(store)
    withdrawn = handoffs.withdraw(JUNIOR, open_one.session_id, open_one.id, "fixed it myself", store)
    assert withdrawn.status == "withdrawn"
    with pytest.raises(Conflict, match="it is withdrawn"):
        handoffs.claim(SENIOR, open_one.session_id, open_one.id, store)


def test_viewers_may_do_nothing_to_a_handoff(store: InMemoryHandoffs) -> None:
    handoff = _handoff(store)
    assert lifecycle.allowed_actions(handoff, VIEWER) == []
    with pytest.raises(Forbidden, match="engineer"):
        handoffs.withdraw(VIEWER, handoff.session_id, handoff.id, None, store)


@pytest.mark.parametrize(
    ("who", "intent", "claimed_by", "expected"),
    [
        (JUNIOR, "escalate", None, [Action.WITHDRAW]),
        (JUNIOR, "park", None, [Action.CLAIM, Action.ESCALATE, Action.WITHDRAW]),
        (SENIOR, "escalate", None, [Action.CLAIM]),
        (ADMIN, "park", None, [Action.CLAIM, Action.ESCALATE, Action.WITHDRAW]),
        (SENIOR, "escalate", SENIOR, [Action.RELEASE, Action.REASSIGN, Action.RESOLVE]),
        (SENIOR2, "escalate", SENIOR, []),
        (ADMIN, "escalate", SENIOR, [Action.RELEASE, Action.REASSIGN, Action.RESOLVE]),
    ],
)
def test_allowed_actions_follow_the_table(
    store: InMemoryHandoffs, who: User, intent: str, claimed_by: User | None, expected: list[Action]
) -> None:
    handoff = _handoff(store, intent)
    if claimed_by:
        handoff = handoffs.claim(claimed_by, handoff.session_id, handoff.id, store)
    assert lifecycle.allowed_actions(handoff, who) == expected


def test_every_action_but_create_names_its_own_event() -> None:
    assert len(set(lifecycle.EVENT_TYPES)) == len(lifecycle.RULES)
    assert {lifecycle.event_type(action.value) for action in Action} == set(lifecycle.EVENT_TYPES)


def test_assignees_are_the_holders_colleagues_who_may_take_it(store: InMemoryHandoffs, users: InMemoryUsers) -> None:
    # Given a handoff Sam holds
    claimed = _claimed(store)
    members = users.list_by_account("acme")
    # Then Sam may hand it to any other engineer-or-above of acme, never a viewer, himself or another account
    assert {u.id for u in lifecycle.assignees(claimed, SENIOR, members)} == {JUNIOR.id, SENIOR2.id, ADMIN.id}
    # And an admin may too (Sam, the holder, excluded); a colleague who may not reassign gets nobody
    assert {u.id for u in lifecycle.assignees(claimed, ADMIN, members)} == {JUNIOR.id, SENIOR2.id}
    assert lifecycle.assignees(claimed, SENIOR2, members) == []


ACTION_BODIES = {
    Action.RELEASE: "HandoffRelease",
    Action.REASSIGN: "HandoffReassign",
    Action.ESCALATE: "HandoffEscalate",
    Action.WITHDRAW: "HandoffWithdraw",
    Action.RESOLVE: "HandoffResolve",
}


@pytest.mark.parametrize("action", [action for action in Action if action is not Action.CREATE])
def test_each_actions_form_fills_its_request_body(action: Action) -> None:
    # Given the control the lifecycle table declares for an action the console draws
    control = lifecycle.RULES[action].control
    assert control is not None and control.label
    # When its form is compared with the body the action's endpoint accepts
    fields = control.form.fields if control.form else ()
    body = getattr(api_models, ACTION_BODIES[action]) if action in ACTION_BODIES else None
    # Then every input fills a field of that body, a text with the same length bound (claim takes no body, no form)
    assert (body is None) == (control.form is None)
    for field in fields:
        assert body is not None and field.name in body.model_fields
        if field.kind == "colleague":  # a choice of the answer's assignees
            continue
        bound = next(
            (getattr(m, "max_length", None) for m in body.model_fields[field.name].metadata if hasattr(m, "max_length")), None
        )
        assert field.max_length == bound, field.name


def test_queue_membership_and_session_status_come_from_the_rules() -> None:
    # Given the table, When an action leaves a handoff open, Then it is in the queue; the session's status follows the intent
    assert all(rule.in_queue == (rule.target == "open") for rule in lifecycle.RULES.values())
    assert lifecycle.session_status_after(Action.CREATE, "park") == "parked"
    assert lifecycle.session_status_after(Action.CREATE, "escalate") == "escalated"
    assert lifecycle.session_status_after(Action.CLAIM) is None
    with pytest.raises(ValueError, match="depends on the intent"):
        lifecycle.session_status_after(Action.CREATE)
