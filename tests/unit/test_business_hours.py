"""The SLA clock across pauses: business hours in the account's zone, dates off, always-on priorities, the cap.
`BusinessHours.add` is a pure function, so every deadline the ladder sets can be checked here."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baton.domain.clock import local_time
from baton.domain.ladder import BusinessHours, Policy

BERLIN = BusinessHours(time_zone="Europe/Berlin", holidays=["2026-12-25"])  # 08:00-18:00 Monday to Friday
ACME = Policy(remind_after_s=600, escalate_after_s=900, repeat_every_s=900, business_hours=BERLIN)


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_a_handoff_raised_on_friday_evening_is_due_on_monday_morning() -> None:
    # Given Friday 6 November 2026, 17:58 in Berlin (CET: 16:58 UTC), When a P3 gets its first deadline (10 min)
    # Then 2 minutes run on Friday and 8 on Monday from 08:00
    assert ACME.deadline(_utc(2026, 11, 6, 16, 58), 0, "P3") == _utc(2026, 11, 9, 7, 8)


def test_the_clock_keeps_wall_time_across_the_change_from_summer_time() -> None:
    # Given Friday 23 October 2026, 17:58 in Berlin (CEST, UTC+2); the clocks go back on Sunday the 25th
    # Then Monday 08:08 is CET (UTC+1): 07:08 UTC, not 06:08
    assert ACME.deadline(_utc(2026, 10, 23, 15, 58), 0, "P3") == _utc(2026, 10, 26, 7, 8)


def test_a_holiday_is_a_pause_too() -> None:
    # Given Thursday 24 December 2026, 17:58 in Berlin, with Christmas Day off and then the weekend
    assert ACME.deadline(_utc(2026, 12, 24, 16, 58), 0, "P4") == _utc(2026, 12, 28, 7, 8)


def test_a_handoff_raised_at_night_starts_its_clock_when_the_day_does() -> None:
    # Given Tuesday 22:00 in Berlin, When the clock starts, Then nothing runs until 08:00 Wednesday
    assert ACME.deadline(_utc(2026, 11, 10, 21, 0), 0, "P2") == _utc(2026, 11, 11, 7, 10)


def test_an_always_on_priority_and_an_account_without_hours_never_pause() -> None:
    friday_evening = _utc(2026, 11, 6, 16, 58)
    assert ACME.deadline(friday_evening, 0, "P1") == friday_evening + timedelta(seconds=300)  # half the steps, always on
    assert Policy(remind_after_s=600).deadline(friday_evening, 0, "P3") == friday_evening + timedelta(seconds=600)


def test_the_ladder_has_no_deadline_after_its_last_level() -> None:
    policy = Policy(remind_after_s=30, escalate_after_s=30, repeat_every_s=30)
    assert policy.max_level == 3
    at = _utc(2026, 11, 6, 9, 0)
    assert [policy.deadline(at, level) is not None for level in range(5)] == [True, True, True, False, False]


def test_times_are_told_in_the_accounts_zone() -> None:
    assert local_time("2026-10-23T15:58:00.000Z", BERLIN.zone()) == "Fri 23 Oct 17:58 CEST"
    assert local_time("2026-10-26T07:08:00.000Z", BERLIN.zone()) == "Mon 26 Oct 08:08 CET"


def _business_seconds(hours: BusinessHours, start: datetime, end: datetime) -> float:
    """The open time between two instants, summed span by span (an independent count of what `add` adds)."""
    total = 0.0
    day = start.astimezone(hours.zone()).date() - timedelta(days=1)
    while day <= end.astimezone(hours.zone()).date():
        for opens, closes in hours.spans(day):
            total += max(0.0, (min(closes, end) - max(opens, start)).total_seconds())
        day += timedelta(days=1)
    return total


zones = st.sampled_from(["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC"])
moments = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC))


@given(zone=zones, start=moments, seconds=st.integers(min_value=30, max_value=7 * 24 * 3600))
def test_a_deadline_is_exactly_that_much_business_time_later_and_falls_inside_business_hours(
    zone: str, start: datetime, seconds: int
) -> None:
    hours = BusinessHours(time_zone=zone, weekly={"mon": [["08:00", "12:00"], ["13:00", "18:00"]], "sat": [["10:00", "14:00"]]})
    due = hours.add(start, seconds)
    assert due > start
    assert _business_seconds(hours, start, due) == pytest.approx(seconds)
    local = due.astimezone(hours.zone()).date()
    assert any(opens < due <= closes for day in (local - timedelta(days=1), local) for opens, closes in hours.spans(day))
