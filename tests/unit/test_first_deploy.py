"""A first deploy that cannot half-fail: what a rollback deletes, what comes first, the account logging role set with
retries, and the parameter rules and patterns that refuse a deploy before anything is made (issue 21, item 1)."""

from __future__ import annotations

import re
import sys
import types
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from local.template import Template
from tests.conftest import ROOT

ALL_OPTIONAL = {"HostConsole": "true", "AlarmEmail": "ops@msp.example", "CognitoDomainPrefix": "msp-baton"}


@pytest.fixture(scope="module")
def template() -> Template:
    return Template(ROOT / "template.yaml", ALL_OPTIONAL)


def test_a_first_deploy_that_rolls_back_deletes_what_it_made_and_later_deletes_keep_it(template: Template) -> None:
    # Given every resource the template keeps when the stack is deleted
    kept = {name: spec for name, spec in template.resources.items() if spec.get("DeletionPolicy", "Delete") != "Delete"}
    assert {"DataTable", "UserPool", "ApiGatewayLoggingRole", "ApiGatewayLoggingSetting"} <= set(kept)
    # Then each is deleted by the rollback of the deploy that created it (empty, unused), and kept on replacement
    for name, spec in kept.items():
        assert spec["DeletionPolicy"] == "RetainExceptOnCreate", name
        assert spec["UpdateReplacePolicy"] == "Retain", name  # RetainExceptOnCreate is a DeletionPolicy value only


def _references(node: Any) -> Iterator[str]:
    """Logical ids a resource's properties, metadata or DependsOn point at."""
    if isinstance(node, list):
        for item in node:
            yield from _references(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                yield value
            elif key == "Fn::GetAtt":
                yield value[0] if isinstance(value, list) else str(value).split(".", 1)[0]
            elif key == "Fn::Sub":
                text = value if isinstance(value, str) else value[0]
                yield from (name.split(".", 1)[0] for name in re.findall(r"\$\{([^}!]+)\}", text))
                if not isinstance(value, str):
                    yield from _references(value[1])
            else:
                yield from _references(value)


def _needs(template: Template, start: str) -> set[str]:
    """Every resource `start` waits for, directly or through others (what CloudFormation makes before it)."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        spec = template.resources[todo.pop()]
        depends = spec.get("DependsOn", [])
        for name in [*_references(spec), *([depends] if isinstance(depends, str) else depends)]:
            if name in template.resources and name not in seen:
                seen.add(name)
                todo.append(name)
    return seen


def test_the_user_pool_is_made_after_what_a_first_deploy_may_fail_on(template: Template) -> None:
    """Its deletion protection stops a rollback from deleting it: a failure before it leaves nothing behind."""
    # Given what the pool waits for
    before_the_pool = _needs(template, "UserPool")
    # Then that includes the console's distribution (refused in an unverified account) and the WebSocket stage (which
    # needs the account's logging role, set through the retrying custom resource)
    assert {"ConsoleDistribution", "WsStage", "ApiGatewayLoggingSetting"} <= before_the_pool
    # And the pool's protection is still on (a deleted pool orphans every user record)
    assert template.resources["UserPool"]["Properties"]["DeletionProtection"] == "ACTIVE"


def test_the_account_logging_role_is_not_set_by_a_resource_that_tries_once(template: Template) -> None:
    # AWS::ApiGateway::Account fails the stack when IAM has not propagated the new role yet
    assert not template.of_type("AWS::ApiGateway::Account")
    setting = template.resources["ApiGatewayLoggingSetting"]
    assert setting["Type"].startswith("Custom::")
    assert setting["Properties"]["ServiceToken"] == {"Fn::GetAtt": ["ApiGatewayLoggingSetterFunction", "Arn"]}
    assert template.resources["ApiGatewayLoggingReady"]["Metadata"]["account"]["Fn::If"][1] == {"Ref": "ApiGatewayLoggingSetting"}


class _Responses:
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send(self, event: Any, context: Any, status: str, data: Any, physical_id: str, reason: str | None = None) -> None:
        self.sent.append({"status": status, "physical_id": physical_id, "reason": reason})


@pytest.fixture
def setter(template: Template, monkeypatch: pytest.MonkeyPatch) -> tuple[types.ModuleType, _Responses]:
    """The custom resource's inline code, run as Lambda runs it, with CloudFormation's cfnresponse recorded."""
    responses = _Responses()
    fake = types.ModuleType("cfnresponse")
    fake.SUCCESS, fake.FAILED, fake.send = responses.SUCCESS, responses.FAILED, responses.send  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "cfnresponse", fake)
    module = types.ModuleType("index")
    code = template.resources["ApiGatewayLoggingSetterFunction"]["Properties"]["Code"]["ZipFile"]
    exec(compile(code, "template.yaml:ApiGatewayLoggingSetterFunction", "exec"), module.__dict__)
    return module, responses


ROLE = "arn:aws:iam::123456789012:role/baton-ApiGatewayLoggingRole-1"
UPDATE = {"patchOperations": [{"op": "replace", "path": "/cloudwatchRoleArn", "value": ROLE}]}
NOT_YET = "The role ARN does not have required permissions set to API Gateway"


def test_the_setter_retries_while_api_gateway_cannot_assume_the_new_role(setter: tuple[types.ModuleType, _Responses]) -> None:
    module, _ = setter
    # Given API Gateway refusing the role twice (IAM has not propagated it), then taking it
    # (botocore Stubber: moto's API Gateway does not model the propagation delay)
    apigateway = boto3.client("apigateway", region_name="us-east-1")
    with Stubber(apigateway) as stub:
        for _ in range(2):
            stub.add_client_error("update_account", "BadRequestException", NOT_YET, 400, expected_params=UPDATE)
        stub.add_response("update_account", {"cloudwatchRoleArn": ROLE}, UPDATE)
        pauses: list[float] = []
        # When the setter runs
        attempts = module.set_logging_role(ROLE, apigateway, sleep=pauses.append)
        # Then it set the role on the third attempt, 10 s apart
        assert attempts == 3 and pauses == [10, 10]
        stub.assert_no_pending_responses()


def test_the_setter_reports_failure_to_cloudformation_after_its_last_attempt(
    setter: tuple[types.ModuleType, _Responses], monkeypatch: pytest.MonkeyPatch
) -> None:
    module, responses = setter
    apigateway = boto3.client("apigateway", region_name="us-east-1")
    monkeypatch.setattr(module.boto3, "client", lambda name: apigateway)
    monkeypatch.setattr(module.time, "sleep", lambda seconds: None)
    event = {"RequestType": "Create", "ResourceProperties": {"CloudWatchRoleArn": ROLE}}
    with Stubber(apigateway) as stub:
        for _ in range(module.ATTEMPTS):
            stub.add_client_error("update_account", "BadRequestException", NOT_YET, 400, expected_params=UPDATE)
        # When every attempt is refused
        module.handler(event, None)
    # Then CloudFormation hears FAILED with the reason (not a custom resource that hangs for an hour)
    (sent,) = responses.sent
    assert sent["status"] == "FAILED" and NOT_YET in str(sent["reason"])


def test_the_setter_leaves_the_account_setting_on_delete(
    setter: tuple[types.ModuleType, _Responses], monkeypatch: pytest.MonkeyPatch
) -> None:
    module, responses = setter
    apigateway = boto3.client("apigateway", region_name="us-east-1")
    monkeypatch.setattr(module.boto3, "client", lambda name: apigateway)
    with Stubber(apigateway):  # no call expected: any would fail the stubber
        module.handler({"RequestType": "Delete", "ResourceProperties": {"CloudWatchRoleArn": ROLE}}, None)
    assert [sent["status"] for sent in responses.sent] == ["SUCCESS"]


# --- Rules and AllowedPatterns -------------------------------------------------------------------------------------
def _evaluate(node: Any, values: dict[str, str]) -> Any:
    """The rule functions the template uses (Fn::Equals, Fn::Not, Fn::And, Fn::Or, Ref), as CloudFormation reads them."""
    if isinstance(node, dict) and len(node) == 1:
        ((fn, arg),) = node.items()
        if fn == "Ref":
            return values[arg]
        if fn == "Fn::Equals":
            return str(_evaluate(arg[0], values)) == str(_evaluate(arg[1], values))
        if fn == "Fn::Not":
            return not _evaluate(arg[0], values)
        if fn == "Fn::And":
            return all(_evaluate(part, values) for part in arg)
        if fn == "Fn::Or":
            return any(_evaluate(part, values) for part in arg)
        raise AssertionError(f"a rule function this test does not read: {fn}")
    return node


def refusals(overrides: dict[str, str]) -> set[str]:
    """The Rules and AllowedPatterns that refuse these parameters before CloudFormation makes anything."""
    template = Template(ROOT / "template.yaml")
    values = template.parameters | overrides
    refused = set()
    for name, spec in template.doc["Parameters"].items():
        pattern = spec.get("AllowedPattern")
        if pattern and not re.fullmatch(pattern, values[name]):
            refused.add(name)
    for name, rule in template.doc.get("Rules", {}).items():
        if "RuleCondition" in rule and not _evaluate(rule["RuleCondition"], values):
            continue
        if not all(_evaluate(assertion["Assert"], values) for assertion in rule["Assertions"]):
            refused.add(name)
    return refused


DEPLOYABLE = {"SenderEmail": "baton@msp.example", "CognitoDomainPrefix": "msp-baton-pilot"}


@pytest.mark.parametrize(
    ("overrides", "refused_by"),
    [
        ({}, set()),
        ({"HostConsole": "true", "AlarmEmail": "oncall@msp.example"}, set()),
        ({"JwtIssuer": "https://login.microsoftonline.com/t/v2.0", "JwtAudience": "api", "CognitoDomainPrefix": ""}, set()),
        ({"ConsoleOrigin": "https://console.msp.example"}, set()),
        # the stack's pool without a hosted UI: it deploys, and nobody can sign in or accept an invitation
        ({"CognitoDomainPrefix": ""}, {"TheStacksPoolHasAHostedUi"}),
        # an issuer without an audience: the JWT authorizer refuses every token
        ({"JwtIssuer": "https://msp.okta.com/oauth2/default", "JwtAudience": ""}, {"AnIssuerHasAnAudience"}),
        ({"JwtIssuer": "http://msp.okta.com/oauth2/default", "JwtAudience": "api"}, {"JwtIssuer"}),
        # Cognito refuses these prefixes when it makes the domain, after the pool exists
        ({"CognitoDomainPrefix": "MSP_Baton"}, {"CognitoDomainPrefix"}),
        ({"CognitoDomainPrefix": "-baton"}, {"CognitoDomainPrefix"}),
        ({"CognitoDomainPrefix": "msp-aws-baton"}, {"CognitoDomainPrefix"}),
        ({"CognitoDomainPrefix": "b" * 64}, {"CognitoDomainPrefix"}),
        # CORS compares origins exactly; Cognito takes an http callback only on localhost
        ({"ConsoleOrigin": "https://console.msp.example/"}, {"ConsoleOrigin"}),
        ({"ConsoleOrigin": "http://console.msp.example"}, {"ConsoleOrigin"}),
        # SNS refuses the subscription mid-stack
        ({"AlarmEmail": "oncall"}, {"AlarmEmail"}),
        ({"SenderEmail": "baton@local.test"}, {"SenderEmailIsSet"}),
    ],
)
def test_a_combination_that_would_fail_mid_stack_or_leave_it_unusable_is_refused_first(
    overrides: dict[str, str], refused_by: set[str]
) -> None:
    assert refusals(DEPLOYABLE | overrides) == refused_by
