"""Push one event to every WebSocket connection of its account, concurrently and fault-isolated."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import Enum

from baton.events import HandoffEvent
from baton.logic.ports import Connections, Sender
from baton.realtime import ConnectionGone, Throttled

MAX_ATTEMPTS = 5
BASE_BACKOFF_SECONDS = 0.05


class Outcome(Enum):
    DELIVERED = "delivered"
    GONE = "gone"
    THROTTLED = "throttled"
    FAILED = "failed"


@dataclass(frozen=True)
class PushReport:
    delivered: int
    gone: int
    throttled: int
    failed: int

    @property
    def retry_worthy(self) -> bool:
        """Only throttling that outlasted our retries is worth redelivering the event for."""
        return self.throttled > 0


def push_event(
    event: HandoffEvent,
    connections: Connections,
    sender: Sender,
    pool: ThreadPoolExecutor,
    sleep: Callable[[float], None] = time.sleep,
) -> PushReport:
    data = event.model_dump_json().encode()
    ids = connections.ids_of_account(event.account_id)
    outcomes = list(pool.map(lambda connection_id: _deliver(connection_id, data, connections, sender, sleep), ids))
    return PushReport(
        delivered=outcomes.count(Outcome.DELIVERED),
        gone=outcomes.count(Outcome.GONE),
        throttled=outcomes.count(Outcome.THROTTLED),
        failed=outcomes.count(Outcome.FAILED),
    )


def _deliver(
    connection_id: str, data: bytes, connections: Connections, sender: Sender, sleep: Callable[[float], None]
) -> Outcome:
    for attempt in range(MAX_ATTEMPTS):
        try:
            sender.send(connection_id, data)
        except ConnectionGone:
            connections.delete(connection_id)
            return Outcome.GONE
        except Throttled:
            # Full jitter: a random wait up to an exponentially growing cap.
            sleep(random.uniform(0, BASE_BACKOFF_SECONDS * 2**attempt))  # noqa: S311 (jitter, not crypto)
            continue
        except Exception:  # one broken connection must never hold up the others
            return Outcome.FAILED
        return Outcome.DELIVERED
    return Outcome.THROTTLED


def close_connections_of(user_id: str, connections: Connections, sender: Sender) -> int:
    """Close (and forget) every open WebSocket of a user, e.g. after a downgrade to viewer."""
    ids = connections.ids_of_user(user_id)
    for connection_id in ids:
        sender.close(connection_id)
        connections.delete(connection_id)
    return len(ids)
