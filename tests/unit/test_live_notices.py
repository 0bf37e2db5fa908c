"""What the live connection tells a console besides events: the pong's newest change (so a console that missed a
push knows it is behind) and the reason a connection was closed (removed, made a viewer)."""

from __future__ import annotations

import json

from baton.domain.models import Handoff
from baton.domain.websocket import ConnectionGone
from baton.logic import realtime


class Changes:
    def __init__(self, latest: str | None) -> None:
        self.latest = latest

    def changed_since(self, account_id: str, since: str, limit: int) -> list[Handoff]:
        return []

    def latest_change(self, account_id: str) -> str | None:
        return self.latest


class Sockets:
    """Two connections of one user; the first has already gone away."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, object]]] = []
        self.closed: list[str] = []
        self.deleted: list[str] = []

    def ids_of_user(self, user_id: str) -> list[str]:
        return ["gone", "open"]

    def delete(self, connection_id: str) -> None:
        self.deleted.append(connection_id)

    def send(self, connection_id: str, data: bytes) -> None:
        if connection_id == "gone":
            raise ConnectionGone(connection_id)
        self.sent.append((connection_id, json.loads(data)))

    def close(self, connection_id: str) -> None:
        self.closed.append(connection_id)


def test_the_pong_names_the_accounts_newest_change_or_none_before_the_first() -> None:
    latest = "2026-12-06T10:42:00.000Z"
    assert realtime.pong("acme", Changes(latest)) == {"type": "pong", "changed_at": latest}
    assert realtime.pong("acme", Changes(None)) == {"type": "pong", "changed_at": None}


def test_a_closed_connection_is_told_why_first_and_a_gone_one_is_closed_all_the_same() -> None:
    # Given a user with two connections, one already gone
    sockets = Sockets()
    # When they are removed from the account
    closed = realtime.close_connections_of("u1", sockets, sockets, "You were removed from Acme IT.")  # type: ignore[arg-type]
    # Then the open one was told why before it was closed, and both are closed and forgotten
    assert sockets.sent == [("open", {"type": "closed", "detail": "You were removed from Acme IT."})]
    assert (closed, sockets.closed, sockets.deleted) == (2, ["gone", "open"], ["gone", "open"])


def test_without_a_reason_nothing_is_said_before_closing() -> None:
    sockets = Sockets()
    realtime.close_connections_of("u1", sockets, sockets)  # type: ignore[arg-type]
    assert sockets.sent == [] and sockets.closed == ["gone", "open"]
