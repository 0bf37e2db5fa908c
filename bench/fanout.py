"""Fan-out: one event to the 1,000 connections of one account, with 10,000 connections of
100 accounts stored — baton's push (Query on a KEYS_ONLY index, concurrent posts) against
what the public API Gateway WebSocket samples do (Scan the table, post to each in turn)."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import httpx

from baton.api_models import HandoffOut
from baton.events import HandoffEvent
from baton.logic import push
from baton.publishers.websocket_connections import CLIENT_CONFIG, ManagementApiSender
from baton.realtime import POST_CONCURRENCY
from baton.repositories.connections import BY_ACCOUNT_INDEX, ConnectionRepository
from bench.capacity import project, read_units
from bench.harness import Runtime
from bench.listeners import ListenerProcess

TABLE = "ConnectionsTable"
KEYS_ONLY = {"pk", "sk", "account_id", "connection_id"}


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
    """Leave the runtime as found: moto's index queries walk the whole table, so 10,000 stale
    rows would slow every later push in the same run."""
    dynamodb = rt.client("dynamodb")
    for start in range(0, len(rows), 25):
        batch = [{"DeleteRequest": {"Key": {"pk": row["pk"], "sk": row["sk"]}}} for row in rows[start : start + 25]]
        dynamodb.batch_write_item(RequestItems={TABLE: batch})


def baseline_scan_and_post(dynamodb: Any, management: Any, account_id: str, data: bytes) -> tuple[int, float]:
    """The sample design: Scan every connection (filtering by account), post to each in turn."""
    read, units, sent = [], 0.0, 0
    scan: dict[str, Any] = {"TableName": TABLE}
    while True:
        page = dynamodb.scan(**scan)
        units += read_units(page["Items"])  # a Scan reads (and bills) every item, whatever it keeps
        read += [item for item in page["Items"] if item.get("account_id", {}).get("S") == account_id]
        if "LastEvaluatedKey" not in page:
            break
        scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    for item in read:
        try:
            management.post_to_connection(ConnectionId=item["connection_id"]["S"], Data=data)
            sent += 1
        except management.exceptions.GoneException:
            dynamodb.delete_item(TableName=TABLE, Key={"pk": item["pk"], "sk": item["sk"]})
    return sent, units


def baton_query_units(dynamodb: Any, account_id: str) -> float:
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


async def fanout(rt: Runtime, listeners: int = 1000, other_accounts: int = 99, per_other: int = 91) -> dict[str, Any]:
    people = rt.add_account("fanout", 1)
    engineer = people[0]
    stored = _stored_rows(rt, other_accounts, per_other)
    async with httpx.AsyncClient(base_url=rt.base_url, timeout=60) as http:
        urls = [(await http.post("/api/v1/ws-ticket", headers=rt.headers(engineer))).json()["url"] for _ in range(listeners)]
    # The clients live in a process of their own: in this one they would compete with the
    # posting threads for the GIL, and slow both designs alike.
    clients = await asyncio.to_thread(ListenerProcess, urls)
    dynamodb = rt.client("dynamodb")
    # One shared Management API client, configured as the push function's.
    shared = boto3.client(
        "apigatewaymanagementapi", endpoint_url=rt.base_url, region_name="us-east-1", aws_access_key_id="x",
        aws_secret_access_key="x", config=CLIENT_CONFIG,
    )  # fmt: skip
    results: dict[str, Any] = {"stored_connections": other_accounts * per_other + listeners, "account_connections": listeners}
    for design in ("baton", "baseline"):
        event = _event(design)
        started = time.perf_counter()
        if design == "baton":
            report = await asyncio.to_thread(
                push.push_event,
                event,
                ConnectionRepository(TABLE, dynamodb),
                ManagementApiSender(shared),
                ThreadPoolExecutor(POST_CONCURRENCY),
            )
            sent, units = report.delivered, baton_query_units(dynamodb, "fanout")
        else:
            sent, units = await asyncio.to_thread(
                baseline_scan_and_post, dynamodb, shared, "fanout", event.model_dump_json().encode()
            )
        last = await asyncio.to_thread(clients.wait_all_heard, design, 60)
        results[design] = {
            "sent": sent,
            "last_delivery_ms": round((last - started) * 1000, 1) if last is not None else float("nan"),
            "read_units": units,
        }
    counts = await asyncio.to_thread(clients.close)
    _remove_rows(rt, stored)
    for design in ("baton", "baseline"):
        results[design]["delivered"] = counts.get(design, (0, 0.0))[0]
    results["ratio_read_units"] = round(results["baseline"]["read_units"] / results["baton"]["read_units"], 1)
    results["ratio_last_delivery"] = round(results["baseline"]["last_delivery_ms"] / results["baton"]["last_delivery_ms"], 1)
    return results


def _event(event_id: str) -> HandoffEvent:
    handoff = HandoffOut(
        id=event_id, session_id="s", account_id="fanout", intent="escalate", engineer_notes="fan-out bench", status="open",
        created_by="u", created_by_name="U", created_at="2026-11-25T17:00:00.000Z", claimed_by=None, claimed_by_name=None,
        claimed_at=None, resolved_at=None, resolution_notes=None, version=1,
    )  # fmt: skip
    return HandoffEvent(
        type="handoff_created", event_id=event_id, occurred_at=handoff.created_at, account_id="fanout", handoff=handoff
    )
