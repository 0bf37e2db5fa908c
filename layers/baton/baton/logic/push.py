"""Push one event to every WebSocket connection of its account, concurrently and fault-isolated.

An account with more connections than one invocation should post to (`CONNECTIONS_PER_PUSH`) has its
fan-out split: the invocation that read the connections posts the first part and hands the others to
push invocations of their own (`PushParts`), which post in parallel."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import NamedTuple

from baton.domain.events import HandoffEvent
from baton.domain.websocket import CONNECTIONS_PER_PUSH, ConnectionGone, PushPart, Throttled
from baton.ports import Connections, PushParts, PushPoster

log = logging.getLogger(__name__)  # Lambda sends it to the function's log group

MAX_ATTEMPTS = 5
BASE_BACKOFF_SECONDS = 0.05


class Outcome(Enum):
    DELIVERED = "delivered"
    GONE = "gone"
    THROTTLED = "throttled"
    FAILED = "failed"


class PushReport(NamedTuple):
    connections: int
    delivered: int
    gone: int
    throttled: int
    failed: int
    handed_off: int = 0  # connections handed to other invocations (the other parts of a split fan-out)
    parts: int = 1

    @property
    def retry_worthy(self) -> bool:
        """Only throttling that outlasted our retries is worth redelivering the event for."""
        return self.throttled > 0


class BatchConnections:
    """The connections of each account, read once per batch of events: the events of one account
    in a batch share one Query (read while the others post). Sync storage runs on threads."""

    def __init__(self, connections: Connections) -> None:
        self._connections = connections
        self._reads: dict[str, asyncio.Future[list[str]]] = {}

    async def ids_of_account(self, account_id: str) -> list[str]:
        if account_id not in self._reads:
            self._reads[account_id] = asyncio.ensure_future(asyncio.to_thread(self._connections.ids_of_account, account_id))
        return await self._reads[account_id]

    async def forget(self, connection_id: str) -> None:
        await asyncio.to_thread(self._connections.delete, connection_id)


async def push_event(
    event: HandoffEvent,
    connections: BatchConnections,
    poster: PushPoster,
    parts: PushParts | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> PushReport:
    """Posts to the account's connections; past `CONNECTIONS_PER_PUSH` (with `parts`), hands the other parts
    on first, so that their invocations post while this one posts its own."""
    data = event.model_dump_json()
    ids = await connections.ids_of_account(event.account_id)
    chunks = split(ids, CONNECTIONS_PER_PUSH) if parts is not None else [ids]
    if len(chunks) > 1:
        assert parts is not None
        others = [
            PushPart(
                event_id=event.event_id,
                account_id=event.account_id,
                part=number,
                parts=len(chunks),
                data=data,
                connection_ids=chunk,
            )
            for number, chunk in enumerate(chunks[1:], start=2)
        ]
        await asyncio.to_thread(parts.send, others)
    report = await push_to_connections(chunks[0], data.encode(), connections, poster, sleep)
    return report._replace(connections=len(ids), handed_off=len(ids) - len(chunks[0]), parts=len(chunks))


async def push_part(
    part: PushPart,
    connections: BatchConnections,
    poster: PushPoster,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> PushReport:
    """One part of a split fan-out: its connections only, as read by the invocation that split it."""
    return await push_to_connections(part.connection_ids, part.data.encode(), connections, poster, sleep)


def split(ids: list[str], size: int) -> list[list[str]]:
    """As few parts as hold at most `size` each, as even as can be (1,001 is 334 + 334 + 333, not 500 + 500 + 1)."""
    count = max(1, -(-len(ids) // size))
    share, extra = divmod(len(ids), count)
    bounds = [number * share + min(number, extra) for number in range(count + 1)]
    return [ids[bounds[number] : bounds[number + 1]] for number in range(count)]


async def push_to_account(
    account_id: str,
    data: bytes,
    connections: BatchConnections,
    poster: PushPoster,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> PushReport:
    """Every connection of the account, from this invocation."""
    ids = await connections.ids_of_account(account_id)
    return await push_to_connections(ids, data, connections, poster, sleep)


async def push_to_connections(
    ids: list[str],
    data: bytes,
    connections: BatchConnections,
    poster: PushPoster,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> PushReport:
    """Every post at once (the poster bounds how many are in flight); a connection's failure is its own."""
    outcomes = await asyncio.gather(*(_deliver(connection_id, data, connections, poster, sleep) for connection_id in ids))
    return PushReport(
        connections=len(ids),
        delivered=outcomes.count(Outcome.DELIVERED),
        gone=outcomes.count(Outcome.GONE),
        throttled=outcomes.count(Outcome.THROTTLED),
        failed=outcomes.count(Outcome.FAILED),
    )


async def _deliver(
    connection_id: str,
    data: bytes,
    connections: BatchConnections,
    poster: PushPoster,
    sleep: Callable[[float], Awaitable[None]],
) -> Outcome:
    for attempt in range(MAX_ATTEMPTS):
        try:
            await poster.post(connection_id, data)
        except ConnectionGone:
            try:
                await connections.forget(connection_id)  # this connection's row, and only it
            except Exception:  # the row expires by TTL anyway; the others must still be served
                log.warning("could not forget a gone connection", extra={"connection_id": connection_id}, exc_info=True)
                return Outcome.FAILED
            return Outcome.GONE
        except Throttled:
            # Full jitter: a random wait up to an exponentially growing cap, holding no connection.
            await sleep(random.uniform(0, BASE_BACKOFF_SECONDS * 2**attempt))  # noqa: S311 (jitter, not crypto)
            continue
        except Exception as error:  # one broken connection must never hold up the others
            # In the message, not only in `extra`: Lambda's text log format prints the message alone.
            log.warning("post to %s failed: %r", connection_id, error, extra={"connection_id": connection_id})
            return Outcome.FAILED
        return Outcome.DELIVERED
    return Outcome.THROTTLED
