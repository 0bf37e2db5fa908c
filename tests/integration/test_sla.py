"""The SLA ladder on moto: the policy API, deadlines on the handoff, timers armed by the stream router,
the timer function's conditional raise, and the overdue emails of each level."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto.ses.models import ses_backends
from moto.sqs.models import sqs_backends

from baton.domain.clock import parse_iso
from baton.domain.ladder import Timer
from baton.domain.models import User
from local.template import ACCOUNT, REGION
from tests.event_contract import checked
from tests.integration.builders import handoff_path, new_handoff
from tests.integration.conftest import ApiClient, lambda_context
from tests.integration.event_builders import handoff_only, sqs_event, stream_event

POLICY = "/api/v1/account/policy"
QUICK = {"remind_after_s": 30, "escalate_after_s": 40, "repeat_every_s": 50}
# Who is emailed, as the answer gives it until an owner or admin sets it (baton/domain/recipients.py)
NOTIFY = {"on_create": ["admins", "engineers"], "on_level_1": ["engineers"], "on_level_2": ["admins", "owners"]}


def _route_stream() -> None:
    import stream_router_handler

    assert stream_router_handler.handler(handoff_only(stream_event()), lambda_context()) == {"batchItemFailures": []}


def _armed() -> list[tuple[Timer, int]]:
    """Every timer on the timer queue, delayed or not, with the delay it was sent with (seconds)."""
    queue = sqs_backends[ACCOUNT][REGION].queues["TimerQueue"]
    return [
        (Timer.model_validate_json(m.body), round((m.delayed_until - m.sent_timestamp) / 1000) if m.delayed_until else 0)
        for m in queue._messages
    ]


def _drain_timers() -> None:
    sqs_backends[ACCOUNT][REGION].queues["TimerQueue"]._messages.clear()


def _timer_event(aws: dict[str, str], *timers: Timer) -> dict[str, Any]:
    """The timers as the timer function gets them once due (sent without a delay)."""
    sqs = boto3.client("sqs")
    for timer in timers:
        sqs.send_message(QueueUrl=aws["TimerQueue"], MessageBody=timer.model_dump_json())
    return sqs_event(aws["TimerQueue"])


def _fire(event: dict[str, Any], at: datetime, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    import timer_handler

    monkeypatch.setattr(timer_handler, "utc_now", lambda: at)  # the handler reads the clock; the use case takes it
    return dict(timer_handler.handler(event, lambda_context()))


def _handoff(api: ApiClient, user: User, session_id: str, handoff_id: str) -> dict[str, Any]:
    reply = api.call("GET", handoff_path(session_id, handoff_id), user)
    assert reply.status == 200, reply.body
    return dict(reply.body)


def _timer_of(handoff: dict[str, Any]) -> Timer:
    return Timer(
        account_id=handoff["account_id"],
        session_id=handoff["session_id"],
        handoff_id=handoff["id"],
        level=handoff["overdue_level"],
        due_at=handoff["due_at"],
    )


# --- the policy ---------------------------------------------------------------------------------


def test_the_policy_starts_at_the_defaults_and_an_admin_sets_it(api: ApiClient, users: dict[str, User]) -> None:
    # Given a fresh account, When its admin reads the policy, Then it is the defaults
    admin = users["admin@acme.test"]
    assert _steps(api.call("GET", POLICY, admin).body) == {"remind_after_s": 300, "escalate_after_s": 900, "repeat_every_s": 900}
    # When the admin sets a quick one, Then it is answered and kept
    put = api.call("PUT", POLICY, admin, QUICK)
    assert (put.status, _steps(put.body)) == (200, QUICK)
    assert _steps(api.call("GET", POLICY, users["owner@acme.test"]).body) == QUICK
    assert put.body["notify"] == NOTIFY


def _steps(policy: dict[str, Any]) -> dict[str, Any]:
    """The account's own steps of a policy answer (policy v2 answers more: the cap, priorities, business hours)."""
    return {name: policy[name] for name in QUICK}


@pytest.mark.parametrize("email", ["senior@acme.test", "viewer@acme.test"])
def test_only_owners_and_admins_see_or_set_the_policy(api: ApiClient, users: dict[str, User], email: str) -> None:
    for reply in (api.call("GET", POLICY, users[email]), api.call("PUT", POLICY, users[email], QUICK)):
        assert reply.status == 403 and "admin" in reply.body["detail"]


def test_a_whole_number_written_with_a_decimal_point_is_that_number(api: ApiClient, users: dict[str, User]) -> None:
    # Given JSON that writes 60 as 60.0 (JSON Schema's `integer` accepts it; JSON does not tell them apart)
    body = {"remind_after_s": 60.0, "escalate_after_s": 120.0, "repeat_every_s": 90}
    # When an owner sets it, Then it is stored as the whole numbers it says
    reply = api.call("PUT", POLICY, users["owner@acme.test"], body)
    stored = api.call("GET", POLICY, users["owner@acme.test"]).body
    whole = {"remind_after_s": 60, "escalate_after_s": 120, "repeat_every_s": 90}
    assert reply.status == 200 and reply.body["notify"] == NOTIFY
    assert (
        json.dumps(_steps(reply.body), sort_keys=True)
        == json.dumps(_steps(stored), sort_keys=True)
        == json.dumps(whole, sort_keys=True)
    )
    assert json.dumps(reply.body, sort_keys=True) == json.dumps(stored, sort_keys=True)


@pytest.mark.parametrize(
    "body",
    [
        {**QUICK, "remind_after_s": 29},
        {**QUICK, "repeat_every_s": 0},
        {**QUICK, "escalate_after_s": "60"},
        {**QUICK, "escalate_after_s": 60.5},
        {**QUICK, "remind_after_s": 10**9},
        {"remind_after_s": 30, "escalate_after_s": 30},
        {**QUICK, "colour": "red"},
    ],
)
def test_a_bad_policy_is_a_422_that_says_where(api: ApiClient, users: dict[str, User], body: dict[str, Any]) -> None:
    reply = api.call("PUT", POLICY, users["owner@acme.test"], body)
    assert reply.status == 422 and reply.body["detail"] and reply.body["errors"]
    assert api.call("GET", POLICY, users["owner@acme.test"]).body["remind_after_s"] == 300


def test_no_account_sees_or_changes_another_accounts_policy(api: ApiClient, users: dict[str, User]) -> None:
    # Given acme's quick policy
    api.call("PUT", POLICY, users["admin@acme.test"], QUICK)
    # Then globex still has the defaults, and globex's change leaves acme's alone
    assert api.call("GET", POLICY, users["admin@globex.test"]).body["remind_after_s"] == 300
    api.call("PUT", POLICY, users["admin@globex.test"], {**QUICK, "remind_after_s": 600})
    assert _steps(api.call("GET", POLICY, users["admin@acme.test"]).body) == QUICK


# --- deadlines on the handoff ---------------------------------------------------------------------


def test_an_escalation_is_due_after_the_reminder_and_a_park_is_never_due(api: ApiClient, users: dict[str, User]) -> None:
    junior, senior = users["junior@acme.test"], users["senior@acme.test"]
    api.call("PUT", POLICY, users["admin@acme.test"], QUICK)
    session_id, handoff_id = new_handoff(api, junior, "escalate")
    escalation = _handoff(api, senior, session_id, handoff_id)["handoff"]
    assert escalation["overdue_level"] == 0
    assert parse_iso(escalation["due_at"]) - parse_iso(escalation["created_at"]) == timedelta(seconds=30)
    park_session, park_id = new_handoff(api, junior, "park")
    park = _handoff(api, senior, park_session, park_id)["handoff"]
    assert park["due_at"] is None
    # When the park becomes an escalation, Then its clock starts then
    escalated = api.call("POST", handoff_path(park_session, park_id, "escalate"), junior).body
    assert parse_iso(escalated["due_at"]) - parse_iso(escalated["updated_at"]) == timedelta(seconds=30)


def test_a_claim_ends_the_clock_and_a_release_restarts_it_at_level_zero(
    api: ApiClient, users: dict[str, User], aws: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    junior, senior = users["junior@acme.test"], users["senior@acme.test"]
    session_id, handoff_id = new_handoff(api, junior, "escalate")
    handoff = _handoff(api, senior, session_id, handoff_id)["handoff"]
    _fire(_timer_event(aws, _timer_of(handoff)), parse_iso(handoff["due_at"]), monkeypatch)
    assert _handoff(api, senior, session_id, handoff_id)["handoff"]["overdue_level"] == 1
    # When a senior picks it up, Then no deadline remains
    claimed = api.call("POST", handoff_path(session_id, handoff_id, "claim"), senior).body
    assert claimed["due_at"] is None
    # When they put it back, Then it starts over: level 0, due a reminder from now
    released = api.call("POST", handoff_path(session_id, handoff_id, "release"), senior).body
    assert released["overdue_level"] == 0
    assert parse_iso(released["due_at"]) - parse_iso(released["updated_at"]) == timedelta(seconds=300)


# --- timers -----------------------------------------------------------------------------------------


def test_the_stream_arms_one_timer_per_deadline_and_the_ladder_climbs_by_itself(
    api: ApiClient, users: dict[str, User], aws: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an escalation under a quick policy, and its changes routed
    api.call("PUT", POLICY, users["admin@acme.test"], QUICK)
    session_id, handoff_id = new_handoff(api, users["junior@acme.test"], "escalate")
    _route_stream()
    # Then one timer waits for its first deadline, delayed by the reminder
    ((timer, delay),) = _armed()
    handoff = _handoff(api, users["senior@acme.test"], session_id, handoff_id)["handoff"]
    assert (timer.handoff_id, timer.level, timer.due_at) == (handoff_id, 0, handoff["due_at"])
    assert 25 <= delay <= 30  # the reminder, less the time the change took to reach the router
    _drain_timers()
    # When it fires at its deadline
    assert _fire(_timer_event(aws, timer), parse_iso(timer.due_at), monkeypatch) == {"batchItemFailures": []}
    # Then the handoff is at level 1, due `escalate_after_s` later, with a timeline entry no one made
    raised = _handoff(api, users["senior@acme.test"], session_id, handoff_id)
    assert raised["handoff"]["overdue_level"] == 1
    assert parse_iso(raised["handoff"]["due_at"]) - parse_iso(timer.due_at) == timedelta(seconds=40)
    entry = raised["timeline"][-1]
    assert (entry["action"], entry["actor_id"], entry["version"]) == ("overdue", None, raised["handoff"]["version"])
    # And the stream turns the raise into a handoff_overdue event (actor null) and arms the next timer
    _route_stream()
    overdue = [json.loads(r["body"]) for r in sqs_event(aws["PushQueue"])["Records"]]
    (event,) = [checked(e) for e in overdue if e["type"] == "handoff_overdue"]
    assert event["actor"] is None and event["handoff"]["overdue_level"] == 1 and event["timeline_entry"]["actor_id"] is None
    # (the test routes the whole stream again: the creation's timer comes back too, as a retried record's would)
    assert (1, raised["handoff"]["due_at"]) in [(t.level, t.due_at) for t, _ in _armed()]


def test_a_timer_for_a_handoff_claimed_a_second_before_it_fires_does_nothing(
    api: ApiClient, users: dict[str, User], aws: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an escalation whose first deadline is a second away, and a senior who picks it up now
    session_id, handoff_id = new_handoff(api, users["junior@acme.test"], "escalate")
    timer = _timer_of(_handoff(api, users["senior@acme.test"], session_id, handoff_id)["handoff"])
    api.call("POST", handoff_path(session_id, handoff_id, "claim"), users["senior@acme.test"])
    # When the timer fires a second later
    assert _fire(_timer_event(aws, timer), parse_iso(timer.due_at) + timedelta(seconds=1), monkeypatch) == {
        "batchItemFailures": []
    }
    # Then nothing changed: still claimed, level 0, no overdue entry
    after = _handoff(api, users["senior@acme.test"], session_id, handoff_id)
    assert (after["handoff"]["status"], after["handoff"]["overdue_level"], after["handoff"]["version"]) == ("claimed", 0, 2)
    assert [e["action"] for e in after["timeline"]] == ["create", "claim"]


def test_a_duplicate_timer_message_raises_the_level_once(
    api: ApiClient, users: dict[str, User], aws: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an escalation's timer, delivered twice in one batch and then once more later (at-least-once)
    session_id, handoff_id = new_handoff(api, users["junior@acme.test"], "escalate")
    timer = _timer_of(_handoff(api, users["senior@acme.test"], session_id, handoff_id)["handoff"])
    due = parse_iso(timer.due_at)
    # When all of them fire
    assert _fire(_timer_event(aws, timer, timer), due, monkeypatch) == {"batchItemFailures": []}
    assert _fire(_timer_event(aws, timer), due + timedelta(seconds=5), monkeypatch) == {"batchItemFailures": []}
    # Then the level rose once
    after = _handoff(api, users["senior@acme.test"], session_id, handoff_id)
    assert after["handoff"]["overdue_level"] == 1
    assert [e["action"] for e in after["timeline"]].count("overdue") == 1


def test_a_stale_timer_of_an_older_deadline_does_nothing_even_with_another_key(
    api: ApiClient, users: dict[str, User], aws: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a handoff raised to level 1 by its timer
    session_id, handoff_id = new_handoff(api, users["junior@acme.test"], "escalate")
    timer = _timer_of(_handoff(api, users["senior@acme.test"], session_id, handoff_id)["handoff"])
    _fire(_timer_event(aws, timer), parse_iso(timer.due_at), monkeypatch)
    # When the same deadline's timer comes back as another hop (not deduplicated by the idempotency key)
    _fire(_timer_event(aws, timer.next_hop()), parse_iso(timer.due_at) + timedelta(seconds=60), monkeypatch)
    # Then the write's condition refuses it: still level 1
    assert _handoff(api, users["senior@acme.test"], session_id, handoff_id)["handoff"]["overdue_level"] == 1


def test_an_early_timer_sends_itself_on_with_the_remainder_in_steps_of_at_most_15_minutes(
    api: ApiClient, users: dict[str, User], aws: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a deadline an hour away (a slow policy)
    api.call("PUT", POLICY, users["admin@acme.test"], {**QUICK, "remind_after_s": 3600})
    session_id, handoff_id = new_handoff(api, users["junior@acme.test"], "escalate")
    handoff = _handoff(api, users["senior@acme.test"], session_id, handoff_id)["handoff"]
    timer = _timer_of(handoff)
    # When its timer wakes 15 minutes in, and then 55 minutes in
    _fire(_timer_event(aws, timer), parse_iso(handoff["created_at"]) + timedelta(seconds=900), monkeypatch)
    ((first, first_delay),) = [armed for armed in _armed() if armed[0].hop == 1]
    _fire(_timer_event(aws, first), parse_iso(handoff["created_at"]) + timedelta(seconds=3300), monkeypatch)
    ((second, second_delay),) = [armed for armed in _armed() if armed[0].hop == 2]
    # Then each time it sent itself on, the same deadline, the next hop, for at most 900 s
    assert (first.due_at, first.hop, first_delay) == (timer.due_at, 1, 900)
    assert (second.due_at, second.hop, second_delay) == (timer.due_at, 2, 300)
    # And nothing was raised
    assert _handoff(api, users["senior@acme.test"], session_id, handoff_id)["handoff"]["overdue_level"] == 0


def test_a_poison_timer_fails_alone(
    api: ApiClient, users: dict[str, User], aws: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    session_id, handoff_id = new_handoff(api, users["junior@acme.test"], "escalate")
    timer = _timer_of(_handoff(api, users["senior@acme.test"], session_id, handoff_id)["handoff"])
    boto3.client("sqs").send_message(QueueUrl=aws["TimerQueue"], MessageBody='{"handoff_id": 1}')
    event = _timer_event(aws, timer)
    poison = next(r["messageId"] for r in event["Records"] if 'handoff_id": 1' in r["body"])
    assert _fire(event, parse_iso(timer.due_at), monkeypatch) == {"batchItemFailures": [{"itemIdentifier": poison}]}
    assert _handoff(api, users["senior@acme.test"], session_id, handoff_id)["handoff"]["overdue_level"] == 1


# --- who is told ------------------------------------------------------------------------------------


def _overdue_mail(aws: dict[str, str], level: int) -> list[str]:
    import email_handler

    before = len(ses_backends[ACCOUNT][REGION].sent_messages)
    _route_stream()
    emailed = sqs_event(aws["EmailQueue"])
    assert email_handler.handler(emailed, lambda_context()) == {"batchItemFailures": []}
    for record in emailed["Records"]:
        boto3.client("sqs").delete_message(QueueUrl=aws["EmailQueue"], ReceiptHandle=record["receiptHandle"])
    mails = list(ses_backends[ACCOUNT][REGION].sent_messages)[before:]
    assert all(f"Overdue (level {level})" in mail.subject for mail in mails)  # type: ignore[attr-defined]
    return sorted(address for mail in mails for address in mail.destinations["ToAddresses"])  # type: ignore[attr-defined]


def test_level_one_is_emailed_to_the_engineers_and_level_two_on_to_admins_and_owners(
    api: ApiClient, users: dict[str, User], aws: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an escalation whose creation emails went out already
    import email_handler

    session_id, handoff_id = new_handoff(api, users["junior@acme.test"], "escalate", notes="VPN down for the whole office")
    _route_stream()
    email_handler.handler(sqs_event(aws["EmailQueue"]), lambda_context())
    boto3.client("sqs").purge_queue(QueueUrl=aws["EmailQueue"])
    _drain_timers()
    senior = users["senior@acme.test"]
    # When level 1 is reached, Then the engineers (not the junior who escalated) are told
    handoff = _handoff(api, senior, session_id, handoff_id)["handoff"]
    _fire(_timer_event(aws, _timer_of(handoff)), parse_iso(handoff["due_at"]), monkeypatch)
    assert _overdue_mail(aws, 1) == ["senior2@acme.test", "senior@acme.test"]
    # When level 2 and level 3 are reached, Then admins and owners are told each time
    for level in (2, 3):
        _drain_timers()
        handoff = _handoff(api, senior, session_id, handoff_id)["handoff"]
        _fire(_timer_event(aws, _timer_of(handoff)), parse_iso(handoff["due_at"]), monkeypatch)
        assert _overdue_mail(aws, level) == ["admin@acme.test", "owner@acme.test"]


# --- policy v2: the cap, priorities, business hours ---------------------------------------------------

BERLIN_HOURS = {"time_zone": "Europe/Berlin", "weekly": {d: [["08:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}}


def _escalate_at(
    api: ApiClient, user: User, at: datetime, priority: str | None, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, str]:
    """An escalation created at `at` (the API's clock set there) of a session with `priority`."""
    import baton.logic.handoffs as handoff_logic

    body: dict[str, Any] = {"intake_type": "ticket", "intake_content": {"ticket": "INC-1"}}
    if priority:
        body["priority"] = priority
    session = api.call("POST", "/api/v1/ai-sessions", user, body)
    assert session.status == 201, session.body
    with monkeypatch.context() as clock:
        clock.setattr(handoff_logic, "utc_now", lambda: at)
        reply = api.call("POST", f"/api/v1/ai-sessions/{session.body['id']}/handoff", user, {"intent": "escalate"})
    assert reply.status == 201, reply.body
    return str(session.body["id"]), str(reply.body["id"])


def test_the_policy_v2_fields_are_answered_with_their_defaults_and_kept(api: ApiClient, users: dict[str, User]) -> None:
    # Given a fresh account, When its admin reads the policy, Then max_level is 3 and P1 climbs twice as fast, always on
    admin = users["admin@acme.test"]
    policy = api.call("GET", POLICY, admin).body
    assert policy["max_level"] == 3 and policy["business_hours"] is None
    assert policy["priorities"]["P1"] == {
        "remind_after_s": 150,
        "escalate_after_s": 450,
        "repeat_every_s": 450,
        "always_on": True,
    }
    assert policy["priorities"]["P4"] == {
        "remind_after_s": 300,
        "escalate_after_s": 900,
        "repeat_every_s": 900,
        "always_on": False,
    }
    # When the admin sets business hours, a cap and P2's own steps, Then they are answered and kept
    p2 = {"remind_after_s": 60, "escalate_after_s": 60, "repeat_every_s": 60, "always_on": True}
    body = {**QUICK, "max_level": 2, "priorities": {"P2": p2}, "business_hours": {**BERLIN_HOURS, "holidays": ["2026-12-25"]}}
    put = api.call("PUT", POLICY, admin, body)
    assert put.status == 200, put.body
    assert api.call("GET", POLICY, admin).body == put.body
    assert (
        put.body["max_level"] == 2 and put.body["priorities"]["P2"] == p2 and put.body["priorities"]["P1"]["remind_after_s"] == 30
    )
    assert put.body["business_hours"]["holidays"] == ["2026-12-25"]


@pytest.mark.parametrize(
    "change",
    [
        {"max_level": 0},
        {"max_level": 51},
        {"priorities": {"P5": {"remind_after_s": 60, "escalate_after_s": 60, "repeat_every_s": 60}}},
        {"priorities": {"P1": {"remind_after_s": 10, "escalate_after_s": 60, "repeat_every_s": 60}}},
        {"business_hours": {"time_zone": "Mars/Olympus"}},
        {"business_hours": {"weekly": {"mon": [["18:00", "08:00"]]}}},
        {"business_hours": {"weekly": {"mon": [["08:00", "12:00"], ["11:00", "13:00"]]}}},
        {"business_hours": {"weekly": {}}},
        {"business_hours": {"holidays": ["2026-02-30"]}},
        {"business_hours": {"weekly": {"mon": [["8:00", "18:00"]]}}},
    ],
)
def test_a_bad_v2_policy_is_a_422_that_says_where(api: ApiClient, users: dict[str, User], change: dict[str, Any]) -> None:
    reply = api.call("PUT", POLICY, users["owner@acme.test"], {**QUICK, **change})
    assert reply.status == 422 and reply.body["detail"] and reply.body["errors"], reply.body
    assert api.call("GET", POLICY, users["owner@acme.test"]).body["remind_after_s"] == 300


def test_deadlines_pause_over_a_weekend_across_a_time_zone_change_and_over_a_holiday(
    api: ApiClient, users: dict[str, User], aws: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given Berlin business hours (08:00-18:00 on weekdays, Christmas Day off) and a 10-minute reminder
    policy = {"remind_after_s": 600, "escalate_after_s": 900, "repeat_every_s": 900}
    api.call("PUT", POLICY, users["admin@acme.test"], {**policy, "business_hours": {**BERLIN_HOURS, "holidays": ["2026-12-25"]}})
    junior, senior = users["junior@acme.test"], users["senior@acme.test"]
    # When a P3 is raised on Friday 23 October at 17:58 in Berlin (CEST, UTC+2: 15:58 UTC)
    friday = datetime(2026, 10, 23, 15, 58, tzinfo=UTC)
    weekend = _handoff(api, senior, *_escalate_at(api, junior, friday, "P3", monkeypatch))["handoff"]
    # Then 2 minutes run on Friday, and the other 8 on Monday from 08:00, now CET (UTC+1, clocks went back Sunday)
    assert weekend["due_at"] == "2026-10-26T07:08:00.000Z"
    # And when its timer fires then, the next deadline is 15 business minutes later
    _fire(_timer_event(aws, _timer_of(weekend).model_copy(update={"priority": "P3"})), parse_iso(weekend["due_at"]), monkeypatch)
    raised = _handoff(api, senior, weekend["session_id"], weekend["id"])["handoff"]
    assert (raised["overdue_level"], raised["due_at"]) == (1, "2026-10-26T07:23:00.000Z")
    # When a P3 is raised on Thursday 24 December at 17:58 (Christmas Day is off, then the weekend)
    christmas = _handoff(api, senior, *_escalate_at(api, junior, datetime(2026, 12, 24, 16, 58, tzinfo=UTC), "P3", monkeypatch))
    # Then it is due on Monday 28 December at 08:08 in Berlin
    assert christmas["handoff"]["due_at"] == "2026-12-28T07:08:00.000Z"
    # When a P1 (always on, half the steps) is raised on that Friday evening, Then its clock does not pause
    p1 = _handoff(api, senior, *_escalate_at(api, junior, friday, "P1", monkeypatch))["handoff"]
    assert p1["due_at"] == "2026-10-23T16:03:00.000Z"


def test_a_30_s_policy_for_30_minutes_notifies_each_person_at_most_max_level_times(
    api: ApiClient, users: dict[str, User], aws: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import email_handler

    # Given a 30 s policy (default cap: 3) and an escalation whose creation emails went out already
    api.call("PUT", POLICY, users["admin@acme.test"], {"remind_after_s": 30, "escalate_after_s": 30, "repeat_every_s": 30})
    session_id, handoff_id = new_handoff(api, users["junior@acme.test"], "escalate")
    _route_stream()
    email_handler.handler(sqs_event(aws["EmailQueue"]), lambda_context())
    boto3.client("sqs").purge_queue(QueueUrl=aws["EmailQueue"])
    before = len(ses_backends[ACCOUNT][REGION].sent_messages)
    start = parse_iso(_handoff(api, users["senior@acme.test"], session_id, handoff_id)["handoff"]["created_at"])
    # When nobody picks it up for 30 minutes, every timer firing at its deadline and every change routed and emailed
    fired = 0
    for _ in range(60):
        armed = [timer for timer, _ in _armed() if timer.handoff_id == handoff_id]
        _drain_timers()
        due = [timer for timer in armed if parse_iso(timer.due_at) <= start + timedelta(minutes=30)]
        if not due:
            break
        for timer in due:
            _fire(_timer_event(aws, timer), parse_iso(timer.due_at), monkeypatch)
            fired += 1
        _route_stream()
        emailed = sqs_event(aws["EmailQueue"])
        email_handler.handler(emailed, lambda_context())
        for record in emailed["Records"]:
            boto3.client("sqs").delete_message(QueueUrl=aws["EmailQueue"], ReceiptHandle=record["receiptHandle"])
    # Then it stopped at level 3 with no deadline left, and nobody got more than 3 overdue emails
    after = _handoff(api, users["senior@acme.test"], session_id, handoff_id)
    assert (after["handoff"]["overdue_level"], after["handoff"]["due_at"]) == (3, None)
    assert [e["action"] for e in after["timeline"]].count("overdue") == 3
    assert "the last" in after["timeline"][-1]["reason"]
    mails = list(ses_backends[ACCOUNT][REGION].sent_messages)[before:]
    per_person: dict[str, int] = {}
    for mail in mails:
        for address in mail.destinations["ToAddresses"]:  # type: ignore[attr-defined]
            per_person[address] = per_person.get(address, 0) + 1
    assert per_person and max(per_person.values()) <= 3, per_person
    assert per_person["admin@acme.test"] == 2  # levels 2 and 3
