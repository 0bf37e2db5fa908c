"""The SLA ladder's rules and use cases with in-memory fakes: deadlines, timers, the raise, figures, who is told."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baton.domain import ladder
from baton.domain.clock import iso
from baton.domain.events import HandoffEvent, event_for_change
from baton.domain.ladder import Policy, Timer
from baton.domain.models import Handoff, HandoffFacts, QueuePage, Role, TimelineEntry
from baton.domain.recipients import DEFAULT_NOTIFY
from baton.logic import notify, sla, stats
from tests.unit.fakes import person

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def _handoff(**changes: object) -> Handoff:
    base = Handoff(
        id="h1",
        session_id="s1",
        account_id="acme",
        intent="escalate",
        engineer_notes="VPN down",
        status="open",
        created_by="junior",
        created_by_name="Jules",
        created_at=iso(NOW),
        updated_at=iso(NOW),
        due_at=iso(NOW + timedelta(seconds=300)),
        version=1,
        timeline=[TimelineEntry(at=iso(NOW), action="create", actor_id="junior", actor_name="Jules", version=1)],
    )
    return base.model_copy(update=changes)


# --- the policy and the ladder ---------------------------------------------------------------------


def test_each_level_waits_its_own_step() -> None:
    policy = Policy(remind_after_s=30, escalate_after_s=40, repeat_every_s=50)
    assert [policy.step_after(level) for level in range(5)] == [30, 40, 50, 50, 50]
    assert ladder.next_due(iso(NOW), 1, policy) == iso(NOW + timedelta(seconds=40))
    assert [ladder.audience(level) for level in (1, 2, 3, 9)] == ["engineers", "supervisors", "supervisors", "supervisors"]


def test_the_defaults_are_300_900_900_and_a_step_under_30_s_is_refused() -> None:
    steps = ladder.default_policy().model_dump(include={"remind_after_s", "escalate_after_s", "repeat_every_s"})
    assert steps == {"remind_after_s": 300, "escalate_after_s": 900, "repeat_every_s": 900}
    with pytest.raises(ValueError, match="greater than or equal to 30"):
        Policy(remind_after_s=29)


@pytest.mark.parametrize(
    ("before", "after", "armed"),
    [
        (None, _handoff(), (0, iso(NOW + timedelta(seconds=300)))),  # created: its first deadline
        (None, _handoff(intent="park", due_at=None), None),  # a park waits by design
        (_handoff(), _handoff(engineer_notes="more", version=2), None),  # same deadline: the timer is armed already
        (_handoff(), _handoff(status="claimed", due_at=None, version=2), None),  # claimed: the ladder ends
        (
            _handoff(),
            _handoff(overdue_level=1, due_at=iso(NOW + timedelta(seconds=1200))),
            (1, iso(NOW + timedelta(seconds=1200))),
        ),
    ],
)
def test_a_timer_is_armed_for_every_new_deadline_and_only_then(
    before: Handoff | None, after: Handoff, armed: tuple[int, str] | None
) -> None:
    timer = ladder.timer_for_change(before, after)
    assert (None if timer is None else (timer.level, timer.due_at)) == armed


@given(st.integers(min_value=-10_000, max_value=100_000))
def test_a_timer_waits_between_0_and_900_s_and_never_past_its_deadline(seconds_left: int) -> None:
    timer = Timer(account_id="a", session_id="s", handoff_id="h", level=0, due_at=iso(NOW + timedelta(seconds=seconds_left)))
    delay = timer.delay_s(NOW)
    assert 0 <= delay <= ladder.MAX_TIMER_DELAY_S
    assert delay == max(0, min(seconds_left, 900))


# --- firing --------------------------------------------------------------------------------------


class FakeLadder:
    """A store holding one handoff, with the raise's condition as the table's write has it, and a queue."""

    def __init__(self, handoff: Handoff, max_level: int = 10) -> None:
        self.handoff = handoff
        self.scheduled: list[tuple[Timer, int]] = []
        self.max_level = max_level  # past the default cap (3), so the levels after it can be told too

    def sla_policy(self, account_id: str) -> Policy:
        return Policy(remind_after_s=30, escalate_after_s=40, repeat_every_s=50, max_level=self.max_level)

    def raise_overdue(self, timer: Timer, entry: TimelineEntry, next_due: str | None) -> Handoff | None:
        h = self.handoff
        if (h.status, h.intent, h.overdue_level, h.due_at) != ("open", "escalate", timer.level, timer.due_at):
            return None
        self.handoff = h.model_copy(
            update={
                "overdue_level": h.overdue_level + 1,
                "due_at": next_due,
                "version": h.version + 1,
                "timeline": [*h.timeline, entry.model_copy(update={"version": h.version + 1})],
            }
        )
        return self.handoff

    def schedule(self, timer: Timer, delay_s: int) -> None:
        self.scheduled.append((timer, delay_s))


def _timer_of(handoff: Handoff) -> Timer:
    assert handoff.due_at
    return Timer(account_id="acme", session_id="s1", handoff_id="h1", level=handoff.overdue_level, due_at=handoff.due_at)


def test_a_due_timer_raises_one_level_with_a_system_entry_that_names_the_overdue_event() -> None:
    store = FakeLadder(_handoff())
    before = store.handoff
    fired = sla.fire(_timer_of(before), NOW + timedelta(seconds=300), store, store)
    assert fired.outcome == "raised" and fired.handoff is not None
    assert (fired.handoff.overdue_level, fired.handoff.due_at) == (1, iso(NOW + timedelta(seconds=340)))
    event = event_for_change(before, fired.handoff, "e1")
    assert event is not None and event.type == "handoff_overdue" and event.actor is None
    assert event.timeline_entry is not None and "level 1" in (event.timeline_entry.reason or "")


def test_an_early_timer_waits_on_and_a_stale_one_does_nothing() -> None:
    store = FakeLadder(_handoff())
    timer = _timer_of(store.handoff)
    assert sla.fire(timer, NOW, store, store).outcome == "waiting"
    assert store.scheduled == [(timer.next_hop(), 300)]
    store.handoff = store.handoff.model_copy(update={"status": "claimed", "due_at": None})
    assert sla.fire(timer, NOW + timedelta(seconds=301), store, store).outcome == "stale"
    assert store.handoff.overdue_level == 0


def test_the_last_level_is_raised_without_a_next_deadline_and_a_timer_past_it_does_nothing() -> None:
    # Given the default cap (3) and a handoff at level 2
    store = FakeLadder(_handoff(overdue_level=2), max_level=3)
    # When its timer fires, Then it reaches level 3, the last: no next deadline, so no timer is armed after it
    fired = sla.fire(_timer_of(store.handoff), NOW + timedelta(days=1), store, store)
    assert fired.outcome == "raised" and fired.handoff is not None
    assert (fired.handoff.overdue_level, fired.handoff.due_at) == (3, None)
    assert "the last" in (fired.handoff.timeline[-1].reason or "")
    assert ladder.timer_for_change(_handoff(overdue_level=2), fired.handoff) is None
    # And a timer for level 3 (the policy lowered meanwhile, or a stray one) raises nothing
    stray = Timer(account_id="acme", session_id="s1", handoff_id="h1", level=3, due_at=iso(NOW))
    assert sla.fire(stray, NOW + timedelta(days=1), store, store).outcome == "stopped"
    assert store.handoff.overdue_level == 3


# --- the figures -----------------------------------------------------------------------------------


class FakeFigures:
    def __init__(self, facts: list[HandoffFacts], open_ones: list[Handoff]) -> None:
        self.facts, self.open_ones, self.asked_since = facts, open_ones, ""

    def created_since(self, account_id: str, since: str) -> list[HandoffFacts]:
        self.asked_since = since
        return [f for f in self.facts if f.created_at >= since]

    def open_queue(self, account_id: str, intent: str | None, limit: int, after: str | None) -> QueuePage:
        start = int(after or 0)
        page = self.open_ones[start : start + limit]
        return QueuePage(items=page, next_cursor=str(start + limit) if start + limit < len(self.open_ones) else None)


def _fact(n: int, waited_s: int | None, by: str = "sam", intent: str = "escalate", raises: int = 0) -> HandoffFacts:
    created = NOW - timedelta(hours=n)
    return HandoffFacts.model_validate(
        {
            "id": f"h{n}",
            "intent": intent,
            "status": "claimed" if waited_s is not None else "open",
            "created_at": iso(created),
            "picked_up_at": iso(created + timedelta(seconds=waited_s)) if waited_s is not None else None,
            "picked_up_by": by if waited_s is not None else None,
            "picked_up_by_name": by.title() if waited_s is not None else None,
            "overdue_raises": raises,
        }
    )


def test_the_figures_are_exact_over_the_window_and_count_escalations_only() -> None:
    # Given escalations picked up after 10..100 s (two by sasha), one still open, one overdue, a park, one too old
    facts = [_fact(n, n * 10, by="sasha" if n > 8 else "sam", raises=int(n == 3)) for n in range(1, 11)]
    facts += [_fact(11, None, raises=2), _fact(12, 5, intent="park"), _fact(24 * 8, 1)]
    open_ones = [_handoff(id=f"o{n}", overdue_level=n % 2) for n in range(450)]
    store = FakeFigures(facts, open_ones)
    figures = stats.figures(person(Role.ENGINEER), 7, NOW, store)
    assert store.asked_since == iso(NOW - timedelta(days=7))
    assert (figures.escalations, figures.claimed, figures.overdue, figures.overdue_now) == (11, 10, 2, 225)
    assert (figures.median_time_to_pickup_s, figures.p90_time_to_pickup_s) == (55.0, 90.0)
    assert [(c.user_id, c.claims) for c in figures.claims_per_engineer] == [("sam", 8), ("sasha", 2)]


def test_figures_of_a_quiet_window_have_no_times() -> None:
    figures = stats.figures(person(Role.ADMIN), 1, NOW, FakeFigures([], []))
    assert (figures.escalations, figures.median_time_to_pickup_s, figures.p90_time_to_pickup_s) == (0, None, None)


def test_a_viewer_gets_no_figures() -> None:
    with pytest.raises(Exception, match="engineer"):
        stats.figures(person(Role.VIEWER), 7, NOW, FakeFigures([], []))


@given(st.lists(st.floats(min_value=0, max_value=1e6), min_size=1, max_size=200))
def test_the_p90_is_a_value_that_occurred_with_at_least_90_percent_at_or_below_it(values: list[float]) -> None:
    ordered = sorted(values)
    p90 = stats.nearest_rank(ordered, 0.9)
    assert p90 in ordered
    assert sum(1 for v in ordered if v <= p90) >= 0.9 * len(ordered)
    assert sum(1 for v in ordered if v < p90) < 0.9 * len(ordered)


# --- who is told -----------------------------------------------------------------------------------


def _overdue_event(before: Handoff, level: int) -> HandoffEvent:
    start = before.model_copy(update={"overdue_level": level - 1})
    store = FakeLadder(start)
    fired = sla.fire(_timer_of(start), NOW + timedelta(days=1), store, store)
    assert fired.handoff is not None
    event = event_for_change(start, fired.handoff, "e")
    assert event is not None and notify.is_emailed(event)
    return event


def test_overdue_level_one_tells_the_engineers_and_later_levels_the_admins_and_owners() -> None:
    people = (("o", Role.OWNER), ("a", Role.ADMIN), ("e", Role.ENGINEER), ("v", Role.VIEWER))
    members = [person(role, name=name) for name, role in people] + [person(Role.ENGINEER, name="x", account="globex")]
    names = {member.id: member.display_name for member in members}
    for level, told in ((1, ["e"]), (2, ["o", "a"]), (5, ["o", "a"])):
        event = _overdue_event(_handoff(), level)
        assert [names[r.user_id] for r in notify.recipients(event, members, DEFAULT_NOTIFY)] == told
        mail = notify.compose(event, members[0], "http://console")
        assert f"Overdue (level {level})" in mail.subject and "#/handoffs/s1/h1" in mail.text
    # The engineer who escalated is not reminded of their own escalation (the policy's level 1 names the engineers)
    assert notify.recipients(_overdue_event(_handoff(created_by=members[2].id), 1), members, DEFAULT_NOTIFY) == []
