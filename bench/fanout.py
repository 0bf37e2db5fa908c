"""Fan-out: one event to every live connection of one account (200, 1,000, then 2,000: split across push
invocations) while nine times as many connection rows of other accounts are stored. baton's real pipeline
(create over HTTP → stream → SNS → SQS → push function: a Query on the KEYS_ONLY index, asyncio posts) against a peer in
Node: the public simple-websockets-chat-app's `sendmessage` algorithm (Scan, `Promise.all` of
posts, AWS SDK v3 defaults), a warm process invoked directly. Same gateway, same clients, same
rows, rounds alternated; time to the last client's arrival, median and p90 over the rounds."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import statistics
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import aiohttp

from baton.api_models import SessionCreate
from baton.logic.sessions import create_session
from baton.repositories.connections import BY_ACCOUNT_INDEX
from baton.repositories.handoffs import HandoffRepository
from bench.capacity import project, read_units
from bench.harness import Runtime, percentile
from bench.listeners import ListenerProcess

TABLE = "ConnectionsTable"
KEYS_ONLY = {"pk", "sk", "account_id", "connection_id"}
PEER_DIR = Path(__file__).with_name("node_peer")
TICK = os.sysconf("SC_CLK_TCK")
WARM_UP = 2  # untimed rounds first: the peer's JIT, and both warm push environments' first clients
PUSH_TIMEOUT_MS = 10_000  # PushFunction's Timeout in template.yaml: every invocation of a fan-out ends within it


def install_peer() -> None:
    """The peer's AWS SDK from the npm registry, exactly as package-lock.json pins it."""
    if shutil.which("npm") is None or shutil.which("node") is None:
        raise RuntimeError("the fan-out peer needs Node.js 18+ and npm on PATH")
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=PEER_DIR, check=True)  # noqa: S607


class NodePeer:
    """`sendmessage.mjs` as a warm execution environment: one invocation per line."""

    def __init__(self, rt: Runtime) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            ["node", str(PEER_DIR / "sendmessage.mjs"), rt.base_url, rt.aws_endpoint],  # noqa: S607
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def invoke(self, account_id: str, data: str) -> dict[str, Any]:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(json.dumps({"table": TABLE, "account_id": account_id, "data": data}) + "\n")
        self.process.stdin.flush()
        reply: dict[str, Any] = json.loads(self.process.stdout.readline())
        if "error" in reply:
            raise RuntimeError(f"the peer failed: {reply['error']}")
        return reply

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes (all their threads) so far."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICK


def runtime_pids(rt: Runtime) -> tuple[int, list[int]]:
    """The gateway's process (serving `@connections` and the WebSockets) and the push function's workers."""
    with urllib.request.urlopen(f"{rt.base_url}/local/health") as reply:  # noqa: S310 (our own URL)
        pids = json.load(reply).get("pids", [])
    return pids[0], [pid for pid in pids if b"push_handler" in Path(f"/proc/{pid}/cmdline").read_bytes()]


def _stored_rows(rt: Runtime, accounts: int, per_account: int) -> list[dict[str, Any]]:
    """Connection rows of other accounts, as $connect writes them (their clients are elsewhere)."""
    dynamodb = rt.client("dynamodb")
    rows = []
    for account in range(accounts):
        for number in range(per_account):
            connection_id = f"other{account:03d}x{number:04d}"
            rows.append(
                {
                    "pk": {"S": f"CONN#{connection_id}"},
                    "sk": {"S": "CONN"},
                    "connection_id": {"S": connection_id},
                    "account_id": {"S": f"other{account:03d}"},
                    "user_id": {"S": f"user{number}"},
                    "connected_at": {"S": "2026-11-25T17:00:00.000Z"},
                    "expires_at": {"N": str(int(time.time()) + 7200)},
                }
            )
    for start in range(0, len(rows), 25):
        dynamodb.batch_write_item(RequestItems={TABLE: [{"PutRequest": {"Item": row}} for row in rows[start : start + 25]]})
    return rows


def _remove_rows(rt: Runtime, rows: list[dict[str, Any]]) -> None:
    """Leave the runtime as found: moto's index queries walk the whole table."""
    dynamodb = rt.client("dynamodb")
    for start in range(0, len(rows), 25):
        batch = [{"DeleteRequest": {"Key": {"pk": row["pk"], "sk": row["sk"]}}} for row in rows[start : start + 25]]
        dynamodb.batch_write_item(RequestItems={TABLE: batch})


def scan_units(dynamodb: Any, account_id: str) -> float:
    """What the peer's Scan reads: every item of the table, whatever its filter keeps."""
    units, scan = 0.0, {"TableName": TABLE}
    while True:
        page = dynamodb.scan(**scan)
        units += read_units(page["Items"])
        if "LastEvaluatedKey" not in page:
            return units
        scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def query_units(dynamodb: Any, account_id: str) -> float:
    """What baton's Query reads: the account's KEYS_ONLY index entries, page by page."""
    units = 0.0
    query: dict[str, Any] = {
        "TableName": TABLE,
        "IndexName": BY_ACCOUNT_INDEX,
        "KeyConditionExpression": "account_id = :a",
        "ExpressionAttributeValues": {":a": {"S": account_id}},
    }
    while True:
        page = dynamodb.query(**query)
        units += read_units([project(item, KEYS_ONLY) for item in page["Items"]])
        if "LastEvaluatedKey" not in page:
            return units
        query["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _peer_message(handoff_id: str) -> str:
    """What the peer posts: an event of the size baton posts, keyed as the clients count arrivals."""
    return json.dumps({"type": "handoff_created", "event_id": handoff_id, "handoff": {"id": handoff_id, "notes": "x" * 600}})


async def one_size(rt: Runtime, listeners: int, rounds: int) -> dict[str, Any]:
    account = f"fanout{listeners}"
    junior = rt.add_account(account, 1)[0]
    stored = await asyncio.to_thread(_stored_rows, rt, 9 * listeners // 100, 100)
    # The clients live in a process of their own, so they compete with neither poster for the GIL.
    clients = await asyncio.to_thread(ListenerProcess, rt.base_url, rt.headers(junior), listeners)
    store = HandoffRepository("DataTable", rt.client("dynamodb"))
    sessions = [
        create_session(junior, SessionCreate(intake_type="bench", intake_content={}), store).id for _ in range(rounds + WARM_UP)
    ]
    peer, (gateway, workers) = NodePeer(rt), runtime_pids(rt)
    gateway_cpu = 0.0
    runs: dict[str, list[dict[str, Any]]] = {"peer": [], "baton": []}
    async with aiohttp.ClientSession(rt.base_url) as http:
        for number in range(-WARM_UP, rounds):  # warm-up rounds first (negative numbers, not counted)
            # The peer, invoked as its Lambda would be: invoke → last arrival.
            handoff_id, cpu, served = f"peer-{listeners}-{number}", cpu_seconds([peer.process.pid]), cpu_seconds([gateway])
            started = time.time()
            posted = (await asyncio.to_thread(peer.invoke, account, _peer_message(handoff_id)))["posted"]
            last = await asyncio.to_thread(clients.wait_all_heard, handoff_id, 60)
            if number >= 0:
                gateway_cpu += cpu_seconds([gateway]) - served
            peer_run = _run(started, last, cpu_seconds([peer.process.pid]) - cpu, posted)
            run = await _baton_round(rt, http, clients, workers, sessions[number + WARM_UP], junior)
            if number >= 0:
                runs["peer"].append(peer_run)
                runs["baton"].append(run)
    peer.close()
    counts = await asyncio.to_thread(clients.close)
    dynamodb = rt.client("dynamodb")
    units = {"peer": scan_units(dynamodb, account), "baton": query_units(dynamodb, account)}
    await asyncio.to_thread(_remove_rows, rt, stored)
    result: dict[str, Any] = {
        "account_connections": listeners,
        "other_rows": len(stored),
        "rounds": rounds,
        # What the local gateway spends per post (its `@connections` handler and the frame out),
        # measured during the peer's rounds: the same for both designs, and not AWS's cost.
        "gateway_cpu_ms_per_post": round(gateway_cpu * 1000 / (rounds * listeners), 3),
    }
    for design, measured in runs.items():
        result[design] = {
            "last_delivery_ms": statistics.median(run["last_ms"] for run in measured),
            "last_delivery_p90_ms": percentile([run["last_ms"] for run in measured], 0.9),
            "cpu_ms_per_post": round(sum(run["cpu_ms"] for run in measured) / sum(run["posted"] for run in measured), 3),
            "read_units": units[design],
            "delivered": sum(count for key, (count, _) in counts.items() if key.startswith("peer-") == (design == "peer"))
            - WARM_UP * listeners,
            "runs_ms": [run["last_ms"] for run in measured],
        }
    for hop in ("push_start_to_last_ms", "post_to_push_start_ms", "slowest_invocation_ms"):
        result["baton"][hop] = statistics.median(run[hop] for run in runs["baton"])
    result["baton"]["push_start_to_last_p90_ms"] = percentile([run["push_start_to_last_ms"] for run in runs["baton"]], 0.9)
    result["baton"]["push_start_runs_ms"] = [run["push_start_to_last_ms"] for run in runs["baton"]]
    result["baton"]["worker_cpu_ms_by_round"] = [run["worker_cpu_ms"] for run in runs["baton"]]
    result["baton"]["invocations"] = max(int(run["invocations"]) for run in runs["baton"])
    result["baton"]["slowest_invocation_max_ms"] = max(run["slowest_invocation_ms"] for run in runs["baton"])
    result["push_timeout_ms"] = PUSH_TIMEOUT_MS
    result["ratio_peer_to_baton_push"] = round(result["peer"]["last_delivery_ms"] / result["baton"]["push_start_to_last_ms"], 2)
    result["ratio_peer_to_baton_post"] = round(result["peer"]["last_delivery_ms"] / result["baton"]["last_delivery_ms"], 2)
    result["ratio_peer_to_baton_push_p90"] = round(
        result["peer"]["last_delivery_p90_ms"] / result["baton"]["push_start_to_last_p90_ms"], 2
    )
    result["ratio_read_units"] = round(units["peer"] / units["baton"], 1)
    return result


async def _baton_round(
    rt: Runtime, http: aiohttp.ClientSession, clients: ListenerProcess, workers: list[int], session_id: str, junior: Any
) -> dict[str, Any]:
    """baton, as deployed: the create request → stream → SNS → SQS → push function(s) → last arrival."""
    cpu, by_worker = cpu_seconds(workers), {pid: cpu_seconds([pid]) for pid in workers}
    started = time.time()
    async with http.post(
        f"/api/v1/ai-sessions/{session_id}/handoff",
        headers=rt.headers(junior),
        json={"intent": "park", "engineer_notes": "fan-out bench"},
    ) as reply:
        handoff_id = (await reply.json())["id"]
    last = await asyncio.to_thread(clients.wait_all_heard, handoff_id, 60)
    pushed, parts = await _push_logs(rt, handoff_id)
    delivered = int(pushed["delivered"]) + sum(int(part["delivered"]) for part in parts)
    run = _run(started, last, cpu_seconds(workers) - cpu, delivered)
    run["push_start_to_last_ms"] = round(((last or float("nan")) - pushed["received_at"]) * 1000, 1)
    run["post_to_push_start_ms"] = round((pushed["received_at"] - started) * 1000, 1)
    run["invocations"] = 1 + len(parts)
    # Which warm environments worked this round (a slow round's cause: a fresh environment, two on one core...).
    run["worker_cpu_ms"] = {str(pid): round((cpu_seconds([pid]) - was) * 1000) for pid, was in by_worker.items()}
    # The slowest invocation's own time: received to its log line (after its last post returned).
    run["slowest_invocation_ms"] = round(max((line["posted_at"] - line["received_at"]) * 1000 for line in (pushed, *parts)), 1)
    return run


async def _push_logs(rt: Runtime, handoff_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The push function's log line for the event and one per handed-off part (each logs after its last post)."""
    for _ in range(100):
        await asyncio.sleep(0.1)
        pushed = next((line for line in rt.log_lines("pushed") if line.get("handoff_id") == handoff_id), None)
        if pushed is None:
            continue
        parts = [line for line in rt.log_lines("pushed part") if line.get("event_id") == pushed["event_id"]]
        if len(parts) == int(pushed.get("parts", 1)) - 1:
            return pushed, parts
    raise RuntimeError(f"the push function did not log every part of {handoff_id}'s fan-out")


def _run(started: float, last: float | None, cpu: float, posted: int) -> dict[str, Any]:
    last_ms = round((last - started) * 1000, 1) if last is not None else float("nan")
    return {"last_ms": last_ms, "cpu_ms": cpu * 1000, "posted": posted}


async def fanout(rt: Runtime, rounds: dict[int, int]) -> dict[str, Any]:
    """`rounds`: timed rounds by account size (connections)."""
    await asyncio.to_thread(install_peer)
    return {str(size): await one_size(rt, size, count) for size, count in rounds.items()}
