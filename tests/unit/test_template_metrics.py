"""Every custom metric an alarm or the dashboard names is one the code emits, with the same dimension names.

The emitted set is read from the code itself: each function's `add_metric` / `single_metric` calls (and the
dimensions a `single_metric` block adds), the names given to an `OutboundReport`, plus the `service` dimension
Powertools adds to every metric, plus the template's log metric filters. A CloudWatch SEARCH schema
`{Namespace,dim,...}` matches only metrics with exactly those dimension names, so a widget with the wrong set draws
an empty graph and an alarm never fires.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from local.template import Template
from tests.conftest import ROOT

_SEARCH = re.compile(r"SEARCH\('\{([^}]*)\}([^']*)'")
_METRIC_NAME = re.compile(r'MetricName="([^"]+)"')


@dataclass(frozen=True)
class Metric:
    namespace: str
    name: str
    dimensions: frozenset[str]
    service: str | None = None  # the `service` dimension's value, when Powertools adds it


def _literal(node: ast.expr, constants: dict[str, list[str]], where: str) -> list[str]:
    """A metric or dimension name: a string literal, or `TABLE[...]` of a module-level dict of literals."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id in constants:
        return constants[node.value.id]
    raise AssertionError(f"{where}: a metric name this test cannot read; use a literal (or a module-level dict of them)")


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _metric_calls(path: Path) -> list[tuple[str, frozenset[str]]]:
    """(metric name, dimension names the code adds) for every metric call of one module."""
    tree = ast.parse(path.read_text())
    constants = {
        target.id: [v.value for v in node.value.values if isinstance(v, ast.Constant) and isinstance(v.value, str)]
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    found: list[tuple[str, frozenset[str]]] = []
    in_single_metric: set[int] = set()
    for node in ast.walk(tree):
        where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.With):
            for item in node.items:
                call = item.context_expr
                if isinstance(call, ast.Call) and getattr(call.func, "id", None) == "single_metric":
                    assert _keyword(call, "default_dimensions") is None, f"{where}: default_dimensions is not read here"
                    dimensions = set()
                    for inner in (n for statement in node.body for n in ast.walk(statement)):
                        if isinstance(inner, ast.Call) and getattr(inner.func, "attr", None) == "add_dimension":
                            in_single_metric.add(id(inner))
                            dimensions.update(_literal(_keyword(inner, "name") or inner.args[0], constants, where))
                    for name in _literal(_keyword(call, "name") or call.args[0], constants, where):
                        found.append((name, frozenset(dimensions)))
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "add_metric":
            found.extend((name, frozenset()) for name in _literal(_keyword(node, "name") or node.args[0], constants, where))
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "OutboundReport":
            # OutboundReport(logger, metrics, what, metric_of, deferred_metric) counts in each of those names
            metric_of, deferred = _keyword(node, "metric_of") or node.args[3], _keyword(node, "deferred_metric") or node.args[4]
            assert isinstance(metric_of, ast.Name) and metric_of.id in constants, f"{where}: name a module-level dict"
            found.extend((name, frozenset()) for name in [*constants[metric_of.id], *_literal(deferred, constants, where)])
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "add_dimension":
            assert id(node) in in_single_metric, f"{path}:{node.lineno}: a dimension on every metric is not read here"
    return found


def emitted_metrics(template: Template) -> set[Metric]:
    emitted = set()
    for function in template.functions().values():
        namespace = function.environment["POWERTOOLS_METRICS_NAMESPACE"]
        service = function.environment["POWERTOOLS_SERVICE_NAME"]
        for path in sorted(function.code_dir.glob("*.py")):
            for name, dimensions in _metric_calls(path):
                emitted.add(Metric(namespace, name, dimensions | {"service"}, service))
    for metric_filter in template.of_type("AWS::Logs::MetricFilter").values():
        for transformation in metric_filter["Properties"]["MetricTransformations"]:
            dimensions = frozenset(transformation.get("Dimensions", {}))
            emitted.add(Metric(transformation["MetricNamespace"], transformation["MetricName"], dimensions))
    return emitted


def dashboard_searches(body: str) -> set[tuple[str, str, frozenset[str]]]:
    """(namespace, metric name, dimension names) of every SEARCH of the dashboard's widgets."""
    named = set()
    for widget in json.loads(body)["widgets"]:
        for row in widget["properties"].get("metrics", []):
            if isinstance(row[0], str):  # [namespace or "." / "...", metric name, dimension, value, ...]
                assert row[0].startswith(("AWS/", ".")), f"a plain metric of namespace {row[0]!r}: check it here too"
                continue
            for schema, terms in _SEARCH.findall(row[0].get("expression", "")):
                namespace, *dimensions = (part.strip() for part in schema.split(","))
                named.update((namespace, name, frozenset(dimensions)) for name in _METRIC_NAME.findall(terms))
    return named


def _unknown(named: set[tuple[str, str, frozenset[str]]], emitted: set[Metric]) -> set[tuple[str, str, frozenset[str]]]:
    return named - {(m.namespace, m.name, m.dimensions) for m in emitted}


@pytest.fixture(scope="module")
def template() -> Template:
    return Template(ROOT / "template.yaml")


def test_every_dashboard_search_names_a_metric_the_code_emits_with_those_dimensions(template: Template) -> None:
    # Given what the code and the log metric filters emit
    emitted = emitted_metrics(template)
    # When the dashboard's SEARCH expressions are read
    named = dashboard_searches(template.resolve(template.resources["Dashboard"]["Properties"]["DashboardBody"]))
    # Then each one finds a metric (namespace, name and exactly its dimension names)
    assert {name for _, name, _ in named} >= {"HandoffsCreated", "PushDelivered", "PushFailed", "TimeToPickup"}
    assert _unknown(named, emitted) == set()


def watched_metrics(alarm: dict[str, Any]) -> list[dict[str, Any]]:
    """The metrics an alarm reads: its own, or each MetricStat of its metric math, as {Namespace, MetricName,
    Dimensions}."""
    if "MetricName" in alarm:
        return [alarm]
    return [query["MetricStat"]["Metric"] for query in alarm.get("Metrics", []) if "MetricStat" in query]


def test_every_custom_metric_alarm_watches_a_metric_the_code_emits(template: Template) -> None:
    # Given what the code emits, and the alarms on metrics of our own namespace (alone or in metric math)
    emitted = emitted_metrics(template)
    alarms = {
        f"{name} ({metric['MetricName']})": metric
        for name, spec in template.of_type("AWS::CloudWatch::Alarm").items()
        for metric in watched_metrics(template.resolve(spec["Properties"]))
        if not metric["Namespace"].startswith("AWS/")
    }
    assert len(alarms) >= 4
    for name, alarm in alarms.items():
        dimensions = {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}
        # Then each names an emitted metric with exactly its dimensions, and a service that emits it
        matches = [
            metric
            for metric in emitted
            if (metric.namespace, metric.name) == (alarm["Namespace"], alarm["MetricName"])
            and metric.dimensions == frozenset(dimensions)
            and dimensions.get("service", metric.service) == metric.service
        ]
        assert matches, f"{name} watches {alarm['MetricName']} {dimensions}, which no code emits"


def test_a_search_without_the_service_dimension_is_caught(template: Template) -> None:
    # Given the dashboard's old expression: a schema with no dimension names only matches dimensionless metrics
    old = "SEARCH('{Baton} MetricName=\"HandoffsCreated\"', 'Sum', 300)"
    body = json.dumps({"widgets": [{"properties": {"metrics": [[{"expression": old}]]}}]})
    # Then it names nothing the code emits
    assert _unknown(dashboard_searches(body), emitted_metrics(template)) == {("Baton", "HandoffsCreated", frozenset())}


def test_powertools_adds_the_service_dimension_to_every_metric(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """What emitted_metrics assumes about the library: both ways the code emits add `service`."""
    from aws_lambda_powertools.metrics import Metrics, MetricUnit, single_metric

    # Given a function's environment
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "baton-api")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Baton")
    # When a metric is emitted both ways
    with single_metric(name="HandoffsCreated", unit=MetricUnit.Count, value=1) as metric:
        metric.add_dimension(name="intent", value="escalate")
    metrics = Metrics()
    metrics.add_metric(name="Claims", unit=MetricUnit.Count, value=1)
    metrics.flush_metrics()
    # Then each carries the service dimension next to its own
    emitted = [json.loads(line)["_aws"]["CloudWatchMetrics"][0] for line in capsys.readouterr().out.splitlines()]
    assert [(e["Metrics"][0]["Name"], sorted(e["Dimensions"][0])) for e in emitted] == [
        ("HandoffsCreated", ["intent", "service"]),
        ("Claims", ["service"]),
    ]
