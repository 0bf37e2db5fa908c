"""Least privilege (issue 21, item 6): each function runs under a role of its own, written out in template.yaml, so SAM
attaches none of its account-wide managed policies (AWSLambdaSQSQueueExecutionRole: every queue of the account;
AWSLambdaDynamoDBExecutionRole: every table's stream; AWSXrayWriteOnlyAccess even with tracing off)."""

from __future__ import annotations

from typing import Any

import pytest

from local.template import Template
from tests.conftest import ROOT


def _template(tracing: str = "Active") -> Template:
    return Template(ROOT / "template.yaml", {"XRayTracing": tracing, "CognitoDomainPrefix": "msp-baton"})


def _present(template: Template, node: Any) -> Any:
    """`node` with each Fn::If decided and AWS::NoValue dropped, as CloudFormation deploys it."""
    if isinstance(node, list):
        return [item for item in (_present(template, value) for value in node) if item is not _NO_VALUE]
    if isinstance(node, dict):
        if set(node) == {"Fn::If"}:
            condition, when_true, when_false = node["Fn::If"]
            return _present(template, when_true if template.condition(condition) else when_false)
        if node == {"Ref": "AWS::NoValue"}:
            return _NO_VALUE
        return {key: _present(template, value) for key, value in node.items()}
    return node


_NO_VALUE = object()


def _statements(template: Template, role: str) -> list[dict[str, Any]]:
    policies = _present(template, template.resources[role]["Properties"]["Policies"])
    return [statement for policy in policies for statement in policy["PolicyDocument"]["Statement"]]


def _actions(statement: dict[str, Any]) -> list[str]:
    actions = statement["Action"]
    return actions if isinstance(actions, list) else [actions]


def _role_of(spec: dict[str, Any]) -> str:
    role = spec["Properties"]["Role"]["Fn::GetAtt"]
    return str(role[0] if isinstance(role, list) else role.split(".")[0])


@pytest.fixture(scope="module")
def template() -> Template:
    return _template()


def test_every_function_runs_under_its_own_role_so_sam_attaches_no_managed_policy(template: Template) -> None:
    functions = template.of_type("AWS::Serverless::Function")
    roles = {name: _role_of(spec) for name, spec in functions.items() if "Role" in spec["Properties"]}
    # Then SAM generates no role (it would attach its managed policies to it), and each function has a role of its own
    assert set(roles) == set(functions)
    assert len(set(roles.values())) == len(roles)
    for function, role in roles.items():
        assert template.resources[role]["Type"] == "AWS::IAM::Role", function
        assert "ManagedPolicyArns" not in template.resources[role]["Properties"], role
        assert "Policies" not in functions[function]["Properties"], f"{function}: Policies are ignored next to a Role"


def test_a_consumer_may_read_only_its_own_queue_and_the_router_only_the_one_stream(template: Template) -> None:
    functions = template.of_type("AWS::Serverless::Function")
    readers: dict[str, set[str]] = {}
    stream_readers: dict[str, list[Any]] = {}
    for name, spec in functions.items():
        for statement in _statements(template, _role_of(spec)):
            if "sqs:ReceiveMessage" in _actions(statement):
                readers.setdefault(name, set()).add(statement["Resource"]["Fn::GetAtt"][0])
            if "dynamodb:GetRecords" in _actions(statement):
                stream_readers[name] = [statement["Resource"]]
    # Then each queue consumer receives from its event source's queue and no other
    for source in template.event_sources():
        if source.kind == "SQS":
            assert readers.pop(source.function) == {source.source}, source.function
    assert readers == {}
    # And only the stream router reads a stream: the data table's
    assert stream_readers == {"StreamRouterFunction": [{"Fn::Sub": "${DataTable.Arn}/stream/*"}]}


@pytest.mark.parametrize(("tracing", "granted"), [("Active", True), ("PassThrough", False)])
def test_x_ray_rights_come_with_tracing_only(tracing: str, granted: bool) -> None:
    template = _template(tracing)
    for name, spec in template.of_type("AWS::Serverless::Function").items():
        actions = {action for statement in _statements(template, _role_of(spec)) for action in _actions(statement)}
        assert ("xray:PutTraceSegments" in actions) is granted, name


def test_no_role_grants_every_action_or_every_resource_but_x_rays(template: Template) -> None:
    for name, spec in template.of_type("AWS::IAM::Role").items():
        if "Policies" not in spec["Properties"]:
            continue
        for statement in _statements(template, name):
            assert not any(action.endswith("*") for action in _actions(statement)), name
            if statement.get("Resource") == "*":
                # X-Ray's trace actions have no resource-level permissions
                assert set(_actions(statement)) == {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}, name


def test_the_router_and_the_timers_keep_what_sams_policy_templates_gave_them(template: Template) -> None:
    router = {
        action: statement["Resource"]
        for statement in _statements(template, "StreamRouterFunctionRole")
        for action in _actions(statement)
    }
    assert router["sns:Publish"] == {"Ref": "EventsTopic"}
    assert router["sqs:SendMessage"] in ({"Fn::GetAtt": ["TimerQueue", "Arn"]}, {"Fn::GetAtt": ["StreamFailures", "Arn"]})
    sends = {
        statement["Resource"]["Fn::GetAtt"][0]
        for role in ("StreamRouterFunctionRole", "TimerFunctionRole")
        for statement in _statements(template, role)
        if "sqs:SendMessage" in _actions(statement)
    }
    assert sends == {"TimerQueue", "StreamFailures"}
