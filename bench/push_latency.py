"""Push latency and sustained load: escalations over HTTP while WebSocket clients of many
accounts listen; every delivery timed from the create response to its arrival."""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import httpx
import websockets

from baton.api_models import SessionCreate
from baton.domain.clock import parse_iso
from baton.domain.models import User
from baton.logic.sessions import create_session
from baton.repositories.handoffs import HandoffRepository
from bench.harness import Runtime, summary

IDLE_WATCH_SECONDS = 10


@dataclass
class Listener:
    account_id: str
    arrivals: dict[str, float] = field(default_factory=dict)  # handoff id -> arrival (epoch s)
    seen_events: Counter[str] = field(default_factory=Counter)
    foreign: int = 0


@dataclass
class Fleet:
    """Accounts, each with a junior who escalates and engineers who listen."""

    juniors: dict[str, User]
    listeners: list[Listener]
    sockets: list[Any]
    tasks: list[asyncio.Task[None]]


async def connect_fleet(rt: Runtime, http: httpx.AsyncClient, accounts: int, per_account: int) -> Fleet:
    juniors: dict[str, User] = {}
    engineers: list[User] = []
    for number in range(accounts):
        people = rt.add_account(f"bench{number:03d}", per_account + 1)
        juniors[people[0].account_id] = people[0]
        engineers += people[1:]
    listeners, sockets, tasks = [], [], []
    for engineer in engineers:
        ticket = (await http.post("/api/v1/ws-ticket", headers=rt.headers(engineer))).json()
        socket = await websockets.connect(ticket["url"], max_queue=None)
        await socket.send(json.dumps({"action": "hello"}))
        listener = Listener(engineer.account_id)
        listeners.append(listener)
        sockets.append(socket)
        tasks.append(asyncio.create_task(_listen(socket, listener)))
    return Fleet(juniors, listeners, sockets, tasks)


async def _listen(socket: Any, listener: Listener) -> None:
    async for raw in socket:
        message = json.loads(raw)
        if message.get("type") != "handoff_created":
            continue
        listener.seen_events[message["event_id"]] += 1
        if message["account_id"] != listener.account_id:
            listener.foreign += 1
        listener.arrivals.setdefault(message["handoff"]["id"], time.time())


async def _sessions(rt: Runtime, http: httpx.AsyncClient, fleet: Fleet, count: int) -> list[tuple[User, str]]:
    """Sessions written ahead of the timed phase, round-robin over the accounts (set-up, not measured:
    straight to the table with the repository the API uses, to keep `make bench` short)."""
    juniors = list(fleet.juniors.values())
    store = HandoffRepository("DataTable", rt.client("dynamodb"))
    body = SessionCreate(intake_type="bench", intake_content={})
    return [(junior, create_session(junior, body, store).id) for junior in (juniors[n % len(juniors)] for n in range(count))]


@dataclass
class Load:
    created: dict[str, tuple[str, float, str]]  # handoff id -> (account, answered at (epoch s), created_at)
    sent: int
    achieved_per_s: float  # answers per second in the middle 80% of the window (the steady state)
    answer_ms: dict[str, float]  # the create requests' response times


async def escalate_at_rate(rt: Runtime, sessions: list[tuple[User, str]], per_second: float, intent: str = "escalate") -> Load:
    """POST a handoff per session at a steady rate (open loop: requests go out on schedule).

    The achieved rate counts the answers that arrive in the middle 80% of the window, per second:
    a runtime that keeps up answers at the offered rate there, one that falls behind at its own
    pace (and the first and last tenth, when the load ramps up and drains, do not count). Requests
    not answered by the end of the window plus a fifth are cancelled: beyond what it sustains.

    The load goes out through aiohttp: httpx's pool spends time quadratic in the queued requests
    when the runtime falls behind, and a load generator must not compete with what it loads."""
    created: dict[str, tuple[str, float, str]] = {}
    answered: list[tuple[float, float]] = []  # (answered at, response ms), monotonic
    if not sessions:
        return Load(created, 0, 0.0, {})
    headers = {junior.id: rt.headers(junior) for junior in {junior.id: junior for junior, _ in sessions}.values()}
    async with aiohttp.ClientSession(rt.base_url, connector=aiohttp.TCPConnector(limit=128)) as http:

        async def one(junior: User, session_id: str) -> None:
            sent = time.monotonic()
            async with http.post(
                f"/api/v1/ai-sessions/{session_id}/handoff",
                headers=headers[junior.id],
                json={"intent": intent, "engineer_notes": "bench"},
            ) as reply:
                handoff = await reply.json()
            answered.append((time.monotonic(), (time.monotonic() - sent) * 1000))
            created[handoff["id"]] = (junior.account_id, time.time(), handoff["created_at"])

        started = time.monotonic()
        window = len(sessions) / per_second
        pending = []
        for number, (junior, session_id) in enumerate(sessions):
            await asyncio.sleep(max(0.0, started + number / per_second - time.monotonic()))
            pending.append(asyncio.create_task(one(junior, session_id)))
        await asyncio.wait(pending, timeout=max(0.0, started + window * 1.2 - time.monotonic()))
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    steady = (started + window * 0.1, started + window * 0.9)
    in_steady = sum(1 for at, _ in answered if steady[0] <= at < steady[1])
    return Load(created, len(sessions), in_steady / (window * 0.8), summary([ms for _, ms in answered]))


def per_create(
    created: dict[str, tuple[str, float, str]],
    requests_before: dict[str, dict[str, float]],
    requests_after: dict[str, dict[str, float]],
    cpu_before: dict[str, float],
    cpu_after: dict[str, float],
) -> dict[str, Any]:
    """What one create cost the runtime, from its request to the last delivery: the AWS endpoint's
    requests (per action) and CPU, and the CPU of each role of process."""
    count = max(len(created), 1)
    actions = {
        action: {
            "requests": round((figures["requests"] - requests_before.get(action, {}).get("requests", 0)) / count, 2),
            "cpu_ms": round((figures["cpu_seconds"] - requests_before.get(action, {}).get("cpu_seconds", 0)) * 1000 / count, 2),
        }
        for action, figures in requests_after.items()
    }
    return {
        "endpoint_requests": round(sum(figures["requests"] for figures in actions.values()), 1),
        "actions": {action: figures for action, figures in sorted(actions.items()) if figures["requests"] > 0},
        "cpu_ms": {role: round((cpu_after[role] - cpu_before.get(role, 0.0)) * 1000 / count, 1) for role in cpu_after},
    }


async def drain(fleet: Fleet, created: dict[str, tuple[str, float, str]], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    expected = sum(1 for listener in fleet.listeners for account, _, _ in created.values() if account == listener.account_id)
    while time.monotonic() < deadline:
        received = sum(1 for listener in fleet.listeners for handoff in listener.arrivals if handoff in created)
        if received >= expected:
            return
        await asyncio.sleep(0.2)


def deliveries(fleet: Fleet, created: dict[str, tuple[str, float, str]]) -> dict[str, Any]:
    delays, lost = [], 0
    for handoff_id, (account, responded, _) in created.items():
        for listener in (entry for entry in fleet.listeners if entry.account_id == account):
            if handoff_id in listener.arrivals:
                delays.append((listener.arrivals[handoff_id] - responded) * 1000)
            else:
                lost += 1
    duplicates = sum(count - 1 for listener in fleet.listeners for count in listener.seen_events.values() if count > 1)
    return {
        "deliveries": len(delays),
        "lost": lost,
        "duplicates": duplicates,
        "cross_account": sum(listener.foreign for listener in fleet.listeners),
        "delay_ms": summary(delays) if delays else {},
    }


def hops(rt: Runtime, fleet: Fleet, created: dict[str, tuple[str, float, str]]) -> dict[str, float]:
    """Median milliseconds of each hop: write → stream seen → SNS published → SQS received → client."""
    routed = {line["handoff_id"]: line for line in rt.log_lines("published") if line.get("version") == 1}
    pushed = {line["handoff_id"]: line for line in rt.log_lines("pushed") if line.get("version") == 1}
    arrivals: dict[str, list[float]] = defaultdict(list)
    for listener in fleet.listeners:
        for handoff_id, moment in listener.arrivals.items():
            arrivals[handoff_id].append(moment)
    steps: dict[str, list[float]] = defaultdict(list)
    for handoff_id, (_, _, created_at) in created.items():
        if handoff_id not in routed or handoff_id not in pushed or not arrivals[handoff_id]:
            continue
        route, push = routed[handoff_id], pushed[handoff_id]
        written = parse_iso(created_at).timestamp()
        steps["write -> stream record seen"].append(route["seen_at"] - written)
        steps["seen -> SNS published"].append(route["published_at"] - route["seen_at"])
        steps["published -> SQS received"].append(push["received_at"] - route["published_at"])
        # Posts go out concurrently: clients hear before the last post returns, so this hop ends at the client.
        steps["received -> client (median)"].append(statistics.median(arrivals[handoff_id]) - push["received_at"])
        steps["(posting to all connections took)"].append(push["posted_at"] - push["received_at"])
    return {name: round(statistics.median(values) * 1000, 1) for name, values in steps.items()}


async def push_latency(
    rt: Runtime, accounts: int = 20, per_account: int = 10, escalations: int = 500, rate: float = 25
) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=rt.base_url, timeout=60, limits=httpx.Limits(max_connections=64)) as http:
        fleet = await connect_fleet(rt, http, accounts, per_account)
        sessions = await _sessions(rt, http, fleet, escalations)
        load = await escalate_at_rate(rt, sessions, rate)
        created = load.created
        await drain(fleet, created, seconds=60)
        result = {
            "listeners": len(fleet.listeners),
            "accounts": accounts,
            "escalations": len(created),
            "create_rate_per_s": round(load.achieved_per_s, 1),
            **deliveries(fleet, created),
            "median_hops_ms": hops(rt, fleet, created),
        }
        for socket in fleet.sockets:
            await socket.close()
        return result


async def sustained(
    rt: Runtime, per_second: float = 50, seconds: int = 60, accounts: int = 20, per_account: int = 10, repeat_seconds: int = 20
) -> dict[str, Any]:
    """The load, an idle pause, then the same load again for `repeat_seconds`: memory a load
    leaves behind must not grow again with the repeat (Python keeps freed memory for reuse
    rather than returning it, so "comes back" shows as a plateau, not a drop)."""
    async with httpx.AsyncClient(base_url=rt.base_url, timeout=60, limits=httpx.Limits(max_connections=128)) as http:
        fleet = await connect_fleet(rt, http, accounts, per_account)
        sessions = await _sessions(rt, http, fleet, int(per_second * (seconds + repeat_seconds)))
        first, repeat = sessions[: int(per_second * seconds)], sessions[int(per_second * seconds) :]
        rss = {"before": rt.rss_kib()}
        requests_before, cpu_before = rt.endpoint_requests(), rt.cpu_seconds()
        load = await escalate_at_rate(rt, first, per_second, intent="park")
        created = load.created
        await drain(fleet, created, seconds=120)
        cost = per_create(created, requests_before, rt.endpoint_requests(), cpu_before, rt.cpu_seconds())
        rss["loaded"] = rt.rss_kib()
        hop_medians = hops(rt, fleet, created)
        await asyncio.sleep(IDLE_WATCH_SECONDS)
        rss["idle"] = rt.rss_kib()
        created_again = (await escalate_at_rate(rt, repeat, per_second, intent="park")).created
        await drain(fleet, created_again, seconds=120)
        await asyncio.sleep(IDLE_WATCH_SECONDS)
        rss["idle_after_repeat"] = rt.rss_kib()
        for socket in fleet.sockets:
            await socket.close()
        return {
            "target_rate_per_s": per_second,
            "achieved_rate_per_s": round(load.achieved_per_s, 1),
            "answered": f"{len(created)} of {load.sent}",
            "create_answer_ms": load.answer_ms,
            "seconds": seconds,
            "repeat_seconds": repeat_seconds,
            "listeners": len(fleet.listeners),
            **deliveries(fleet, created),
            "repeat": {key: value for key, value in deliveries(fleet, created_again).items() if key != "delay_ms"},
            "median_hops_ms": hop_medians,
            "per_create": cost,
            "rss_mib": {role: {moment: figures[role] // 1024 for moment, figures in rss.items()} for role in rss["before"]},
            "idle_watch_seconds": IDLE_WATCH_SECONDS,
        }
