"""The cost model reproduces the pilot (3 MSPs x 20 engineers x 200 handoffs a day) with what the deployment really
does: the console's ping interval, CloudWatch and X-Ray, the email policy's recipients; docs/performance.md shows
its figures (issue 21, item 7)."""

from __future__ import annotations

import json

from bench import cost_model
from tests.conftest import ROOT


def test_the_model_pings_as_often_as_the_console_does() -> None:
    seconds = json.loads((ROOT / "web" / "config.json").read_text())["pingSeconds"]
    assert cost_model.Usage().ping_seconds == seconds
    # When the console pinged twice as often, Then the WebSocket line would grow by its pings
    base = cost_model.estimate(3, 20, 200)
    faster = cost_model.estimate(3, 20, 200, cost_model.Usage(ping_seconds=seconds // 2))
    assert faster["monthly_usd"]["websocket"] > base["monthly_usd"]["websocket"]


def test_the_pilots_bill_counts_cloudwatch_and_x_ray_and_emails_by_the_policy() -> None:
    pilot = cost_model.estimate(**cost_model.PILOT)
    monthly = pilot["monthly_usd"]
    assert set(cost_model.LINE_ITEMS) | {"total"} == set(monthly)
    assert monthly["cloudwatch_logs"] > 0 and monthly["cloudwatch_metrics_alarms"] > 0 and monthly["xray"] > 0
    # The stack's alarms are billed per metric they read: at least one per alarm of the template
    assert cost_model.alarm_metrics() >= 45
    # Everyone emailed for every escalation was ~114 emails per engineer a day; the policy's defaults send far fewer
    assert pilot["emails_per_engineer_per_day"] < 40
    everyone = cost_model.estimate(
        **cost_model.PILOT, usage=cost_model.Usage(engineers_emailed_per_escalation=1.0, overdue_share=0)
    )
    assert 100 < everyone["emails_per_engineer_per_day"] < 120


def test_docs_performance_shows_the_pilots_bill_as_the_model_computes_it() -> None:
    assert cost_model.pilot_section() in (ROOT / "docs" / "performance.md").read_text()
