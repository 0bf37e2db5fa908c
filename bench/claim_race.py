"""Claim race: many handoffs, many concurrent claimers each, through the gateway."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter
from typing import Any

import httpx

from bench.harness import Runtime, escalate, summary


async def claim_race(rt: Runtime, handoffs: int = 200, claimers: int = 50) -> dict[str, Any]:
    people = rt.add_account("race", claimers + 1)
    junior, seniors = people[0], people[1:]
    headers = [rt.headers(senior) for senior in seniors]
    winners_per_handoff: Counter[int] = Counter()
    latency: dict[int, list[float]] = {200: [], 409: []}
    others: Counter[int] = Counter()
    winner_of: dict[str, int] = {}
    limits = httpx.Limits(max_connections=claimers, max_keepalive_connections=claimers)
    async with httpx.AsyncClient(base_url=rt.base_url, timeout=60, limits=limits) as http:
        targets = []
        for _ in range(handoffs):
            session_id, handoff_id = await escalate(http, rt.headers(junior), "race")
            targets.append(f"/api/v1/ai-sessions/{session_id}/handoffs/{handoff_id}/claim")

        async def claim(path: str, who: int) -> int:
            started = time.perf_counter()
            reply = await http.post(path, headers=headers[who])
            elapsed = (time.perf_counter() - started) * 1000
            if reply.status_code in latency:
                latency[reply.status_code].append(elapsed)
            else:
                others[reply.status_code] += 1
            return reply.status_code

        for path in targets:
            codes = await asyncio.gather(*(claim(path, who) for who in range(claimers)))
            winners_per_handoff[codes.count(200)] += 1
            winner_of[path] = codes.index(200) if 200 in codes else 0
        # Under a 50-way race, latency is mostly the place in the runtime's queue (the winner is the
        # first served). The cost of losing itself: a lone claim that wins, then a lone one that loses.
        alone: dict[int, list[float]] = {200: [], 409: []}
        for path in targets[: handoffs // 2]:
            await http.post(path.replace("/claim", "/release"), headers=headers[winner_of[path]])
            for who in (1, 2):
                started = time.perf_counter()
                reply = await http.post(path, headers=headers[who])
                alone[reply.status_code].append((time.perf_counter() - started) * 1000)
    winners = latency[200]
    losers = latency[409]
    return {
        "handoffs": handoffs,
        "claimers_each": claimers,
        "handoffs_with_exactly_one_winner": winners_per_handoff[1],
        "handoffs_with_more_than_one_winner": sum(n for wins, n in winners_per_handoff.items() if wins > 1),
        "other_statuses": dict(others),
        "winner_ms": summary(winners),
        "loser_ms": summary(losers),
        "ratio_loser_to_winner_median": round(statistics.median(losers) / statistics.median(winners), 2),
        "uncontended_winner_ms": summary(alone[200]),
        "uncontended_loser_ms": summary(alone[409]),
        "uncontended_ratio_loser_to_winner_median": round(statistics.median(alone[409]) / statistics.median(alone[200]), 2),
    }
