"""What the PSA connectors' calls into baton share: reading the payload, refusing a stale call, telling a status and
baton's own member apart, and the answer (a PSA only needs a 2xx; the body says what baton did, for its log)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from baton.connectors.http import HttpAnswer, InboundCall

FRESH = timedelta(minutes=10)  # a call about a change older than this is a replay: refused


def payload(call: InboundCall) -> dict[str, Any]:
    body = call.json()
    return body if isinstance(body, dict) else {}


def fresh(stamp: object, now: datetime) -> bool:
    """The call's ISO time (with its zone) is within FRESH of now: an old call sent again is refused."""
    try:
        sent = datetime.fromisoformat(str(stamp or "").replace("Z", "+00:00"))
    except ValueError:
        return False
    return sent.tzinfo is not None and abs(now - sent) <= FRESH


def same(value: object, wanted: object) -> bool:
    """A status (id or name) as the account configured it: ids as text, names in any case."""
    if value is None or wanted is None:
        return False
    return str(value).strip().lower() == str(wanted).strip().lower()


def made_by(changer: str | None, api_member: object) -> bool:
    """The change was made by baton's own API member or user (its changes are ignored: no echo loop)."""
    return changer is not None and bool(api_member) and changer == str(api_member)


def changer_of(value: object) -> str | None:
    return str(value) if value is not None else None


def answer(outcome: object | None) -> HttpAnswer:
    return HttpAnswer.of_json(200, {"outcome": str(outcome or "ignored")})
