"""The WebSocket side: tickets, connect/disconnect, and the messages clients send."""

import json
import secrets
import time
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any

from baton.domain import events
from baton.domain.clock import iso, parse_iso, utc_now
from baton.domain.errors import Forbidden, Invalid, Unauthorized
from baton.domain.modeling import Model
from baton.domain.models import Role, User
from baton.domain.websocket import (
    CONNECTION_TTL_SECONDS,
    TICKET_TTL_SECONDS,
    Connection,
    ConnectionGone,
    PostFailed,
    Throttled,
    Ticket,
)
from baton.ports import ChangeLog, Connections, Sender, Users

RESUME_LIMIT = 200


class IssuedTicket(Model):
    ticket: str
    expires_at: str
    url: str


def issue_ticket(caller: User, connections: Connections, websocket_url: str) -> IssuedTicket:
    """A single-use credential, valid 60 s: the only secret that ever goes into the WebSocket URL."""
    caller.role.require(Role.ENGINEER)
    expires = int(time.time()) + TICKET_TTL_SECONDS
    ticket = Ticket(ticket=secrets.token_urlsafe(32), user_id=caller.id, expires_at=expires)
    connections.put_ticket(ticket)
    expires_at = iso(datetime.fromtimestamp(expires, UTC))
    return IssuedTicket(ticket=ticket.ticket, expires_at=expires_at, url=f"{websocket_url}?ticket={ticket.ticket}")


def authorize_connect(ticket: str | None, connections: Connections, users: Users) -> User:
    """Consume the ticket (atomically) and re-read the user: 401 without a valid ticket, 403 for viewers."""
    if not ticket:
        raise Unauthorized("A ticket is required: POST /api/v1/ws-ticket first.")
    found = connections.consume_ticket(ticket, int(time.time()))
    if found is None:
        raise Unauthorized("The ticket is unknown, used or expired.")
    user = users.get(found.user_id)
    if user is None:
        raise Unauthorized("The ticket's user no longer exists.")
    if not user.role.at_least(Role.ENGINEER):
        raise Forbidden("Live updates need the engineer role.")
    return user


def connect(connection_id: str, account_id: str, user_id: str, connections: Connections) -> None:
    connections.put(
        Connection(
            connection_id=connection_id,
            account_id=account_id,
            user_id=user_id,
            connected_at=iso(utc_now()),
            expires_at=int(time.time()) + CONNECTION_TTL_SECONDS,
        )
    )


def ready(connection_id: str, account_id: str, user_id: str) -> dict[str, Any]:
    return {"type": "ready", "account_id": account_id, "user_id": user_id, "connection_id": connection_id}


def resume(account_id: str, since: str, changes: ChangeLog) -> list[dict[str, Any]]:
    """One snapshot per handoff of the account changed since `since` (inclusive), oldest change first, at most
    `RESUME_LIMIT`; then `resumed`, whose `more` says whether newer changes were left out: the client asks
    again from `next_since` (the last snapshot's change time: inclusive, so it may come again)."""
    try:
        since_text = iso(parse_iso(since))
    except ValueError as error:
        raise Invalid("`since` must be an ISO-8601 time, e.g. 2026-11-25T17:00:00Z.") from error
    as_of = iso(utc_now())
    found = changes.changed_since(account_id, since_text, RESUME_LIMIT + 1)
    page = found[:RESUME_LIMIT]
    latest: dict[str, dict[str, Any]] = {}
    for handoff in page:
        latest[handoff.id] = events.snapshot(handoff).model_dump(mode="json")
    done: dict[str, Any] = {"type": "resumed", "as_of": as_of, "more": len(found) > len(page)}
    if done["more"]:
        done["next_since"] = page[-1].updated_at
    return [*latest.values(), done]


def pong(account_id: str, changes: ChangeLog) -> dict[str, Any]:
    """The heartbeat's answer, with the account's newest change time: a console whose newest applied change is
    older knows at once that it is behind (a push was delayed or lost) and resumes, rather than saying "Live"."""
    return {"type": "pong", "changed_at": changes.latest_change(account_id)}


def close_connections_of(user_id: str, connections: Connections, sender: Sender, reason: str | None = None) -> int:
    """Close (and forget) every open WebSocket of a user, e.g. after a downgrade to viewer or a removal. With a
    `reason`, each connection is first told it (`{"type": "closed", "detail": reason}`), so the console can say why
    rather than reconnect."""
    ids = connections.ids_of_user(user_id)
    for connection_id in ids:
        if reason:
            with suppress(ConnectionGone, Throttled, PostFailed):  # gone, throttled or failing: closing is what matters
                sender.send(connection_id, json.dumps({"type": "closed", "detail": reason}).encode())
        sender.close(connection_id)
        connections.delete(connection_id)
    return len(ids)
