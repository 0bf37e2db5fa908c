"""template.yaml conventions that no linter checks (cf. STYLE.md §6)."""

from __future__ import annotations

from typing import Any

import pytest

from local.template import Template
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def template() -> Template:
    return Template(ROOT / "template.yaml")


def _functions(template: Template) -> dict[str, dict[str, Any]]:
    return template.of_type("AWS::Serverless::Function")


def test_every_event_source_reports_partial_batch_failures(template: Template) -> None:
    sources = template.event_sources()
    assert sources
    assert all(source.report_batch_item_failures for source in sources)


def test_every_stream_mapping_bounds_retries_and_age_and_has_an_on_failure_destination(template: Template) -> None:
    streams = [source for source in template.event_sources() if source.kind == "DynamoDB"]
    assert streams
    for source in streams:
        assert 0 <= source.maximum_retry_attempts <= 10, source.function
        assert 0 < source.maximum_record_age_seconds <= 6 * 3600, source.function
        assert source.bisect_on_error and source.on_failure_queue, source.function
        assert source.filters, f"{source.function} would be invoked for every item of the table"


def test_every_consumed_queue_has_a_dlq_and_a_visibility_timeout_of_six_times_its_consumer(template: Template) -> None:
    functions = template.functions()
    queues = template.queues()
    for source in (s for s in template.event_sources() if s.kind == "SQS"):
        queue = queues[source.source]
        assert queue["RedrivePolicy"]["maxReceiveCount"] >= 1
        assert int(queue["VisibilityTimeout"]) >= 6 * functions[source.function].timeout, source.source


def test_every_function_logs_to_its_own_group_with_retention(template: Template) -> None:
    groups = template.of_type("AWS::Logs::LogGroup")
    for name, spec in _functions(template).items():
        group = spec["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        assert "RetentionInDays" in groups[group]["Properties"], name


def test_no_policy_grants_every_action_or_resource(template: Template) -> None:
    for name, spec in _functions(template).items():
        for policy in spec["Properties"].get("Policies", []):
            for statement in policy.get("Statement", []) if isinstance(policy, dict) else []:
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                assert not any(action.endswith("*") for action in actions), name
                assert statement.get("Resource") != "*", name


def test_every_table_encrypts_and_the_data_table_streams_both_images(template: Template) -> None:
    tables = template.tables()
    assert all(table["SSESpecification"]["SSEEnabled"] for table in tables.values())
    assert tables["DataTable"]["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert tables["DataTable"]["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"]


@pytest.mark.parametrize(("tracing", "disabled"), [("Active", "false"), ("PassThrough", "true")])
def test_xray_tracing_parameter_sets_lambda_tracing_and_powertools_alike(tracing: str, disabled: str) -> None:
    # Given the template deployed with XRayTracing set
    template = Template(ROOT / "template.yaml", parameters={"XRayTracing": tracing})
    # When the functions' configuration is resolved
    functions = template.functions()
    # Then every function's Tracer agrees with Lambda's tracing mode (no X-Ray SDK import when off)
    assert template.doc["Globals"]["Function"]["Tracing"] == {"Ref": "XRayTracing"}
    assert {spec.environment["POWERTOOLS_TRACE_DISABLED"] for spec in functions.values()} == {disabled}
