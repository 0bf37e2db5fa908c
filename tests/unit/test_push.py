"""Pushing one event to an account's connections: concurrent, fault-isolated, cleaning up 410s."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from baton.api_models import HandoffOut
from baton.events import HandoffEvent
from baton.logic.push import MAX_ATTEMPTS, close_connections_of, push_event
from baton.realtime import Connection, ConnectionGone, Throttled, Ticket


class Connections:
    def __init__(self, by_account: dict[str, list[str]], by_user: dict[str, list[str]] | None = None) -> None:
        self.by_account = by_account
        self.by_user = by_user or {}
        self.deleted: list[str] = []

    def ids_of_account(self, account_id: str) -> list[str]:
        return list(self.by_account.get(account_id, []))

    def ids_of_user(self, user_id: str) -> list[str]:
        return list(self.by_user.get(user_id, []))

    def delete(self, connection_id: str) -> None:
        self.deleted.append(connection_id)

    def put(self, connection: Connection) -> None: ...

    def put_ticket(self, ticket: Ticket) -> None: ...

    def consume_ticket(self, ticket: str, now: int) -> Ticket | None:
        return None


class Sender:
    """Behaves per connection id: 'gone-*' → 410, 'busy-*' → throttled n times, 'boom-*' → error."""

    def __init__(self, throttles: int = 0) -> None:
        self.sent: list[str] = []
        self.closed: list[str] = []
        self._throttles = throttles
        self._lock = threading.Lock()

    def send(self, connection_id: str, data: bytes) -> None:
        if connection_id.startswith("gone"):
            raise ConnectionGone(connection_id)
        if connection_id.startswith("boom"):
            raise RuntimeError("socket exploded")
        with self._lock:
            if connection_id.startswith("busy") and self._throttles:
                self._throttles -= 1
                raise Throttled(connection_id)
            self.sent.append(connection_id)

    def close(self, connection_id: str) -> None:
        self.closed.append(connection_id)


def _event(account: str = "acme") -> HandoffEvent:
    handoff = HandoffOut(
        id="h1", session_id="s1", account_id=account, intent="escalate", engineer_notes="", status="open", created_by="u1",
        created_by_name="U", created_at="2026-01-01T00:00:00.000Z", claimed_by=None, claimed_by_name=None, claimed_at=None,
        resolved_at=None, resolution_notes=None, version=1,
    )  # fmt: skip
    return HandoffEvent(
        type="handoff_created", event_id="e1", occurred_at=handoff.created_at, account_id=account, handoff=handoff
    )


@pytest.fixture
def pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=8)


def test_every_connection_of_the_account_gets_the_event_and_no_other(pool: ThreadPoolExecutor) -> None:
    connections = Connections({"acme": [f"c{i}" for i in range(50)], "globex": ["g1"]})
    sender = Sender()
    report = push_event(_event("acme"), connections, sender, pool, sleep=lambda _: None)
    assert sorted(sender.sent) == sorted(f"c{i}" for i in range(50)) and report.delivered == 50


def test_gone_connections_are_deleted_and_the_others_still_delivered(pool: ThreadPoolExecutor) -> None:
    connections = Connections({"acme": ["ok1", "gone1", "boom1", "ok2"]})
    sender = Sender()
    report = push_event(_event(), connections, sender, pool, sleep=lambda _: None)
    assert sorted(sender.sent) == ["ok1", "ok2"]
    assert connections.deleted == ["gone1"]
    assert (report.delivered, report.gone, report.failed, report.throttled) == (2, 1, 1, 0)
    assert not report.retry_worthy  # a broken socket is not worth redelivering the event to everyone


def test_throttling_is_retried_with_growing_jittered_waits(pool: ThreadPoolExecutor) -> None:
    waits: list[float] = []
    sender = Sender(throttles=2)
    report = push_event(_event(), Connections({"acme": ["busy1"]}), sender, pool, sleep=waits.append)
    assert report.delivered == 1 and len(waits) == 2 and waits[0] <= 0.05 and waits[1] <= 0.1


def test_throttling_that_outlasts_the_retries_asks_for_redelivery(pool: ThreadPoolExecutor) -> None:
    sender = Sender(throttles=MAX_ATTEMPTS)
    report = push_event(_event(), Connections({"acme": ["busy1", "ok1"]}), sender, pool, sleep=lambda _: None)
    assert report.throttled == 1 and report.delivered == 1 and report.retry_worthy


def test_closing_a_users_connections_closes_and_forgets_each() -> None:
    connections = Connections({}, {"u1": ["a", "b"]})
    sender = Sender()
    assert close_connections_of("u1", connections, sender) == 2
    assert sender.closed == ["a", "b"] and connections.deleted == ["a", "b"]
