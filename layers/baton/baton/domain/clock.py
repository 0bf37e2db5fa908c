"""Time and id helpers, kept in one place so tests can reason about formats."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, tzinfo


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """ISO-8601 UTC with milliseconds and a `Z` (four-digit years), sortable as a string."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    """An ISO-8601 time as UTC (a time without an offset is UTC); ValueError for anything else,
    including times that fall outside years 1-9999 once moved to UTC."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except OverflowError as error:
        raise ValueError(f"{text} is outside the years 1-9999 in UTC") from error


def local_time(text: str, zone: tzinfo) -> str:
    """An ISO time as people read it in the account's zone: "Thu 24 Dec 18:00 CET"."""
    moment = parse_iso(text).astimezone(zone)
    return f"{moment:%a} {moment.day} {moment:%b %H:%M} {moment.tzname() or ''}".rstrip()


def new_id() -> str:
    return str(uuid.uuid4())
