"""The HTTP API's routes (issue 21): one OpenAPI document in template.yaml (the HttpApi's DefinitionBody) lists them
for AWS and `make dev` alike, and each function the API invokes has one Lambda permission for the whole API.

SAM would add one `AWS::Lambda::Permission` per `HttpApi` event (aws/serverless-application-model#337), each a
statement of the function's resource policy, which Lambda caps at 20 KB. The tests read the template as SAM translates
it (tests/unit/sam_transform.py), the form CloudFormation deploys.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from local.template import Template
from tests.conftest import ROOT
from tests.unit.sam_transform import transformed
from tools.render_template import rendered

# Lambda's quota for a function's resource-based policy (docs: Lambda quotas, "Function resource-based policy").
POLICY_LIMIT_BYTES = 20 * 1024
# The operations anyone may call: the API's own OpenAPI document, and providers' calls (verified by the connector).
OPEN = {("GET", "/api/v1/openapi.json"), ("POST", "/hooks/{name}/{account_id}")}
# A deployment as CloudFormation names it (the runbook's pilot; the region one of the shorter names).
STACK, REGION, ACCOUNT, API_ID = "baton-pilot", "eu-west-1", "123456789012", "a1b2c3d4e5"
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "options", "head")


@pytest.fixture(scope="module", params=["true", "false"], ids=["snapstart", "no-snapstart"])
def deployed(request: pytest.FixtureRequest) -> dict[str, Any]:
    return transformed({"SnapStart": request.param})["Resources"]


def _operations(body: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method.upper(), path): operation
        for path, item in body["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    }


def _integration(body: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any]:
    integration = operation["x-amazon-apigateway-integration"]
    if "$ref" not in integration:
        return dict(integration)
    name = integration["$ref"].removeprefix("#/components/x-amazon-apigateway-integrations/")
    return dict(body["components"]["x-amazon-apigateway-integrations"][name])


def _api_permissions(resources: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        spec["Properties"]
        for spec in resources.values()
        if spec["Type"] == "AWS::Lambda::Permission"
        and spec["Properties"]["Principal"] == "apigateway.amazonaws.com"
        and "HttpApi" in json.dumps(spec["Properties"]["SourceArn"])
    ]


def test_no_function_declares_an_http_api_event() -> None:
    # Given template.yaml with its loops written out
    document = rendered((ROOT / "template.yaml").read_text(), {})
    # Then no route is an event of a function (each would bring SAM's own permission): the API's document lists them
    for name, spec in document["Resources"].items():
        if spec["Type"] == "AWS::Serverless::Function":
            events = spec["Properties"].get("Events", {})
            assert not [event for event in events.values() if event["Type"] == "HttpApi"], name


def test_each_function_the_http_api_invokes_has_one_permission_for_the_whole_api(deployed: dict[str, Any]) -> None:
    # Given the deployed template (SnapStart on or off)
    permissions = _api_permissions(deployed)
    # Then the API function (through its `live` alias, the version SnapStart snapshots) and the hooks function each
    # have exactly one permission, for every route and stage of the HTTP API
    by_function = sorted(json.dumps(permission["FunctionName"], sort_keys=True) for permission in permissions)
    assert by_function == sorted(
        [json.dumps({"Ref": "ApiFunctionAliaslive"}), json.dumps({"Fn::GetAtt": ["HooksFunction", "Arn"]})]
    )
    for permission in permissions:
        assert permission["Action"] == "lambda:InvokeFunction"
        assert permission["SourceArn"] == {
            "Fn::Sub": "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${HttpApi}/*"
        }
    # And the routes invoke what the permissions name: the alias, and the hooks function
    body = deployed["HttpApi"]["Properties"]["Body"]
    uris = {json.dumps(_integration(body, operation)["uri"]) for operation in _operations(body).values()}
    assert len(uris) == 2
    assert any('{"Ref": "ApiFunctionAliaslive"}' in uri for uri in uris)
    assert any("${HooksFunction.Arn}" in uri for uri in uris)


def _physical(value: Any) -> str:
    """A resolved name or ARN as it would be in the deployment above (CloudFormation's generated names)."""
    if isinstance(value, str):
        return value
    ((function, argument),) = value.items()
    if function == "Ref" and argument.endswith("Aliaslive"):
        return _physical({"Fn::GetAtt": [argument.removesuffix("Aliaslive"), "Arn"]}) + ":live"
    pseudo = {"HttpApi": API_ID, "AWS::Partition": "aws", "AWS::Region": REGION, "AWS::AccountId": ACCOUNT}
    if function == "Ref" and argument in pseudo:
        return pseudo[argument]
    if function == "Ref":  # a function's name: its policy's statements name it by ARN
        return _physical({"Fn::GetAtt": [argument, "Arn"]})
    if function == "Fn::GetAtt":
        return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{STACK}-{argument[0]}-A1B2C3D4E5F6"
    if function == "Fn::Sub":
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        return re.sub(
            r"\$\{([^}]+)\}",
            lambda found: _physical(variables[found.group(1)] if found.group(1) in variables else {"Ref": found.group(1)}),
            text,
        )
    raise ValueError(value)


def policy_sizes(resources: dict[str, Any]) -> dict[str, int]:
    """Each function's resource-based policy, in bytes, as Lambda keeps it (compact JSON; CloudFormation names each
    statement `<stack>-<permission's logical id>-<suffix>`), from the permissions of the deployed template."""
    statements: dict[str, list[dict[str, Any]]] = {}
    for name, spec in resources.items():
        if spec["Type"] != "AWS::Lambda::Permission" or spec["Properties"]["Principal"] != "apigateway.amazonaws.com":
            continue
        properties = spec["Properties"]
        function = _physical(properties["FunctionName"])
        statements.setdefault(function, []).append(
            {
                "Sid": f"{STACK}-{name}-1A2B3C4D5E6F",
                "Effect": "Allow",
                "Principal": {"Service": "apigateway.amazonaws.com"},
                "Action": "lambda:InvokeFunction",
                "Resource": function,
                "Condition": {"ArnLike": {"AWS:SourceArn": _physical(properties["SourceArn"])}},
            }
        )
    return {
        function: len(json.dumps({"Version": "2012-10-17", "Id": "default", "Statement": listed}, separators=(",", ":")))
        for function, listed in statements.items()
    }


def _with_a_route_event_each(document: dict[str, Any]) -> dict[str, Any]:
    """The same routes the way the template wrote them before: one `HttpApi` event per route on its function."""
    routes = Template(ROOT / "template.yaml").http_routes()
    api = document["Resources"]["HttpApi"]["Properties"]
    del api["DefinitionBody"]
    for permission in ("ApiFunctionInvoke", "HooksFunctionInvoke"):
        del document["Resources"][permission]
    for number, route in enumerate(routes):
        event: dict[str, Any] = {"ApiId": {"Ref": "HttpApi"}, "Path": route.path, "Method": route.method}
        if not route.authorized:
            event["Auth"] = {"Authorizer": "NONE"}
        function = document["Resources"][route.function]["Properties"]
        function.setdefault("Events", {})[f"Route{number}"] = {"Type": "HttpApi", "Properties": event}
    return document


@pytest.fixture(scope="module")
def per_route() -> dict[str, int]:
    document = _with_a_route_event_each(rendered((ROOT / "template.yaml").read_text(), {}))
    return policy_sizes(transformed({}, document)["Resources"])


def test_the_api_functions_resource_policy_stays_far_below_lambdas_limit_however_many_routes_come(
    deployed: dict[str, Any],
) -> None:
    # Given the deployed template
    sizes = policy_sizes(deployed)
    api_function = next(name for name in sizes if ":function:baton-pilot-ApiFunction-" in name)
    # Then one statement of ~400 bytes stands for all of its routes (one per route, before: 20,689 bytes)
    assert sizes[api_function] < 600, sizes
    assert max(sizes.values()) < POLICY_LIMIT_BYTES / 10, sizes


def test_one_permission_per_route_would_not_fit(per_route: dict[str, int]) -> None:
    # Given the same routes written as one event each, as the template did before issue 21
    api_function = next(name for name in per_route if ":function:baton-pilot-ApiFunction-" in name)
    routes = sum(route.function == "ApiFunction" for route in Template(ROOT / "template.yaml").http_routes())
    # Then their statements fill the 20 KB: 51 routes, 20,294 bytes with these events' short names; with the event names
    # of the template before the change, 20,689: over the limit, so a first deploy failed at the 51st permission
    assert per_route[api_function] > POLICY_LIMIT_BYTES * 0.95, (routes, per_route[api_function])


def test_every_route_is_deployed_with_the_jwt_authorizer_and_its_scope_but_the_open_ones(deployed: dict[str, Any]) -> None:
    # Given the deployed API's document
    body = deployed["HttpApi"]["Properties"]["Body"]
    scope = [{"Fn::If": ["ChecksJwtScope", {"Ref": "JwtRequiredScope"}, {"Ref": "AWS::NoValue"}]}]
    # Then every operation requires the authorizer with the scope (when the issuer issues one), but the open ones
    for key, operation in _operations(body).items():
        expected = [{"NONE": []}] if key in OPEN else [{"OidcAuthorizer": scope}]
        assert operation["security"] == expected, key
    assert body["components"]["securitySchemes"]["OidcAuthorizer"]["type"] == "oauth2"
    # And `make dev` serves exactly these routes, each with the function and the authorization AWS would give it
    local = {
        (route.method, route.path): (route.function, route.authorized) for route in Template(ROOT / "template.yaml").http_routes()
    }
    deployed_routes = {
        key: ("HooksFunction" if "HooksFunction" in json.dumps(_integration(body, operation)) else "ApiFunction", key not in OPEN)
        for key, operation in _operations(body).items()
    }
    assert local == deployed_routes


def test_api_gateway_answers_the_cors_preflight_of_every_path(deployed: dict[str, Any]) -> None:
    # Given the deployed API's document
    body = deployed["HttpApi"]["Properties"]["Body"]
    cors = body["x-amazon-apigateway-cors"]
    # Then its CORS configuration is the template's
    assert cors["allowHeaders"] == ["authorization", "content-type", "idempotency-key"]
    assert cors["exposeHeaders"] == ["x-next-cursor"] and cors["maxAge"] == 600
    assert set(cors["allowMethods"]) == {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
    # And no route takes OPTIONS (an OPTIONS or ANY route would send the preflight through the JWT authorizer)
    methods = {method for item in body["paths"].values() for method in item}
    assert not methods & {"options", "x-amazon-apigateway-any-method"}, methods


def test_the_stage_keeps_the_route_throttles_and_the_access_log(deployed: dict[str, Any]) -> None:
    # Given the deployed HTTP API's stage
    (stage,) = (
        spec["Properties"]
        for spec in deployed.values()
        if spec["Type"] == "AWS::ApiGatewayV2::Stage" and spec["Properties"]["ApiId"] == {"Ref": "HttpApi"}
    )
    body = deployed["HttpApi"]["Properties"]["Body"]
    # Then each route limit names a route of the document, the others share the default, and requests are logged
    assert stage["RouteSettings"] and set(stage["RouteSettings"]) <= {f"{m} {p}" for m, p in _operations(body)}
    assert stage["DefaultRouteSettings"] == {
        "ThrottlingBurstLimit": {"Ref": "ThrottleBurst"},
        "ThrottlingRateLimit": {"Ref": "ThrottleRate"},
    }
    assert stage["AccessLogSettings"]["DestinationArn"] == {"Fn::GetAtt": ["HttpApiAccessLogs", "Arn"]}
    assert stage["AutoDeploy"] is True
