"""Pushing one event to an account's connections: concurrent, fault-isolated, cleaning up 410s."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from baton.domain.events import HandoffEvent
from baton.domain.websocket import CONNECTIONS_PER_PUSH, Connection, ConnectionGone, PostFailed, PushPart, Throttled, Ticket
from baton.logic.push import MAX_ATTEMPTS, BatchConnections, push_event, push_part, push_to_account, split
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


class Parts:
    """The push parts queue: records what was handed off."""

    def __init__(self) -> None:
        self.sent: list[PushPart] = []

    def send(self, parts: list[PushPart]) -> None:
        self.sent.extend(parts)


def _sample_event() -> HandoffEvent:
    sample = json.loads((Path(__file__).parents[2] / "events" / "push_sqs.json").read_text())
    return HandoffEvent.model_validate_json(sample["Records"][0]["body"])


def test_a_fan_out_past_one_invocations_share_is_split_and_the_other_parts_handed_off() -> None:
    # Given an account with 2.4 invocations' worth of connections
    event = _sample_event()
    ids = [f"c{i}" for i in range(CONNECTIONS_PER_PUSH * 2 + CONNECTIONS_PER_PUSH // 2)]
    connections, poster, parts = Connections({event.account_id: ids}), Poster(), Parts()
    # When its event is pushed
    report = asyncio.run(push_event(event, BatchConnections(connections), poster, parts, _no_wait))
    # Then it is split in three even parts: this invocation posted the first, the other two were handed off
    first, *others = split(ids, CONNECTIONS_PER_PUSH)
    assert len(others) == 2 and max(len(part) for part in (first, *others)) <= CONNECTIONS_PER_PUSH
    assert sorted(poster.sent) == sorted(first)
    assert [(p.part, p.parts, p.connection_ids) for p in parts.sent] == [(2, 3, others[0]), (3, 3, others[1])]
    # And every connection is in exactly one part, each part carries the event as posted, and the report says so
    assert sorted(first + [c for p in parts.sent for c in p.connection_ids]) == sorted(ids)
    assert {p.data for p in parts.sent} == {event.model_dump_json()} and {p.event_id for p in parts.sent} == {event.event_id}
    assert (report.connections, report.delivered, report.handed_off, report.parts) == (
        len(ids),
        len(first),
        len(ids) - len(first),
        3,
    )


def test_an_account_within_one_invocations_share_is_not_split() -> None:
    event = _sample_event()
    ids = [f"c{i}" for i in range(CONNECTIONS_PER_PUSH)]
    connections, poster, parts = Connections({event.account_id: ids}), Poster(), Parts()
    report = asyncio.run(push_event(event, BatchConnections(connections), poster, parts, _no_wait))
    assert parts.sent == [] and sorted(poster.sent) == sorted(ids)
    assert (report.delivered, report.handed_off, report.parts) == (len(ids), 0, 1)


def test_a_handed_off_part_posts_to_its_connections_only() -> None:
    # Given a part of a split fan-out (its connections read by the invocation that split it)
    connections, poster = Connections({"acme": ["not-in-this-part"]}), Poster()
    part = PushPart(
        event_id="e1", account_id="acme", part=2, parts=2, data='{"type":"handoff_created"}', connection_ids=["p1", "gone1"]
    )
    # When it is pushed
    report = asyncio.run(push_part(part, BatchConnections(connections), poster, _no_wait))
    # Then its live connection has it, its gone one is forgotten, and the account is not read again
    assert poster.sent == ["p1"] and connections.deleted == ["gone1"] and connections.queries == []
    assert (report.connections, report.delivered, report.gone) == (2, 1, 1)


@pytest.mark.parametrize("count", [0, 1, 499, 500, 501, 1000, 1001, 2000, 2001])
def test_parts_are_as_few_and_as_even_as_can_be(count: int) -> None:
    ids = [str(i) for i in range(count)]
    parts = split(ids, 500)
    assert [i for part in parts for i in part] == ids
    assert len(parts) == max(1, -(-count // 500)) and max(map(len, parts)) - min(map(len, parts)) <= 1
