"""Read template.yaml as the local runtime needs it: intrinsics resolved to local names.

Everything the runtime creates or runs (tables, functions, routes, environments) comes
from here, so the template is the single source of truth for local and cloud alike.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cfnlint.decode.cfn_yaml import loads

from local import language_extensions

REGION = "us-east-1"
ACCOUNT = "123456789012"
_SUB_VARIABLE = re.compile(r"\$\{([^}!]+)\}")
_HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_NO_VALUE = object()  # `Ref: AWS::NoValue`: the list item or property is left out, as CloudFormation does


@dataclass(frozen=True)
class HttpRoute:
    method: str
    path: str
    function: str
    authorized: bool


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    code_dir: Path
    handler: str
    timeout: int
    memory: int
    environment: dict[str, str]
    layer_dirs: list[Path] = field(default_factory=list)
    layers: list[str] = field(default_factory=list)  # the layers' logical ids, in layer_dirs' order
    snap_start: bool = False  # SnapStart.ApplyOn is PublishedVersions: the runtime runs the SnapStart hooks


@dataclass(frozen=True)
class EventSourceSpec:
    """An event source mapping (DynamoDB stream or SQS queue) as the template declares it."""

    function: str
    kind: str  # "DynamoDB" or "SQS"
    source: str  # logical id of the table or queue
    batch_size: int
    batching_window_seconds: int
    filters: list[dict[str, Any]]
    report_batch_item_failures: bool
    maximum_retry_attempts: int = -1
    maximum_record_age_seconds: int = -1
    bisect_on_error: bool = False
    on_failure_queue: str | None = None  # logical id of the on-failure SQS destination


@dataclass(frozen=True)
class WebSocketSpec:
    route_functions: dict[str, str]  # route key -> function logical id
    authorizer_function: str | None
    identity_query_parameters: list[str]


@dataclass(frozen=True)
class JwtAuthorizerSpec:
    issuer: str
    audience: list[str]


class Template:
    """template.yaml as CloudFormation sees it (its Fn::ForEach loops written out), under `parameters`.

    `text` reads another version of the file as if it were at `path` (its CodeUri folders are `path`'s neighbours).
    """

    def __init__(self, path: Path, parameters: dict[str, str] | None = None, *, text: str | None = None) -> None:
        self.path = path
        self.root = path.parent
        source: dict[str, Any] = loads(path.read_text() if text is None else text)
        self.parameters = {name: str(spec.get("Default", "")) for name, spec in source.get("Parameters", {}).items()} | (
            parameters or {}
        )
        self.doc: dict[str, Any] = language_extensions.expand(source, self.parameters)
        self.resources: dict[str, Any] = self.doc["Resources"]

    # --- intrinsic functions ----------------------------------------------------------
    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [item for item in (self.resolve(item) for item in value) if item is not _NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((fn, arg),) = value.items()
            if fn == "Ref" and arg == "AWS::NoValue":
                return _NO_VALUE
            if fn == "Ref":
                return self.ref(arg)
            if fn == "Fn::GetAtt":
                resource, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
                return self.get_att(resource, attribute)
            if fn == "Fn::Sub":
                return self._sub(arg)
            if fn == "Fn::If":
                condition, when_true, when_false = arg
                return self.resolve(when_true if self.condition(condition) else when_false)
            if fn == "Fn::Join":
                separator, parts = arg
                return separator.join(str(self.resolve(part)) for part in parts)
            if fn == "Fn::Split":
                separator, source = arg
                return str(self.resolve(source)).split(separator)
            if fn == "Fn::Select":
                index, items = arg
                return self.resolve(items)[int(self.resolve(index))]
        resolved = {key: self.resolve(item) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not _NO_VALUE}

    def ref(self, name: str) -> str:
        pseudo = {
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT,
            "AWS::StackName": "baton-local",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::Partition": "aws",
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name.endswith(".Alias") and name.removesuffix(".Alias") in self.resources:
            return self.physical_name(name.removesuffix(".Alias"))  # SAM's AutoPublishAlias: locally, the function itself
        if name in self.resources:
            kind = self.resources[name]["Type"]
            if kind == "AWS::SNS::Topic":  # Ref of a topic is its ARN, of a queue its URL
                return f"arn:aws:sns:{REGION}:{ACCOUNT}:{self.physical_name(name)}"
            if kind == "AWS::SQS::Queue":
                return f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{self.physical_name(name)}"
            return self.physical_name(name)
        raise KeyError(f"template.yaml: unknown reference {name!r}")

    def physical_name(self, logical_id: str) -> str:
        """Locally every resource is named after its logical id (CloudFormation would add a suffix)."""
        return logical_id

    def get_att(self, resource: str, attribute: str) -> str:
        kind = self.resources[resource]["Type"]
        name = self.physical_name(resource)
        if kind == "AWS::DynamoDB::Table":
            table_arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"
            return {"Arn": table_arn, "StreamArn": f"{table_arn}/stream/local"}[attribute]
        if kind == "AWS::SQS::Queue":
            return {"Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}", "QueueName": name}[attribute]
        if kind == "AWS::SNS::Topic":
            return {"TopicArn": self.ref(resource), "TopicName": name}[attribute]
        if kind == "AWS::Serverless::Function":
            return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
        return f"arn:aws:local:{REGION}:{ACCOUNT}:{name}"

    def condition(self, name: str) -> bool:
        spec = self.doc.get("Conditions", {})[name]
        return bool(self._evaluate(spec))

    def _evaluate(self, spec: Any) -> Any:
        if isinstance(spec, dict) and len(spec) == 1:
            ((fn, arg),) = spec.items()
            if fn == "Fn::Equals":
                left, right = (self._evaluate(part) for part in arg)
                return str(left) == str(right)
            if fn == "Fn::Not":
                return not self._evaluate(arg[0])
            if fn == "Fn::And":
                return all(self._evaluate(part) for part in arg)
            if fn == "Fn::Or":
                return any(self._evaluate(part) for part in arg)
            if fn == "Condition":
                return self.condition(arg)
        return self.resolve(spec)

    def _sub(self, arg: Any) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], self.resolve(arg[1]))

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(variables[name])
            if "." in name and not name.startswith("AWS::"):
                resource, attribute = name.split(".", 1)
                return self.get_att(resource, attribute)
            return self.ref(name)

        return _SUB_VARIABLE.sub(replace, text)

    # --- what the runtime needs -------------------------------------------------------
    def of_type(self, kind: str) -> dict[str, dict[str, Any]]:
        return {name: spec for name, spec in self.resources.items() if spec["Type"] == kind and self._present(spec)}

    def _present(self, spec: dict[str, Any]) -> bool:
        return "Condition" not in spec or self.condition(spec["Condition"])

    def tables(self) -> dict[str, dict[str, Any]]:
        return {
            self.physical_name(name): self.resolve(spec["Properties"])
            for name, spec in self.of_type("AWS::DynamoDB::Table").items()
        }

    def functions(self) -> dict[str, FunctionSpec]:
        defaults = self.doc.get("Globals", {}).get("Function", {})
        specs = {}
        for name, spec in self.of_type("AWS::Serverless::Function").items():
            props = {**defaults, **spec["Properties"]}
            environment = {
                **defaults.get("Environment", {}).get("Variables", {}),
                **spec["Properties"].get("Environment", {}).get("Variables", {}),
            }
            # SAM appends a function's own Layers to the Globals' ones
            layers = [self._layer_id(layer) for layer in [*defaults.get("Layers", []), *spec["Properties"].get("Layers", [])]]
            specs[name] = FunctionSpec(
                name=name,
                code_dir=(self.root / props["CodeUri"]).resolve(),
                handler=props["Handler"],
                timeout=int(props.get("Timeout", 3)),
                memory=int(props.get("MemorySize", 128)),
                environment={key: str(self.resolve(value)) for key, value in environment.items()},
                layer_dirs=[self._layer_dir(layer) for layer in layers],
                layers=layers,
                snap_start=self.resolve(props.get("SnapStart", {})).get("ApplyOn") == "PublishedVersions",
            )
        return specs

    @staticmethod
    def _layer_id(layer: Any) -> str:
        return str(layer["Ref"] if isinstance(layer, dict) else layer)

    def _layer_dir(self, logical_id: str) -> Path:
        return (self.root / self.resources[logical_id]["Properties"]["ContentUri"]).resolve()

    def http_routes(self) -> list[HttpRoute]:
        """The HTTP API's routes, read from its OpenAPI document (DefinitionBody) as API Gateway imports it: each
        operation's integration (inline or a `$ref` to the shared ones) names the function; an operation without
        `security` gets the API's default authorizer (SAM adds it), and SAM's `NONE` leaves it open."""
        (spec,) = self.of_type("AWS::Serverless::HttpApi").values()
        body = spec["Properties"]["DefinitionBody"]
        default_authorizer = spec["Properties"].get("Auth", {}).get("DefaultAuthorizer")
        routes = []
        for path, item in body["paths"].items():
            for method, operation in item.items():
                if method not in _HTTP_METHODS:
                    continue  # a path item's `parameters`, `summary`...
                integration = operation["x-amazon-apigateway-integration"]
                if "$ref" in integration:
                    integration = _pointed_at(body, integration["$ref"])
                security = operation.get("security") or ([{default_authorizer: []}] if default_authorizer else [])
                authorized = any(name != "NONE" for requirement in security for name in requirement)
                routes.append(HttpRoute(method.upper(), path, _function_in_uri(integration["uri"]), authorized))
        return routes

    def http_api(self) -> dict[str, Any]:
        (spec,) = self.of_type("AWS::Serverless::HttpApi").values()
        return dict(self.resolve(spec["Properties"]))

    def jwt_authorizer(self) -> JwtAuthorizerSpec:
        auth = self.http_api()["Auth"]
        config = auth["Authorizers"][auth["DefaultAuthorizer"]]["JwtConfiguration"]
        return JwtAuthorizerSpec(issuer=config["issuer"], audience=list(config["audience"]))

    def logical_id_of_arn(self, arn: str) -> str:
        """The resource an ARN the resolver produced points at (its last name part)."""
        name = re.split(r"[:/]", arn)[-1] if "/stream/" not in arn else arn.split(":table/")[1].split("/", maxsplit=1)[0]
        return next(logical for logical in self.resources if self.physical_name(logical) == name)

    def event_sources(self) -> list[EventSourceSpec]:
        specs = []
        for function, spec in self.of_type("AWS::Serverless::Function").items():
            for event in spec["Properties"].get("Events", {}).values():
                if event["Type"] not in ("DynamoDB", "SQS"):
                    continue
                props = self.resolve(event["Properties"])
                source_arn = props.get("Stream") or props["Queue"]
                on_failure = props.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
                specs.append(
                    EventSourceSpec(
                        function=function,
                        kind=event["Type"],
                        source=self.logical_id_of_arn(source_arn),
                        batch_size=int(props.get("BatchSize", 100 if event["Type"] == "DynamoDB" else 10)),
                        batching_window_seconds=int(props.get("MaximumBatchingWindowInSeconds", 0)),
                        filters=[json.loads(f["Pattern"]) for f in props.get("FilterCriteria", {}).get("Filters", [])],
                        report_batch_item_failures="ReportBatchItemFailures" in props.get("FunctionResponseTypes", []),
                        maximum_retry_attempts=int(props.get("MaximumRetryAttempts", -1)),
                        maximum_record_age_seconds=int(props.get("MaximumRecordAgeInSeconds", -1)),
                        bisect_on_error=bool(props.get("BisectBatchOnFunctionError", False)),
                        on_failure_queue=self.logical_id_of_arn(on_failure) if on_failure else None,
                    )
                )
        return specs

    def websocket(self) -> WebSocketSpec:
        """Routes of the WebSocket API, each mapped through its integration to a function."""
        integrations = {
            name: _function_in_uri(spec["Properties"]["IntegrationUri"])
            for name, spec in self.of_type("AWS::ApiGatewayV2::Integration").items()
        }
        routes: dict[str, str] = {}
        authorizer_function: str | None = None
        identity: list[str] = []
        for spec in self.of_type("AWS::ApiGatewayV2::Route").values():
            props = spec["Properties"]
            target = props["Target"]["Fn::Sub"] if isinstance(props["Target"], dict) else props["Target"]
            routes[props["RouteKey"]] = integrations[target.removeprefix("integrations/${").rstrip("}")]
            if props.get("AuthorizationType") == "CUSTOM":
                authorizer = self.resources[props["AuthorizerId"]["Ref"]]["Properties"]
                authorizer_function = _function_in_uri(authorizer["AuthorizerUri"])
                identity = [source.removeprefix("route.request.querystring.") for source in authorizer["IdentitySource"]]
        return WebSocketSpec(routes, authorizer_function, identity)

    def queues(self) -> dict[str, dict[str, Any]]:
        return {name: self.resolve(spec.get("Properties", {})) for name, spec in self.of_type("AWS::SQS::Queue").items()}

    def topics(self) -> list[str]:
        return list(self.of_type("AWS::SNS::Topic"))

    def subscriptions(self) -> list[dict[str, Any]]:
        subscriptions = [self.resolve(spec["Properties"]) for spec in self.of_type("AWS::SNS::Subscription").values()]
        for subscription in subscriptions:  # a JSON property may be written as a string of JSON (a Mappings value is one)
            if isinstance(subscription.get("FilterPolicy"), str):
                subscription["FilterPolicy"] = json.loads(subscription["FilterPolicy"])
        return subscriptions


def _pointed_at(document: dict[str, Any], reference: str) -> Any:
    """What a local JSON pointer (`#/components/x-amazon-apigateway-integrations/api`) names in `document`."""
    if not reference.startswith("#/"):
        raise ValueError(f"template.yaml: only references within the document are read, not {reference!r}")
    found: Any = document
    for part in reference.removeprefix("#/").split("/"):
        found = found[part.replace("~1", "/").replace("~0", "~")]
    return found


def _function_in_uri(uri: Any) -> str:
    """`arn:...:functions/${WsFunction.Arn}/invocations` -> `WsFunction`; also `[.../functions/${Alias}/invocations,
    {Alias: {Ref: WsFunction.Alias}}]` (SAM's AutoPublishAlias, written as a Sub variable)."""
    text = uri["Fn::Sub"] if isinstance(uri, dict) else str(uri)
    if isinstance(text, list):
        template, variables = text
        text = _SUB_VARIABLE.sub(
            lambda found: "${" + variables[found.group(1)]["Ref"] + "}" if found.group(1) in variables else found.group(0),
            template,
        )
    match = re.search(r"functions/\$\{(\w+)\.(?:Arn|Alias)\}", text)
    if not match:
        raise ValueError(f"template.yaml: cannot find the function in {text!r}")
    return match.group(1)
