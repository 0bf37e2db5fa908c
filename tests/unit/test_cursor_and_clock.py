"""Pagination cursors and time formats."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baton.clock import iso, parse_iso, utc_now
from baton.errors import Invalid
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
