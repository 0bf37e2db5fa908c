"""A pager that means something, and the limits past the paper ones (issue 21, items 4, 5 and 7): alarms that fire on
a loss at once and on anything else only when it lasts; 429s, table throttles and the account's concurrency watched;
a write conflict kept out of the 5xx alarm; per-route throttles sized for the console's real ping; consumers capped so
a burst cannot starve the API; every alarm explained in docs/operations.md; dead letters redriven within the window the
consumers remember."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from baton.domain.redelivery import DEAD_LETTER_RETENTION_SECONDS
from local.template import Template
from tests.conftest import ROOT
from tests.unit.test_template_metrics import watched_metrics

ALL_OPTIONAL = {"HostConsole": "true", "AlarmEmail": "ops@msp.example", "CognitoDomainPrefix": "msp-baton"}
# Alarms where one event is already a loss: a dead letter, a message a provider refused for good, an email bounced.
LOSS_METRICS = {"ApproximateNumberOfMessagesVisible", "WebhooksRejected", "PsaRejected", "EmailsBounced", "EmailsComplained"}
# Alarms on an age or on a rate AWS already smooths: the figure itself is a duration (a message waited over N
# seconds) or a running rate (SES's reputation over its recent sends).
AGE_METRICS = {"ApproximateAgeOfOldestMessage", "IteratorAge", "Reputation.BounceRate", "Reputation.ComplaintRate"}


@pytest.fixture(scope="module")
def template() -> Template:
    return Template(ROOT / "template.yaml", ALL_OPTIONAL)


def _alarms(template: Template) -> dict[str, dict[str, Any]]:
    return {name: template.resolve(spec["Properties"]) for name, spec in template.of_type("AWS::CloudWatch::Alarm").items()}


def test_an_alarm_fires_at_once_only_for_a_loss_and_otherwise_on_a_breach_that_lasts(template: Template) -> None:
    for name, alarm in _alarms(template).items():
        metrics = {metric["MetricName"] for metric in watched_metrics(alarm)}
        if metrics & LOSS_METRICS or metrics & AGE_METRICS:
            continue
        # Then the breach must hold in at least 3 of the last 5 periods of a minute (M of N), not one event
        periods = alarm["EvaluationPeriods"]
        datapoints = alarm.get("DatapointsToAlarm", periods)
        assert periods >= 5 and datapoints >= 3, f"{name}: {datapoints} of {periods}"


def test_a_dead_letter_still_pages_at_once(template: Template) -> None:
    dead_letter_alarms = [
        alarm for alarm in _alarms(template).values() if alarm.get("MetricName") == "ApproximateNumberOfMessagesVisible"
    ]
    assert len(dead_letter_alarms) >= 7  # five consumers' DLQs, the stream's failures, the subscriptions' DLQ
    for alarm in dead_letter_alarms:
        assert (alarm["EvaluationPeriods"], alarm["Threshold"], alarm["Period"]) == (1, 0, 60)


def test_429s_table_throttles_and_the_accounts_concurrency_are_watched(template: Template) -> None:
    watched = {
        (metric["Namespace"], metric["MetricName"], json.dumps(metric.get("Dimensions", []), sort_keys=True))
        for alarm in _alarms(template).values()
        for metric in watched_metrics(alarm)
    }
    names = {(namespace, metric) for namespace, metric, _ in watched}
    # API Gateway has no 429 metric: the access logs' status makes one per API
    assert {("Baton", "HttpApiThrottled"), ("Baton", "WebSocketThrottled")} <= names
    filters = {spec["Properties"]["LogGroupName"]["Ref"]: spec for spec in template.of_type("AWS::Logs::MetricFilter").values()}
    assert '$.status = "429"' in filters["HttpApiAccessLogs"]["Properties"]["FilterPattern"]
    assert '$.status = "429"' in filters["WsAccessLogs"]["Properties"]["FilterPattern"]
    # Each table's read and write throttles
    for table in ("DataTable", "ConnectionsTable", "IdempotencyTable"):
        for metric in ("ReadThrottleEvents", "WriteThrottleEvents"):
            dimensions = json.dumps([{"Name": "TableName", "Value": table}], sort_keys=True)
            assert ("AWS/DynamoDB", metric, dimensions) in watched, (table, metric)
    # The account's concurrency (no dimension: every function of the account and region), against its quota
    assert ("AWS/Lambda", "ConcurrentExecutions", "[]") in watched
    concurrency = _alarms(template)["LambdaConcurrencyAlarm"]
    (expression,) = [query["Expression"] for query in concurrency["Metrics"] if "Expression" in query]
    assert expression == "100 * running / 1000" and concurrency["Threshold"] == 80


def test_the_5xx_alarm_leaves_out_the_503s_of_write_conflicts(template: Template) -> None:
    alarm = _alarms(template)["HttpApi5xxAlarm"]
    queries = {query["Id"]: query for query in alarm["Metrics"]}
    assert queries["conflicts"]["MetricStat"]["Metric"] == {
        "Namespace": "Baton",
        "MetricName": "WriteConflicts",
        "Dimensions": [{"Name": "service", "Value": "baton-api"}],
    }
    assert queries["errors"]["MetricStat"]["Metric"]["MetricName"] == "5xx"
    (returned,) = [query for query in alarm["Metrics"] if query.get("ReturnData", True)]
    # When a minute had 5 requests, 2 of them 503s for write conflicts, Then the alarm's figure is 0%, not 40%
    assert _figure(returned["Expression"], errors=2, conflicts=2, requests=5) == 0
    assert _figure(returned["Expression"], errors=2, conflicts=0, requests=5) == 40


def _figure(expression: str, **values: float) -> float:
    """The alarm's metric math for one datapoint: IF(c, a, b) and FILL(x, v) as CloudWatch reads them."""
    python = re.sub(r"FILL\((\w+), [\d.]+\)", r"\1", expression)
    match = re.fullmatch(r"IF\((.+?) > 0, (.+), 0\)", python)
    assert match, expression
    condition, value = match.groups()
    return float(eval(value, {}, values)) if eval(condition, {}, values) > 0 else 0.0


def _ping_seconds() -> int:
    return int(json.loads((ROOT / "web" / "config.json").read_text())["pingSeconds"])


def test_the_console_pings_every_few_minutes_well_inside_the_idle_limit() -> None:
    # API Gateway closes a WebSocket idle for 10 minutes; the console pings every few minutes, in every config
    seconds = _ping_seconds()
    assert 120 <= seconds <= 300
    live = (ROOT / "web" / "js" / "live.js").read_text()
    assert f"pingSeconds = {seconds}," in live
    from tools.publish_console import console_config

    assert console_config({"HttpApiUrl": "https://api"})["pingSeconds"] == seconds


def test_each_websocket_route_has_its_own_throttle_and_ping_carries_tens_of_thousands_of_consoles(
    template: Template,
) -> None:
    (stage,) = template.of_type("AWS::ApiGatewayV2::Stage").values()
    settings = template.resolve(stage["Properties"]["RouteSettings"])
    routes = {spec["Properties"]["RouteKey"] for spec in template.of_type("AWS::ApiGatewayV2::Route").values()}
    # Then every route a client sends has its own limits (not one default shared by pings and connects)
    assert set(settings) == routes - {"$disconnect"}
    # And the ping route's rate carries 20,000 open consoles at the console's ping interval
    assert settings["ping"]["ThrottlingRateLimit"] * _ping_seconds() >= 20_000


def test_the_http_apis_own_route_limits_name_real_routes(template: Template) -> None:
    settings = template.http_api()["RouteSettings"]
    routes = {f"{route.method} {route.path}" for route in template.http_routes()}
    assert settings and set(settings) <= routes
    assert all(
        limits["ThrottlingRateLimit"] <= int(template.http_api()["DefaultRouteSettings"]["ThrottlingRateLimit"])
        for limits in settings.values()
    )


def test_every_queue_consumer_is_capped_so_a_burst_cannot_take_the_apis_concurrency(template: Template) -> None:
    capped = {}
    for name, spec in template.of_type("AWS::Serverless::Function").items():
        for event in spec["Properties"].get("Events", {}).values():
            if event["Type"] == "SQS":
                capped[name] = template.resolve(event["Properties"]).get("ScalingConfig", {}).get("MaximumConcurrency")
    assert set(capped) >= {"PushFunction", "EmailFunction", "TimerFunction", "TeamsFunction", "SlackFunction"}
    assert all(isinstance(limit, int) and limit >= 2 for limit in capped.values()), capped
    # Together they leave most of the default quota (1,000) to the API and the WebSocket routes
    assert sum(capped.values()) <= 100


def test_a_redrive_within_the_dead_letter_window_never_double_sends(template: Template) -> None:
    # Given every dead-letter queue (of a consumer queue, and SNS's for the subscriptions)
    queues = template.queues()
    dead_letters = {
        spec["RedrivePolicy"]["deadLetterTargetArn"].rsplit(":", 1)[-1] for spec in queues.values() if "RedrivePolicy" in spec
    } | {"SubscriptionDeadLetters"}
    # Then none keeps a message longer than the consumers remember what they sent
    for name in dead_letters:
        assert int(queues[name]["MessageRetentionPeriod"]) <= DEAD_LETTER_RETENTION_SECONDS, name
    for handler in ("functions/email/email_handler.py", "functions/webhooks/webhooks_handler.py"):
        assert "expires_after_seconds=DEAD_LETTER_RETENTION_SECONDS" in (ROOT / handler).read_text(), handler


def test_every_alarm_is_in_the_operations_guide_with_what_it_means_and_what_to_do(template: Template) -> None:
    guide = (ROOT / "docs" / "operations.md").read_text()
    rows = {match.group(1): match.group(2) for match in re.finditer(r"^\| `([^`]+)` \|(.+)$", guide, re.MULTILINE)}
    for name, alarm in _alarms(template).items():
        suffix = str(alarm["AlarmName"]).removeprefix("baton-local-")
        assert suffix in rows, f"{name} ({suffix}) is not in docs/operations.md"
        means, first_thing = (cell.strip() for cell in rows[suffix].rstrip("|").split("|")[:2])
        assert means and first_thing, suffix


def test_a_write_conflict_is_a_503_the_api_counts_apart_and_a_throttle_is_not() -> None:
    """The two halves the 5xx alarm relies on: the repository tells a conflict from a busy table, and the API counts
    the conflicts it answers (WriteConflicts, subtracted by the alarm)."""
    from aws_lambda_powertools import Logger
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
    from botocore.exceptions import ClientError

    import api_errors
    from baton.domain.errors import Transient, WriteConflict
    from baton.repositories.dynamo_errors import TRANSACTION_ATTEMPTS, call

    def failing(code: str) -> Any:
        def operation(**_: Any) -> None:
            raise ClientError({"Error": {"Code": code, "Message": "x"}}, "TransactWriteItems")  # type: ignore[arg-type]

        return operation

    # Given writes that keep meeting another one's transaction, and a table that is throttling
    with pytest.raises(WriteConflict) as conflict:
        call(failing("TransactionConflictException"), sleep=lambda _: None)
    with pytest.raises(Transient) as busy:
        call(failing("ThrottlingException"), sleep=lambda _: None)
    assert not isinstance(busy.value, WriteConflict) and TRANSACTION_ATTEMPTS > 1

    # When the API answers each
    counted: list[str] = []

    class Metrics:
        def add_metric(self, name: str, unit: Any, value: float) -> None:
            counted.append(name)

    app = APIGatewayHttpResolver()
    api_errors.register(app, Logger(service="test"), Metrics())  # type: ignore[arg-type]
    errors = iter([conflict.value, busy.value])

    @app.post("/write")
    def write() -> None:
        raise next(errors)

    event = {
        "version": "2.0",
        "routeKey": "POST /write",
        "rawPath": "/write",
        "rawQueryString": "",
        "headers": {},
        "requestContext": {"http": {"method": "POST", "path": "/write", "sourceIp": "127.0.0.1"}, "stage": "$default"},
        "isBase64Encoded": False,
    }
    statuses = [app.resolve(event, None)["statusCode"] for _ in range(2)]  # type: ignore[arg-type]
    # Then both are 503s, and only the conflict is counted apart from the other 5xx
    assert statuses == [503, 503] and counted == ["WriteConflicts"]
