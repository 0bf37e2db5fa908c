"""Pushing one event to an account's connections: concurrent, fault-isolated, cleaning up 410s."""

from __future__ import annotations

import asyncio

import pytest

from baton.domain.websocket import Connection, ConnectionGone, PostFailed, Throttled, Ticket
from baton.logic.push import MAX_ATTEMPTS, BatchConnections, push_to_account
from baton.logic.realtime import close_connections_of

DATA = b'{"type":"handoff_created"}'


class Connections:
    def __init__(self, by_account: dict[str, list[str]], by_user: dict[str, list[str]] | None = None) -> None:
        self.by_account = by_account
        self.by_user = by_user or {}
        self.deleted: list[str] = []
        self.queries: list[str] = []

    def ids_of_account(self, account_id: str) -> list[str]:
        self.queries.append(account_id)
        return list(self.by_account.get(account_id, []))

    def ids_of_user(self, user_id: str) -> list[str]:
        return list(self.by_user.get(user_id, []))

    def delete(self, connection_id: str) -> None:
        if connection_id.startswith("gone-undeletable"):
            raise RuntimeError("table unavailable")
        self.deleted.append(connection_id)

    def put(self, connection: Connection) -> None: ...

    def put_ticket(self, ticket: Ticket) -> None: ...

    def consume_ticket(self, ticket: str, now: int) -> Ticket | None:
        return None


class Poster:
    """Behaves per connection id: 'gone*' → 410, 'busy*' → throttled n times, 'boom*' → refused.
    Records how many posts were in flight at once."""

    def __init__(self, throttles: int = 0) -> None:
        self.sent: list[str] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self._throttles = throttles

    async def post(self, connection_id: str, data: bytes) -> None:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0)  # every post is in flight before any returns
            if connection_id.startswith("gone"):
                raise ConnectionGone(connection_id)
            if connection_id.startswith("boom"):
                raise PostFailed("400 BadRequestException")
            if connection_id.startswith("busy") and self._throttles:
                self._throttles -= 1
                raise Throttled(connection_id)
            self.sent.append(connection_id)
        finally:
            self.in_flight -= 1

    def close(self, connection_id: str) -> None: ...


class Sender:
    def __init__(self) -> None:
        self.closed: list[str] = []

    def send(self, connection_id: str, data: bytes) -> None: ...

    def close(self, connection_id: str) -> None:
        self.closed.append(connection_id)


async def _no_wait(_: float) -> None:
    return None


def test_every_connection_of_the_account_gets_the_event_at_once_and_no_other() -> None:
    # Given 50 acme connections and one of globex
    connections = Connections({"acme": [f"c{i}" for i in range(50)], "globex": ["g1"]})
    poster = Poster()
    # When an acme event is pushed
    report = asyncio.run(push_to_account("acme", DATA, BatchConnections(connections), poster, _no_wait))
    # Then every acme connection has it, globex's has not, and the posts were all in flight together
    assert sorted(poster.sent) == sorted(f"c{i}" for i in range(50))
    assert (report.connections, report.delivered) == (50, 50)
    assert poster.most_in_flight == 50


def test_gone_connections_are_deleted_one_by_one_and_the_others_still_delivered() -> None:
    # Given live, gone and broken connections
    connections = Connections({"acme": ["ok1", "gone1", "boom1", "ok2", "gone-undeletable"]})
    poster = Poster()
    # When an event is pushed
    report = asyncio.run(push_to_account("acme", DATA, BatchConnections(connections), poster, _no_wait))
    # Then the live ones got it, only the gone connection's row was deleted, and nothing else failed
    assert sorted(poster.sent) == ["ok1", "ok2"]
    assert connections.deleted == ["gone1"]
    assert (report.delivered, report.gone, report.failed, report.throttled) == (2, 1, 2, 0)
    assert not report.retry_worthy  # a broken socket is not worth redelivering the event to everyone


def test_throttling_is_retried_with_growing_jittered_waits() -> None:
    # Given a connection whose posts are throttled twice
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    poster = Poster(throttles=2)
    # When an event is pushed
    report = asyncio.run(push_to_account("acme", DATA, BatchConnections(Connections({"acme": ["busy1"]})), poster, sleep))
    # Then it is delivered after two waits, each random under a doubling cap
    assert report.delivered == 1 and len(waits) == 2 and waits[0] <= 0.05 and waits[1] <= 0.1


def test_throttling_that_outlasts_the_retries_asks_for_redelivery() -> None:
    # Given a connection throttled on every attempt, and a healthy one
    poster = Poster(throttles=MAX_ATTEMPTS)
    connections = Connections({"acme": ["busy1", "ok1"]})
    # When an event is pushed
    report = asyncio.run(push_to_account("acme", DATA, BatchConnections(connections), poster, _no_wait))
    # Then the healthy one has it, and the report asks for the event again
    assert report.throttled == 1 and report.delivered == 1 and report.retry_worthy


def test_events_of_one_account_in_a_batch_share_one_connections_query() -> None:
    # Given one batch's view of the connections
    connections = Connections({"acme": ["a1", "a2"], "globex": ["g1"]})
    batch = BatchConnections(connections)
    poster = Poster()

    # When three acme events and a globex event are pushed concurrently
    async def three_and_one() -> None:
        await asyncio.gather(
            *(push_to_account(account, DATA, batch, poster, _no_wait) for account in ("acme",) * 3 + ("globex",))
        )

    asyncio.run(three_and_one())
    # Then each account was queried once, and every event reached every connection of its account
    assert sorted(connections.queries) == ["acme", "globex"]
    assert sorted(poster.sent) == ["a1"] * 3 + ["a2"] * 3 + ["g1"]


def test_closing_a_users_connections_closes_and_forgets_each() -> None:
    connections = Connections({}, {"u1": ["a", "b"]})
    sender = Sender()
    assert close_connections_of("u1", connections, sender) == 2
    assert sender.closed == ["a", "b"] and connections.deleted == ["a", "b"]


def test_a_failed_post_says_which_connection_and_why(caplog: pytest.LogCaptureFixture) -> None:
    # Given a connection whose post breaks, When an event is pushed
    connections = Connections({"acme": ["ok1", "boom1"]})
    with caplog.at_level("WARNING", logger="baton.logic.push"):
        asyncio.run(push_to_account("acme", DATA, BatchConnections(connections), Poster(), _no_wait))
    # Then the log line itself (what a plain-text log shows) names the connection and the error
    (line,) = [r.getMessage() for r in caplog.records if "failed" in r.getMessage()]
    assert line.startswith("post to boom1 failed: ") and "400 BadRequestException" in line
