"""`make bench`: every benchmark against a local runtime it starts itself; one table printed,
raw figures in bench/results/<time>.json, and docs/performance.md rewritten from them."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import chat_claim, claim_race, cold_start, cost_model, fanout, first_request, psa_push, push_latency, queue_cost
from bench.harness import Runtime, runtime
from bench.report import render_markdown, render_table

ROOT = Path(__file__).resolve().parent.parent


def machine() -> dict[str, Any]:
    with open("/proc/meminfo") as meminfo:
        memory_kib = int(next(line.split()[1] for line in meminfo if line.startswith("MemTotal")))
    return {
        "nproc": os.cpu_count(),
        "memory_gib": round(memory_kib / 1024 / 1024, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


_STARTED = time.monotonic()
PHASES = ["cold_start", "push_latency", "claim_race", "fanout", "sustained", "queue_cost", "psa_push", "chat_claim"]


def progress(phase: str) -> None:
    print(f"[{time.monotonic() - _STARTED:6.1f} s] {phase}...", file=sys.stderr, flush=True)


def _on_the_runtime(rt: Runtime, only: set[str], quick: bool, results: dict[str, Any]) -> None:
    """The phases that run against the local runtime, in order."""
    if "cold_start" in only:
        progress("first request (init + first event) against baselines")
        results["cold_start"]["first_request"] = first_request.measure(rt, runs=3 if quick else 7)
    if "push_latency" in only:
        progress("push latency")
        results["push_latency"] = asyncio.run(
            push_latency.push_latency(rt, accounts=20, per_account=10, escalations=100 if quick else 500, rate=10)
        )
    if "claim_race" in only:
        progress("claim race")
        results["claim_race"] = asyncio.run(claim_race.claim_race(rt, handoffs=20 if quick else 100, claimers=50))
    if "fanout" in only:
        progress("fan-out")
        # Median and p90 over 9 rounds at 200 and 1,000; 2,000 shows the split across push invocations.
        rounds = {200: 3, 2000: 2} if quick else {200: 9, 1000: 9, 2000: 3}
        results["fanout"] = asyncio.run(fanout.fanout(rt, rounds))
    if "sustained" in only:
        progress("sustained load")
        results["sustained"] = asyncio.run(
            push_latency.sustained(rt, per_second=50, seconds=10 if quick else 60, repeat_seconds=5 if quick else 20)
        )
    if "psa_push" in only:
        progress("push with PSA connectors")
        results["psa_push"] = asyncio.run(psa_push.psa_push(rt, escalations=60 if quick else 300, rate=10))
    if "chat_claim" in only:
        progress("pick up from the chat (Slack, Teams) and from the console")
        results["chat_claim"] = asyncio.run(chat_claim.chat_claim(rt, handoffs=10 if quick else 100))
    if "queue_cost" in only:
        progress("queue cost")
        results["queue_cost"] = queue_cost.queue_cost(
            rt, sizes=(2_000, 10_000) if quick else (10_000, 100_000), samples=20 if quick else 40
        )


def main() -> None:
    # A SIGTERM (e.g. `timeout`) unwinds normally, so the runtime this started is stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--only", nargs="+", choices=PHASES, default=PHASES, help="run these phases only")
    args = parser.parse_args()
    quick, only = args.quick, set(args.only)
    partial = only != set(PHASES)
    started = time.monotonic()
    command = "make bench" if not (quick or partial) else "python -m bench" + (" --quick" if quick else "")
    if partial:
        command += " --only " + " ".join(sorted(only))
    results: dict[str, Any] = {"command": command, "machine": machine()}
    # Import times first, in fresh interpreters, before the runtime loads the machine.
    if "cold_start" in only:
        progress("cold start and size")
        results["cold_start"] = {"imports": cold_start.import_times(runs=3 if quick else 7), "sizes": cold_start.build_sizes()}
    with runtime() as rt:
        _on_the_runtime(rt, only, quick, results)
    results["cost_model"] = [cost_model.estimate(n, 8, 40) for n in (10, 1_000, 10_000)]
    results["snapstart_cost"] = cost_model.snapstart_monthly_usd()
    results["wall_seconds"] = round(time.monotonic() - started, 1)
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H%M%SZ")
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / f"{stamp}.json").write_text(json.dumps(results, indent=2) + "\n")
    print(render_table(results))
    if not (quick or partial):
        (ROOT / "docs" / "performance.md").write_text(render_markdown(results, stamp))
        print(f"\nwrote bench/results/{stamp}.json and docs/performance.md in {results['wall_seconds']} s")


if __name__ == "__main__":
    main()
