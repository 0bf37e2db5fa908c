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


def _alarmed_queues(template: Template) -> set[str]:
    alarms = template.of_type("AWS::CloudWatch::Alarm").values()
    return {
        dimension["Value"]["Fn::GetAtt"][0]
        for alarm in alarms
        if alarm["Properties"].get("Namespace") == "AWS/SQS"
        for dimension in alarm["Properties"].get("Dimensions", [])
        if dimension["Name"] == "QueueName"
    }


def test_every_queue_has_an_alarm_and_every_dead_letter_queue_alarms_on_its_first_message(template: Template) -> None:
    # Given every queue of the template, and which of them are dead-letter queues or on-failure destinations
    queues = set(template.of_type("AWS::SQS::Queue"))
    dead_letters = {
        spec["RedrivePolicy"]["deadLetterTargetArn"].rsplit(":", 1)[-1]
        for spec in template.queues().values()
        if "RedrivePolicy" in spec
    }
    dead_letters |= {source.on_failure_queue for source in template.event_sources() if source.on_failure_queue}
    # Then each queue has an alarm on the alarm topic
    assert queues == _alarmed_queues(template)
    for alarm in template.of_type("AWS::CloudWatch::Alarm").values():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    # And a dead-letter queue alarms as soon as one message is in it
    for name, alarm in template.of_type("AWS::CloudWatch::Alarm").items():
        props = alarm["Properties"]
        queue = next((d["Value"]["Fn::GetAtt"][0] for d in props.get("Dimensions", []) if d["Name"] == "QueueName"), None)
        if queue in dead_letters:
            assert props["MetricName"] == "ApproximateNumberOfMessagesVisible" and props["Threshold"] == 0, name


def test_every_function_alarms_on_errors_and_throttles(template: Template) -> None:
    # An alarm reads one metric, or several through metric math (e.g. a function's errors less the refusals it counts)
    metrics = [
        query["MetricStat"]["Metric"] if "MetricStat" in query else query
        for alarm in template.of_type("AWS::CloudWatch::Alarm").values()
        for query in alarm["Properties"].get("Metrics", [alarm["Properties"]])
    ]
    watched = {
        (metric["MetricName"], metric["Dimensions"][0]["Value"]["Ref"])
        for metric in metrics
        if metric.get("Namespace") == "AWS/Lambda" and metric.get("Dimensions")  # (not the account's concurrency)
    }
    for function in _functions(template):
        assert {("Errors", function), ("Throttles", function)} <= watched, function


def test_every_sns_subscription_to_a_queue_has_a_dead_letter_queue(template: Template) -> None:
    for name, spec in template.of_type("AWS::SNS::Subscription").items():
        if spec["Properties"]["Protocol"] == "sqs":
            assert spec["Properties"]["RedrivePolicy"]["deadLetterTargetArn"], name


def _stage_tag(tags: Any) -> Any:
    if isinstance(tags, list):
        return next((tag["Value"] for tag in tags if tag["Key"] == "stage"), None)
    return (tags or {}).get("stage")


def test_every_taggable_resource_carries_the_stage_tag() -> None:
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    # Given the template with every optional resource present (console, alarm email, Cognito pool and its UI)
    template = Template(
        ROOT / "template.yaml", {"HostConsole": "true", "AlarmEmail": "ops@msp.example", "CognitoDomainPrefix": "x"}
    )
    functions_tags = template.doc["Globals"]["Function"]["Tags"]
    assert _stage_tag(functions_tags) == {"Ref": "Stage"}
    # Then every resource whose type takes tags (per CloudFormation's schema) has stage = the Stage parameter
    for name, spec in template.resources.items():
        kind = spec["Type"]
        if kind == "AWS::Serverless::Function":
            continue  # Globals.Function.Tags, checked above
        if kind == "AWS::Serverless::HttpApi":
            assert _stage_tag(spec["Properties"].get("Tags")) == {"Ref": "Stage"}, name
            continue
        if kind.startswith("AWS::Serverless::"):
            continue
        tagging = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", kind).schema.get("tagging", {})
        if tagging.get("taggable") and "tagProperty" in tagging:
            tag_property = tagging["tagProperty"].rsplit("/", 1)[-1]
            assert _stage_tag(spec["Properties"].get(tag_property)) == {"Ref": "Stage"}, name


def test_the_websocket_stage_redeploys_when_its_routes_change(template: Template) -> None:
    # A stage pinned to a Deployment resource keeps serving the routes of the day it was created.
    (stage,) = template.of_type("AWS::ApiGatewayV2::Stage").values()
    assert stage["Properties"]["AutoDeploy"] is True
    assert "DeploymentId" not in stage["Properties"]
    assert not template.of_type("AWS::ApiGatewayV2::Deployment")
    routes = set(template.of_type("AWS::ApiGatewayV2::Route"))
    assert routes <= set(stage["DependsOn"])


def test_the_websocket_stage_waits_for_the_account_logging_role(template: Template) -> None:
    (stage,) = template.of_type("AWS::ApiGatewayV2::Stage").values()
    assert "AccessLogSettings" in stage["Properties"]
    assert "ApiGatewayLoggingReady" in stage["DependsOn"]
    handle = template.resources["ApiGatewayLoggingReady"]
    assert handle["Metadata"]["account"]["Fn::If"][1] == {"Ref": "ApiGatewayLoggingSetting"}


def test_the_user_pool_is_protected_from_deletion_and_replacement(template: Template) -> None:
    pool = template.resources["UserPool"]
    # Kept on delete and replacement; deleted only when the deploy that created it rolls back (issue 21)
    assert (pool["DeletionPolicy"], pool["UpdateReplacePolicy"]) == ("RetainExceptOnCreate", "Retain")
    assert pool["Properties"]["DeletionProtection"] == "ACTIVE"


def test_the_sender_has_no_deployable_default() -> None:
    # Given the template's SenderEmail parameter and its rules
    template = Template(ROOT / "template.yaml")
    default = template.doc["Parameters"]["SenderEmail"]["Default"]
    (assertion,) = template.doc["Rules"]["SenderEmailIsSet"]["Assertions"]
    # Then a deploy that keeps the local runtime's default is refused by CloudFormation, with the parameter named
    assert assertion["Assert"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "SenderEmail"}, default]}]}
    assert "SenderEmail" in assertion["AssertDescription"]


def test_no_ttl_is_declared_on_an_attribute_nothing_writes(template: Template) -> None:
    # The data table keeps everything (handoffs and their timeline are the audit trail); the other tables expire items.
    tables = template.tables()
    assert "TimeToLiveSpecification" not in tables["DataTable"]
    assert tables["ConnectionsTable"]["TimeToLiveSpecification"]["AttributeName"] == "expires_at"


def test_the_hosted_console_sets_cors_and_the_cognito_callback_from_its_own_distribution() -> None:
    # Given the template with the console hosted in the stack
    template = Template(ROOT / "template.yaml", {"HostConsole": "true"})
    distribution_domain = template.get_att("ConsoleDistribution", "DomainName")
    # Then CORS, the Cognito callback and the console URL in emails are the distribution's own origin
    assert template.http_api()["CorsConfiguration"]["AllowOrigins"] == [f"https://{distribution_domain}"]
    client = template.resolve(template.resources["UserPoolClient"]["Properties"])
    assert client["CallbackURLs"] == [f"https://{distribution_domain}/"]
    assert {spec.environment["CONSOLE_URL"] for spec in template.functions().values()} == {f"https://{distribution_domain}"}


def _csp(template: Template) -> str:
    headers = template.resolve(template.resources["ConsoleSecurityHeaders"]["Properties"])
    return str(headers["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"])


def _connect_src(csp: str) -> list[str]:
    (directive,) = [d.split() for d in csp.split(";") if d.split()[:1] == ["connect-src"]]
    return directive[1:]


@pytest.mark.parametrize(
    ("issuer", "origin"),
    [
        ("https://login.microsoftonline.com/tenant-1/v2.0", "https://login.microsoftonline.com"),
        ("https://msp.okta.com/oauth2/default", "https://msp.okta.com"),
        ("https://msp.eu.auth0.com/", "https://msp.eu.auth0.com"),
    ],
)
def test_the_hosted_console_may_reach_an_external_issuer_and_publish_console_gets_its_client(issuer: str, origin: str) -> None:
    # Given the console hosted in a stack that trusts an external issuer, with the console's client there
    parameters = {"HostConsole": "true", "JwtIssuer": issuer, "JwtAudience": "api", "ConsoleClientId": "spa-client"}
    template = Template(ROOT / "template.yaml", parameters)
    # Then the browser may fetch the issuer's discovery and token endpoints (its origin), and no Cognito domain
    sources = _connect_src(_csp(template))
    assert origin in sources and not any("amazoncognito" in source for source in sources)
    # And the stack's outputs carry what config.json's oidc block needs
    outputs = {name: spec for name, spec in template.doc["Outputs"].items() if template._present(spec)}
    assert {"JwtIssuerUrl", "ConsoleOidcClientId", "ConsoleOidcScopes"} <= set(outputs)
    assert "ConsoleOidcAudience" not in outputs
    assert template.resolve(outputs["JwtIssuerUrl"]["Value"]) == issuer


def test_the_hosted_console_on_the_stacks_pool_may_reach_only_cognitos_hosted_ui() -> None:
    template = Template(ROOT / "template.yaml", {"HostConsole": "true", "CognitoDomainPrefix": "msp"})
    sources = _connect_src(_csp(template))
    assert [s for s in sources if not s.startswith(("'self'", "https://*.execute-api", "wss://*.execute-api"))] == [
        "https://*.auth.us-east-1.amazoncognito.com"
    ]


def test_every_deploy_environment_tags_the_stack_with_its_stage() -> None:
    """What SAM generates (event source mappings) takes no tags from the functions (PropagateTags does not reach
    them in SAM 1.115): CloudFormation's stack tags do, so each environment of samconfig.toml sets them."""
    import tomllib

    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    environments = {name: spec["deploy"]["parameters"] for name, spec in config.items() if name != "version" and "deploy" in spec}
    assert set(environments) == {"default", "pilot"}
    for name, deploy in environments.items():
        overrides = dict(pair.split("=", 1) for pair in deploy["parameter_overrides"].split())
        tags = dict(pair.split("=", 1) for pair in deploy["tags"].split())
        assert tags["stage"] == overrides["Stage"], name
