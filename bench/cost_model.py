"""Monthly AWS bill and peak request rates for N MSPs x M engineers x E handoffs a day,
and the first quota that would bind.

    .venv/bin/python -m bench.cost_model [--msps 10 1000 10000] [--engineers 8] [--handoffs 40]
    .venv/bin/python -m bench.cost_model --pilot      # the pilot: 3 MSPs x 20 engineers x 200 handoffs a day

Prices are parameters; the defaults are AWS's published us-east-1 on-demand prices
(Lambda arm64, API Gateway HTTP and WebSocket APIs, DynamoDB on-demand, SNS, SQS, SES,
CloudWatch Logs, metrics, alarms and dashboards, X-Ray), from https://aws.amazon.com/<service>/pricing/ as listed
in PRICES. Free tiers are ignored (a pilot may pay less). Check them before you quote them.

What the deployment itself decides is read from it, not assumed: the console's ping interval from web/config.json,
the alarms (and the metrics each reads) from template.yaml. Who is emailed follows the email policy's defaults
(Usage.engineers_emailed_per_escalation): change that parameter when the accounts' policies differ.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

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
    "log_storage_gb_month": 0.03,
    "custom_metric_month": 0.30,  # per metric (name + dimension values), first 10,000
    "alarm_metric_month": 0.10,  # standard resolution, per metric an alarm reads (metric math: each of them)
    "dashboard_month": 3.00,
    "xray_trace_recorded": 5.00 / 1e6,  # aws.amazon.com/xray/pricing
    "xray_trace_retrieved": 0.50 / 1e6,
}

QUOTAS = {  # default per account and region
    "websocket new connections/s": 500,
    "API Gateway requests/s (account throttle, HTTP + WebSocket posts)": 10_000,
    "Lambda concurrent executions": 1_000,
    "DynamoDB stream: writes/s one stream shard keeps up with (1 router batch at a time)": 1_000,
}


@cache
def console_ping_seconds() -> int:
    """The console's heartbeat, as web/config.json (and so `make publish-console`) sets it."""
    return int(json.loads((ROOT / "web" / "config.json").read_text())["pingSeconds"])


@cache
def alarm_metrics() -> int:
    """What CloudWatch bills for the stack's alarms: one per metric each alarm reads (template.yaml, every optional
    resource present)."""
    from local.template import Template

    template = Template(ROOT / "template.yaml", {"HostConsole": "true", "AlarmEmail": "a@b.c", "CognitoDomainPrefix": "x"})
    return sum(
        max(1, sum("MetricStat" in query for query in spec["Properties"].get("Metrics", [])))
        for spec in template.of_type("AWS::CloudWatch::Alarm").values()
    )


@dataclass(frozen=True)
class Usage:
    """What one handoff and one engineer-day cost, in requests (from baton's own design)."""

    api_calls_per_handoff: int = 9  # session, handoff, context, claim, resolve, ~4 queue/context reads
    events_per_handoff: int = 3  # created, claimed, resolved
    escalation_share: float = 0.6
    # EMAIL POLICY (issue 21, item 3; its defaults): a new escalation is emailed to the account's engineers who have no
    # live console, not to everyone. During working hours most engineers have the console open: about 1 in 4 has not.
    engineers_emailed_per_escalation: float = 0.25  # share of the account's other engineers
    # ... and each SLA level is emailed too: level 1 to engineers without a console, level 2 to admins and owners.
    overdue_share: float = 0.1  # escalations nobody picks up before level 1
    admins_and_owners: int = 2
    write_units_per_handoff: int = 24  # items + GSI copies + transactions (2x) + idempotency records
    read_units_per_handoff: int = 12
    lambda_ms: int = 60
    lambda_gb: float = 0.5
    working_hours: int = 9
    ping_seconds: int = field(default_factory=console_ping_seconds)
    reconnects_per_day: int = 5  # 2 h limit + network drops: a ticket and a $connect each
    log_kb_per_invocation: float = 1.5
    access_log_kb_per_request: float = 0.4  # one JSON line per HTTP request and per WebSocket message (both APIs)
    log_retention_months: float = 1.0  # LogRetentionDays 30
    custom_metrics: int = 25  # Powertools' metrics by name and dimension values, and the log metric filters
    dashboards: int = 1
    xray_sampled_share: float = 1.0  # Active tracing: 1 a second and 5% beyond; at a pilot's rate that is all of them
    peak_factor: float = 6.0  # the busiest minute against the working-day average
    days_per_month: float = 21.7


def estimate(
    msps: int, engineers: int, handoffs_per_day: int, usage: Usage = Usage(), prices: dict[str, float] = PRICES
) -> dict[str, Any]:
    handoffs = msps * handoffs_per_day * usage.days_per_month
    events = handoffs * usage.events_per_handoff
    pushes = events * engineers  # every event to every connection of the account
    escalations = handoffs * usage.escalation_share
    overdue = escalations * usage.overdue_share
    emails = (escalations + overdue) * (engineers - 1) * usage.engineers_emailed_per_escalation
    emails += overdue * usage.admins_and_owners
    connection_minutes = msps * engineers * usage.working_hours * 60 * usage.days_per_month
    pings = connection_minutes * 60 / usage.ping_seconds
    reconnects = msps * engineers * usage.reconnects_per_day * usage.days_per_month
    api_calls = handoffs * usage.api_calls_per_handoff + reconnects  # + ws-ticket per reconnect
    invocations = api_calls + events + events + escalations + pings + reconnects * 3  # router, push, email, ws routes
    websocket_messages = pushes + pings * 2  # a ping in, its pong out
    sqs_requests = events * 3 + escalations * 3  # receive + delete per message, for 2 queues, plus empty polls
    log_gb = (
        (invocations * usage.log_kb_per_invocation + (api_calls + websocket_messages) * usage.access_log_kb_per_request)
        / 1024
        / 1024
    )
    cost = {
        "lambda": invocations
        * (prices["lambda_request"] + usage.lambda_ms / 1000 * usage.lambda_gb * prices["lambda_gb_second_arm"]),
        "http_api": api_calls * prices["http_api_request"],
        "websocket": websocket_messages * prices["websocket_message"]
        + connection_minutes * prices["websocket_connection_minute"],
        "dynamodb": handoffs
        * (
            usage.write_units_per_handoff * prices["dynamodb_write_unit"]
            + usage.read_units_per_handoff * prices["dynamodb_read_unit"]
        ),
        "sns": events * prices["sns_publish"],
        "sqs": sqs_requests * prices["sqs_request"],
        "ses": emails * prices["ses_email"],
        "cloudwatch_logs": log_gb * (prices["log_ingest_gb"] + usage.log_retention_months * prices["log_storage_gb_month"]),
        # per deployment, whatever its size: the metrics, the alarms (template.yaml) and the dashboard
        "cloudwatch_metrics_alarms": usage.custom_metrics * prices["custom_metric_month"]
        + alarm_metrics() * prices["alarm_metric_month"]
        + usage.dashboards * prices["dashboard_month"],
        "xray": invocations * usage.xray_sampled_share * prices["xray_trace_recorded"],
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
        "emails_per_engineer_per_day": round(emails / usage.days_per_month / max(1, msps * engineers), 1),
        "monthly_usd": {name: round(value, 2) for name, value in cost.items()} | {"total": round(sum(cost.values()), 2)},
        "peak_rates": {name: round(value, 2) for name, value in peak.items()},
        "first_quota_to_bind": {
            "quota": binding,
            "limit": QUOTAS[binding],
            "peak": round(peak[binding], 1),
            "headroom_x": round(headroom[binding], 1),
        },
    }


PILOT = {"msps": 3, "engineers": 20, "handoffs_per_day": 200}
LINE_ITEMS = {
    "lambda": "Lambda (requests and arm64 GB-seconds)",
    "http_api": "API Gateway HTTP API",
    "websocket": "API Gateway WebSocket (messages, connection minutes)",
    "dynamodb": "DynamoDB on-demand",
    "sns": "SNS",
    "sqs": "SQS",
    "ses": "SES (escalation and SLA emails)",
    "cloudwatch_logs": "CloudWatch Logs (functions and access logs: ingest, storage)",
    "cloudwatch_metrics_alarms": "CloudWatch metrics, alarms, dashboard",
    "xray": "X-Ray traces",
}


def pilot_section(usage: Usage = Usage()) -> str:
    """docs/performance.md's section on the pilot's bill, as this model computes it (bench/report.py writes it)."""
    figures = estimate(PILOT["msps"], PILOT["engineers"], PILOT["handoffs_per_day"], usage)
    monthly = figures["monthly_usd"]
    rows = "\n".join(f"| {label} | {monthly[key]:.2f} |" for key, label in LINE_ITEMS.items())
    return f"""## The pilot's monthly bill (cost model)

`python -m bench.cost_model --pilot`: {PILOT["msps"]} MSPs x {PILOT["engineers"]} engineers x
{PILOT["handoffs_per_day"]} handoffs a day each, {usage.days_per_month} working days a month of {usage.working_hours} h,
us-east-1 on-demand prices without free tiers. The console pings every {usage.ping_seconds} s (web/config.json); the
stack's {alarm_metrics()} alarm metrics are read from template.yaml. Email follows the email policy's defaults: a new
escalation goes to the engineers without a live console (`engineers_emailed_per_escalation` =
{usage.engineers_emailed_per_escalation} of the others), and {usage.overdue_share:.0%} of escalations reach SLA level 1
(engineers without a console) and 2 ({usage.admins_and_owners} admins and owners): about
{figures["emails_per_engineer_per_day"]} emails per engineer a day.

| line item | USD a month |
|---|---|
{rows}
| **total** | **{monthly["total"]:.2f}** |
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--msps", type=int, nargs="+", default=[10, 1_000, 10_000])
    parser.add_argument("--engineers", type=int, default=8)
    parser.add_argument("--handoffs", type=int, default=40, help="handoffs a day per MSP")
    parser.add_argument("--pilot", action="store_true", help="the pilot's bill, as docs/performance.md shows it")
    args = parser.parse_args()
    if args.pilot:
        print(pilot_section())
        return
    print(
        json.dumps(
            {"usage": asdict(Usage()), "estimates": [estimate(n, args.engineers, args.handoffs) for n in args.msps]}, indent=2
        )
    )


if __name__ == "__main__":
    main()
