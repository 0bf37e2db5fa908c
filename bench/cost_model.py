"""Monthly AWS bill and peak request rates for N MSPs x M engineers x E handoffs a day,
and the first quota that would bind.

    .venv/bin/python -m bench.cost_model [--msps 10 1000 10000] [--engineers 8] [--handoffs 40]

Prices are parameters; the defaults are AWS's published us-east-1 on-demand prices
(Lambda arm64, API Gateway HTTP and WebSocket APIs, DynamoDB on-demand, SNS, SQS, SES,
CloudWatch Logs), from https://aws.amazon.com/<service>/pricing/ as listed in PRICES.
Free tiers are ignored (a pilot may pay less). Check them before you quote them.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass
from typing import Any

PRICES = {  # USD, us-east-1
    "lambda_request": 0.20 / 1e6,  # aws.amazon.com/lambda/pricing
    "lambda_gb_second_arm": 0.0000133334,
    "http_api_request": 1.00 / 1e6,  # aws.amazon.com/api-gateway/pricing (first 300M/month)
    "websocket_message": 1.00 / 1e6,  # per 32 KB message, first 1B/month
    "websocket_connection_minute": 0.25 / 1e6,
    "dynamodb_write_unit": 0.625 / 1e6,  # aws.amazon.com/dynamodb/pricing/on-demand
    "dynamodb_read_unit": 0.125 / 1e6,
    "sns_publish": 0.50 / 1e6,  # aws.amazon.com/sns/pricing (SNS -> SQS delivery is free)
    "sqs_request": 0.40 / 1e6,  # aws.amazon.com/sqs/pricing (standard)
    "ses_email": 0.10 / 1000,  # aws.amazon.com/ses/pricing
    "log_ingest_gb": 0.50,  # aws.amazon.com/cloudwatch/pricing
}

QUOTAS = {  # default per account and region
    "websocket new connections/s": 500,
    "API Gateway requests/s (account throttle, HTTP + WebSocket posts)": 10_000,
    "Lambda concurrent executions": 1_000,
    "DynamoDB stream: writes/s one stream shard keeps up with (1 router batch at a time)": 1_000,
}


@dataclass(frozen=True)
class Usage:
    """What one handoff and one engineer-day cost, in requests (from baton's own design)."""

    api_calls_per_handoff: int = 9  # session, handoff, context, claim, resolve, ~4 queue/context reads
    events_per_handoff: int = 3  # created, claimed, resolved
    escalation_share: float = 0.6
    write_units_per_handoff: int = 24  # items + GSI copies + transactions (2x) + idempotency records
    read_units_per_handoff: int = 12
    lambda_ms: int = 60
    lambda_gb: float = 0.5
    working_hours: int = 9
    ping_minutes: int = 4
    reconnects_per_day: int = 5  # 2 h limit + network drops: a ticket and a $connect each
    log_kb_per_invocation: float = 1.5
    peak_factor: float = 6.0  # the busiest minute against the working-day average
    days_per_month: float = 21.7


def estimate(
    msps: int, engineers: int, handoffs_per_day: int, usage: Usage = Usage(), prices: dict[str, float] = PRICES
) -> dict[str, Any]:
    handoffs = msps * handoffs_per_day * usage.days_per_month
    events = handoffs * usage.events_per_handoff
    pushes = events * engineers  # every event to every connection of the account
    escalations = handoffs * usage.escalation_share
    emails = escalations * (engineers - 1)
    connection_minutes = msps * engineers * usage.working_hours * 60 * usage.days_per_month
    pings = connection_minutes / usage.ping_minutes
    reconnects = msps * engineers * usage.reconnects_per_day * usage.days_per_month
    api_calls = handoffs * usage.api_calls_per_handoff + reconnects  # + ws-ticket per reconnect
    invocations = api_calls + events + events + escalations + pings * 2 + reconnects * 3  # router, push, email, ws routes
    sqs_requests = events * 3 + escalations * 3  # receive + delete per message, for 2 queues, plus empty polls
    cost = {
        "lambda": invocations
        * (prices["lambda_request"] + usage.lambda_ms / 1000 * usage.lambda_gb * prices["lambda_gb_second_arm"]),
        "http_api": api_calls * prices["http_api_request"],
        "websocket": (pushes + pings * 2) * prices["websocket_message"]
        + connection_minutes * prices["websocket_connection_minute"],
        "dynamodb": handoffs
        * (
            usage.write_units_per_handoff * prices["dynamodb_write_unit"]
            + usage.read_units_per_handoff * prices["dynamodb_read_unit"]
        ),
        "sns": events * prices["sns_publish"],
        "sqs": sqs_requests * prices["sqs_request"],
        "ses": emails * prices["ses_email"],
        "logs": invocations * usage.log_kb_per_invocation / 1024 / 1024 * prices["log_ingest_gb"],
    }
    per_peak_second = usage.peak_factor / usage.days_per_month / (usage.working_hours * 3600)
    names = list(QUOTAS)
    peak = {
        names[0]: msps * engineers / 300,  # everyone connects within 5 minutes at 9:00
        names[1]: (api_calls + pushes) * per_peak_second,
        names[2]: invocations * per_peak_second * usage.lambda_ms / 1000,
        names[3]: events * per_peak_second,
    }
    headroom = {name: QUOTAS[name] / value for name, value in peak.items() if value}
    binding = min(headroom, key=lambda name: headroom[name])
    return {
        "msps": msps,
        "engineers_per_msp": engineers,
        "handoffs_per_day_per_msp": handoffs_per_day,
        "monthly_usd": {name: round(value, 2) for name, value in cost.items()} | {"total": round(sum(cost.values()), 2)},
        "peak_rates": {name: round(value, 2) for name, value in peak.items()},
        "first_quota_to_bind": {
            "quota": binding,
            "limit": QUOTAS[binding],
            "peak": round(peak[binding], 1),
            "headroom_x": round(headroom[binding], 1),
        },
    }


# SnapStart against provisioned concurrency for the functions a person waits on (template parameter SnapStart).
SNAPSTART_PRICES = {  # USD, us-east-1, aws.amazon.com/lambda/pricing ("SnapStart", "Provisioned Concurrency", arm64)
    "snapstart_cache_gb_second": 0.0000015046,  # per GB-second a version's snapshot is cached (at least 3 hours)
    "snapstart_restore_gb": 0.0001397998,  # per GB restored (each environment resumed from the snapshot)
    "provisioned_gb_second_arm": 0.0000033334,  # per GB-second an environment is kept initialized
}
SECONDS_PER_MONTH = 30 * 24 * 3600


def snapstart_monthly_usd(
    functions: int = 3,
    memory_gb: float = 0.5,
    versions_cached: int = 2,
    restores_per_function_per_day: int = 100,
    prices: dict[str, float] = SNAPSTART_PRICES,
) -> dict[str, Any]:
    """A month of SnapStart for `functions` functions of `memory_gb`, against one provisioned environment each.

    SnapStart bills the snapshot of every published version that has one, all month (`versions_cached`: the live
    one and the previous deploy's, until Lambda drops a version not invoked for 14 days), and each restore: every
    cold start resumes the snapshot. Provisioned concurrency bills one initialized environment per function around
    the clock (its invocations then cost less per GB-second, left out here); a burst past it starts cold again,
    where every SnapStart cold start is a restore."""
    cache = functions * versions_cached * memory_gb * SECONDS_PER_MONTH * prices["snapstart_cache_gb_second"]
    restores = functions * restores_per_function_per_day * 30 * memory_gb * prices["snapstart_restore_gb"]
    provisioned = functions * memory_gb * SECONDS_PER_MONTH * prices["provisioned_gb_second_arm"]
    return {
        "functions": functions,
        "memory_gb": memory_gb,
        "snapstart_usd": {"cache": round(cache, 2), "restores": round(restores, 2), "total": round(cache + restores, 2)},
        "provisioned_one_each_usd": round(provisioned, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--msps", type=int, nargs="+", default=[10, 1_000, 10_000])
    parser.add_argument("--engineers", type=int, default=8)
    parser.add_argument("--handoffs", type=int, default=40, help="handoffs a day per MSP")
    args = parser.parse_args()
    print(
        json.dumps(
            {"usage": asdict(Usage()), "estimates": [estimate(n, args.engineers, args.handoffs) for n in args.msps]}, indent=2
        )
    )


if __name__ == "__main__":
    main()
