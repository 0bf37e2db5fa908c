"""Create → push latency on the local runtime: N escalations, timed from the create
request's response to the event's arrival at a listening WebSocket client.

    .venv/bin/python -m bench.push_latency [--count 100] [--gap-ms 20]

Starts its own runtime on a free port; prints percentiles and writes bench/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import websockets

from local.launch import launched

RESULTS = Path(__file__).resolve().parent / "results"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def measure(base_url: str, count: int, gap_ms: int) -> list[float]:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:

        async def token(email: str) -> str:
            reply = await http.post("/local/token", json={"email": email})
            return str(reply.json()["access_token"])

        junior = {"Authorization": f"Bearer {await token('junior@acme.test')}"}
        senior = {"Authorization": f"Bearer {await token('senior@acme.test')}"}
        url = (await http.post("/api/v1/ws-ticket", headers=senior)).json()["url"]
        arrived: dict[str, float] = {}
        all_arrived = asyncio.Event()
        async with websockets.connect(url) as socket:
            await socket.send(json.dumps({"action": "hello"}))

            async def listen() -> None:
                async for raw in socket:
                    message = json.loads(raw)
                    if message.get("type") == "handoff_created":
                        arrived[message["handoff"]["id"]] = time.perf_counter()
                        if len(arrived) >= count:
                            all_arrived.set()

            listener = asyncio.create_task(listen())
            created: dict[str, float] = {}
            for _ in range(count):
                session = (
                    await http.post("/api/v1/ai-sessions", headers=junior, json={"intake_type": "bench", "intake_content": {}})
                ).json()
                reply = await http.post(
                    f"/api/v1/ai-sessions/{session['id']}/handoff", headers=junior, json={"intent": "escalate"}
                )
                created[reply.json()["id"]] = time.perf_counter()
                await asyncio.sleep(gap_ms / 1000)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(all_arrived.wait(), 30)
            listener.cancel()
        lost = set(created) - set(arrived)
        if lost:
            raise SystemExit(f"{len(lost)} of {count} escalations never arrived")
        return [(arrived[h] - created[h]) * 1000 for h in created]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--gap-ms", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, launched(Path(folder) / "runtime.log") as base_url:
        delays = asyncio.run(measure(base_url, args.count, args.gap_ms))
    figures = {
        "count": len(delays),
        "p50_ms": round(statistics.median(delays), 1),
        "p95_ms": round(percentile(delays, 0.95), 1),
        "p99_ms": round(percentile(delays, 0.99), 1),
        "max_ms": round(max(delays), 1),
    }
    print("create -> push delay over", figures["count"], "escalations:", json.dumps(figures))
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H%M%SZ")
    (RESULTS / f"push-latency-{stamp}.json").write_text(
        json.dumps({"command": "python -m bench.push_latency", **figures}, indent=2)
    )


if __name__ == "__main__":
    main()
