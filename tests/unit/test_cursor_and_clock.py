"""Pagination cursors and time formats."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baton.domain.clock import iso, parse_iso, utc_now
from baton.domain.errors import Invalid
from baton.logic.realtime import resume
from baton.repositories import cursor

FIELDS = ("pk", "sk", "queue_sk")


@given(st.fixed_dictionaries({name: st.text(max_size=80) for name in FIELDS}))
def test_any_position_survives_a_round_trip(position: dict[str, str]) -> None:
    assert cursor.decode(cursor.encode(position), FIELDS) == position


@given(st.text(max_size=200))
def test_any_garbage_cursor_is_invalid_never_a_crash(garbage: str) -> None:
    try:
        position = cursor.decode(garbage, FIELDS)
    except Invalid as error:
        assert "cursor" in error.detail
    else:
        assert set(position) == set(FIELDS)


def test_a_cursor_with_other_fields_is_invalid() -> None:
    with pytest.raises(Invalid):
        cursor.decode(cursor.encode({"pk": "a", "sk": "b"}), FIELDS)


def test_times_are_utc_iso_with_milliseconds_and_sort_as_text() -> None:
    earlier = utc_now()
    text = iso(earlier)
    assert text.endswith("Z") and len(text) == len("2026-01-01T00:00:00.000Z")
    assert abs((parse_iso(text) - earlier).total_seconds()) < 0.001


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00", "0001-01-01T00:59:59+01:00"])
def test_a_time_that_leaves_years_1_to_9999_once_in_utc_is_a_value_error(text: str) -> None:
    # When a time inside years 1-9999 as written falls outside them in UTC, Then it is a ValueError, not an OverflowError
    with pytest.raises(ValueError, match="outside the years 1-9999"):
        parse_iso(text)


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("0001-01-01T01:00:00+01:00", "0001-01-01T00:00:00.000Z"),
        ("9999-12-31T18:59:59-05:00", "9999-12-31T23:59:59.000Z"),
        ("0001-01-01T00:00:00", "0001-01-01T00:00:00.000Z"),
        ("9999-12-31T23:59:59.999Z", "9999-12-31T23:59:59.999Z"),
    ],
)
def test_the_very_ends_of_time_in_utc_still_parse(text: str, utc: str) -> None:
    assert iso(parse_iso(text)) == utc


def test_resuming_from_an_overflowing_time_is_invalid_with_a_detail() -> None:
    # Given a change log that must not be read
    class NoChanges:
        def changed_since(self, *_: object) -> list[object]:
            raise AssertionError("read with a time that could not be parsed")

    # When a client resumes from a time that overflows once in UTC, Then Invalid names `since` (the WebSocket's error reply)
    with pytest.raises(Invalid, match="`since`"):
        resume("acme", "9999-12-31T23:59:59-05:00", NoChanges())  # type: ignore[arg-type]
