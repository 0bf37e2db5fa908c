"""A create with three PSA connectors configured adds no time to the push (DESIGN §3e): in one run, escalations of
accounts with ConnectWise, Autotask and HaloPSA set up (against the local stand-ins) whose sessions are linked to their
tickets, round-robin, so every event also goes to a PSA queue and becomes a note, interleaved with escalations of
accounts without a connector; the push delay of each group, from the create's answer to the WebSocket's arrival."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import websockets

from baton.api_models import SessionCreate
from baton.domain.models import PsaTicket, Role, User
from baton.logic.sessions import create_session
from baton.repositories.handoffs import HandoffRepository
from baton.repositories.users import UserRepository
from bench.harness import Runtime
from bench.push_latency import Fleet, Listener, _listen, deliveries, drain, escalate_at_rate

PSAS = ("connectwise", "autotask", "halopsa")


def _owner(rt: Runtime, account_id: str) -> User:
    owner = User(
        id=f"{account_id}-owner", account_id=account_id, email=f"owner@{account_id}.bench", display_name="Owner", role=Role.OWNER
    )
    UserRepository("DataTable", rt.client("dynamodb")).put(owner)
    return owner


def _bodies(standins: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each PSA's PUT body against its local stand-in (the demo company acme's keys)."""
    at, halo = standins["autotask"]["state"], standins["halopsa"]["state"]
    return {
        "connectwise": {
            "settings": {"site": standins["connectwise"]["host"], "company_id": "acme", "escalation_status": "Escalate to T2"},
            "secrets": {"public_key": "acmepublic", "private_key": "acmeprivate", "client_id": "bench"},
        },
        "autotask": {
            "settings": {"zone_url": at["zone_url"], "escalation_status_id": 14, "resource_role_id": 1},
            "secrets": at["keys"]["acme"],
        },
        "halopsa": {"settings": {"base_url": halo["base_url"], "escalation_status_id": 21}, "secrets": halo["clients"]["acme"]},
    }


def _connect(rt: Runtime, owner: User) -> None:
    """All three PSA connectors of the account, set up through the API as an owner would."""
    standins = httpx.get(f"{rt.base_url}/local/connectors").json()
    for name, body in _bodies(standins).items():
        reply = httpx.put(f"{rt.base_url}/api/v1/account/connectors/{name}", headers=rt.headers(owner), json=body, timeout=60)
        reply.raise_for_status()


async def _fleet(rt: Runtime, groups: dict[str, list[str]], per_account: int) -> tuple[Fleet, dict[str, User]]:
    juniors: dict[str, User] = {}
    listeners, sockets, tasks = [], [], []
    async with httpx.AsyncClient(base_url=rt.base_url, timeout=60) as http:
        for accounts in groups.values():
            for account_id in accounts:
                people = rt.add_account(account_id, per_account + 1)
                juniors[account_id] = people[0]
                for engineer in people[1:]:
                    ticket = (await http.post("/api/v1/ws-ticket", headers=rt.headers(engineer))).json()
                    socket = await websockets.connect(ticket["url"], max_queue=None)
                    await socket.send(json.dumps({"action": "hello"}))
                    listener = Listener(account_id)
                    listeners.append(listener)
                    sockets.append(socket)
                    tasks.append(asyncio.create_task(_listen(socket, listener)))
    return Fleet(juniors, listeners, sockets, tasks), juniors


async def psa_push(rt: Runtime, escalations: int = 200, rate: float = 10, per_account: int = 5) -> dict[str, Any]:
    groups = {"with_psas": ["benchpsa-on-0", "benchpsa-on-1"], "without": ["benchpsa-off-0", "benchpsa-off-1"]}
    fleet, juniors = await _fleet(rt, groups, per_account)
    for account_id in groups["with_psas"]:
        _connect(rt, _owner(rt, account_id))
    store = HandoffRepository("DataTable", rt.client("dynamodb"))
    order = [account for pair in zip(*groups.values(), strict=True) for account in pair]  # interleaved: same run
    sessions = []
    for number in range(escalations):
        account_id = order[number % len(order)]
        linked = account_id in groups["with_psas"]
        psa = PsaTicket(connector=PSAS[number % len(PSAS)], id=str(700_000 + number)) if linked else None
        body = SessionCreate(intake_type="bench", intake_content={}, psa_ticket=psa)
        sessions.append((juniors[account_id], create_session(juniors[account_id], body, store).id))
    load = await escalate_at_rate(rt, sessions, rate)
    await drain(fleet, load.created, seconds=60)
    result: dict[str, Any] = {"escalations": len(load.created), "create_rate_per_s": round(load.achieved_per_s, 1)}
    for group, accounts in groups.items():
        created = {h: v for h, v in load.created.items() if v[0] in accounts}
        got = deliveries(Fleet(fleet.juniors, [lst for lst in fleet.listeners if lst.account_id in accounts], [], []), created)
        result[group] = {"escalations": len(created), **got}
    on, off = result["with_psas"]["delay_ms"], result["without"]["delay_ms"]
    if on and off:
        result["push_added_ms"] = {key: round(on[key] - off[key], 1) for key in ("p50", "p95") if key in on and key in off}
    for socket in fleet.sockets:
        await socket.close()
    return result
