"""Queue cost: a 50-item page of one account's open queue, from the sparse index, against a
Scan-and-filter baseline, on tables of 10,000 and 100,000 handoffs (10,000 open, 100 per
account) — read units from the bytes read."""

from __future__ import annotations

import random
import time
from typing import Any

from baton.domain.clock import iso, utc_now
from baton.domain.models import Handoff
from baton.repositories import keys
from baton.repositories.codec import to_attrs
from baton.repositories.handoffs import HandoffRepository, handoff_item
from bench.capacity import item_size, read_units
from bench.harness import Runtime, summary
from local.provision import create_table_copy

TABLE = "BenchQueueTable"
PAGE = 50
NOTES = "Printer offline after the update; tried re-adding it and clearing the spooler."


def _handoffs(accounts: int, count: int, start: int, open_count: int) -> list[dict[str, Any]]:
    """Handoffs number `start` on, round-robin over the accounts; the first `open_count` are open."""
    items = []
    for number in range(start, start + count):
        account = f"q{number % accounts:03d}"
        moment = iso(utc_now())
        is_open = number < open_count
        handoff = Handoff(
            id=f"{number:08d}-0000-4000-8000-000000000000", session_id=f"s{number}", account_id=account,
            intent="escalate" if number % 3 else "park", engineer_notes=NOTES, status="open" if is_open else "claimed",
            created_by="junior", created_by_name="Jules Junior", created_at=moment, updated_at=moment,
            version=1 if is_open else 2, claimed_by=None if is_open else "senior",
            claimed_by_name=None if is_open else "Sam Senior", claimed_at=None if is_open else moment,
        )  # fmt: skip
        items.append(to_attrs(handoff_item(handoff)))
    return items


def _fill(dynamodb: Any, items: list[dict[str, Any]]) -> None:
    for start in range(0, len(items), 25):
        dynamodb.batch_write_item(RequestItems={TABLE: [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]})


def _baton_pages(dynamodb: Any, accounts: int, samples: int) -> tuple[list[float], list[float]]:
    repository = HandoffRepository(TABLE, dynamodb)
    latencies, units = [], []
    for _ in range(samples):
        account = f"q{random.randrange(accounts):03d}"  # noqa: S311 (sampling, not crypto)
        started = time.perf_counter()
        page = repository.open_queue(account, None, PAGE, None)
        latencies.append((time.perf_counter() - started) * 1000)
        # What that Query read: the page plus the one look-ahead item, with the index's ALL projection.
        raw = dynamodb.query(
            TableName=TABLE, IndexName=keys.OPEN_QUEUE_INDEX, KeyConditionExpression="queue_pk = :pk",
            ExpressionAttributeValues={":pk": {"S": keys.account_pk(account)}}, Limit=PAGE + 1,
        )  # fmt: skip
        assert len(page.items) == min(PAGE, len(raw["Items"]))
        units.append(read_units(raw["Items"]))
    return latencies, units


def _baseline_page(dynamodb: Any, account: str) -> float:
    """Scan everything, keep the account's open handoffs, sort, take 50. Returns milliseconds."""
    started = time.perf_counter()
    kept: list[dict[str, Any]] = []
    scan: dict[str, Any] = {
        "TableName": TABLE,
        "FilterExpression": "account_id = :a AND #s = :open",
        "ExpressionAttributeNames": {"#s": "status"},
        "ExpressionAttributeValues": {":a": {"S": account}, ":open": {"S": "open"}},
    }
    while True:
        page = dynamodb.scan(**scan)
        kept += page["Items"]
        if "LastEvaluatedKey" not in page:
            break
        scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    sorted(kept, key=lambda item: item["created_at"]["S"])[:PAGE]
    return (time.perf_counter() - started) * 1000


def _scan_read_units(items: list[dict[str, Any]]) -> float:
    """A filter runs after the read: a Scan is billed for every item of the table, in pages of
    at most 1 MB. Computed from the items written (scanning 100,000 items in moto, whose Scan
    walks the whole table for every page, would measure moto, not the design)."""
    units, page_bytes = 0.0, 0
    page: list[dict[str, Any]] = []
    for item in items:
        size = item_size(item)
        if page_bytes + size > 1024 * 1024:
            units += read_units(page)
            page, page_bytes = [], 0
        page.append(item)
        page_bytes += size
    return units + (read_units(page) if page else 0.0)


def queue_cost(rt: Runtime, accounts: int = 100, sizes: tuple[int, ...] = (10_000, 100_000), samples: int = 40) -> dict[str, Any]:
    """The same open queues (10% of the largest table, spread evenly over the accounts) in a
    table of only those, then grown with closed handoffs to the largest size: a page must
    cost the same read units in both, where a Scan's cost grows with the table."""
    dynamodb = rt.client("dynamodb")
    create_table_copy(rt.aws_endpoint, source="DataTable", name=TABLE)
    open_count = max(sizes) // 10
    results: dict[str, Any] = {"accounts": accounts, "open_handoffs": open_count, "page": PAGE}
    written: list[dict[str, Any]] = []
    for size in sizes:
        batch = _handoffs(accounts, size - len(written), len(written), open_count)
        _fill(dynamodb, batch)
        written += batch
        # moto's index Query walks the whole table: fewer samples on the big one keep `make bench` short
        latencies, units = _baton_pages(dynamodb, accounts, samples if size == sizes[0] else max(5, samples // 4))
        baseline_units = _scan_read_units(written)
        figures: dict[str, Any] = {
            "baton_page_ms": summary(latencies),
            "baton_read_units_per_page": max(units),
            "baseline_read_units_per_page": baseline_units,
            "ratio_read_units": round(baseline_units / max(units), 1),
        }
        if size == sizes[0]:  # timed once, on the smaller table: moto's Scan cost grows with the square of the table
            figures["baseline_page_ms"] = round(_baseline_page(dynamodb, "q001"), 1)
        results[f"{size}_items"] = figures
    return results
