"""The first request after idle, as a person waits for it: a fresh interpreter imports a handler as deployed
(init) and handles its first real event from `events/` against the local runtime's AWS endpoint, timed to
the answer; tracing off and on. Against baselines measured in the same run, each a minimal Powertools
function with the same libraries doing the same kind of first request:

- the API: an `APIGatewayHttpResolver` with validation (its OpenAPI models) and one validated route that
  reads one DynamoDB item, plus the OpenAPI route baton serves too;
- the consumers: a batch processor (SQS, or the DynamoDB stream for the router) whose record handler
  validates the message with pydantic and writes one item;
- the WebSocket route and authorizer: a handler that validates its event with pydantic and writes one item.

Each probe runs as deployed: its interpreter sees only what the function has in Lambda (`deployed_site`: the
layers' requirements and the runtime's own boto3), not the development environment. That matters with tracing
on, where X-Ray patches every library it finds (httpx and requests here would cost a traced import 70 ms), and
botocore uses awscrt when it is installed.

Each probe times from its first line (after the interpreter started, the same for all) to the answer:
init (the handler's import) plus the first event. Ids of the sample events (event ids, connection ids)
are made fresh for every run, so no run is a duplicate the next one would skip. The stream router
publishes to a topic, and the timers to a queue, that nothing consumes: the probes load the runtime no more
than their own request does.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.harness import Runtime
from local.template import Template

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"
UV = ROOT / ".venv" / "bin" / "uv"
RUNTIME_PROVIDED = ("boto3", "snapshot-restore-py")  # what the Lambda Python runtime itself provides

# Each function's first event: what a person's first click (or the first event after idle) makes it do.
FIRST_EVENTS = {
    "ApiFunction": "api_get_queue",
    "WsFunction": "ws_connect",
    "WsAuthorizerFunction": "ws_authorizer_connect",
    "StreamRouterFunction": "stream_router_insert",
    "PushFunction": "push_sqs",
    "EmailFunction": "email_sqs",
    "TimerFunction": "timers_sqs",
    "TeamsFunction": "webhooks_sqs",
    "SlackFunction": "webhooks_sqs",
}
# Which baseline each function is held against.
BASELINE_OF = {
    "ApiFunction": "api",
    "WsFunction": "handler",
    "WsAuthorizerFunction": "handler",
    "StreamRouterFunction": "stream batch",
}
TARGETS = {"ApiFunction": 1.15}  # every other function: 1.25
OTHER_TARGET = 1.25

_COMMON = """
import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from pydantic import BaseModel, ConfigDict

logger, metrics, tracer = Logger(), Metrics(), Tracer()


class Message(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str = ""


def write_one(key: str) -> None:
    boto3.client("dynamodb").put_item(TableName="DataTable", Item={"pk": {"S": "BENCH#" + key}, "sk": {"S": "X"}})
"""

BASELINES = {
    "api": (
        """
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

app = APIGatewayHttpResolver(enable_validation=True)


class Item(BaseModel):
    id: str
    name: str


@app.get("/api/v1/ai-sessions/queue")
def get_item(intent: str = "", limit: int = 50) -> Item:
    found = boto3.client("dynamodb").get_item(TableName="DataTable", Key={"pk": {"S": "BENCH#item"}, "sk": {"S": "X"}})
    return Item(id="item", name=str(found.get("Item", {}).get("pk", {}).get("S", "")))


@app.get("/api/v1/openapi.json")
def openapi() -> dict:
    return app.get_openapi_schema().model_dump(mode="json", by_alias=True, exclude_none=True)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context):
    return app.resolve(event, context)
""",
        "api_get_queue",
    ),
    "sqs batch": (
        """
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record):
    write_one(Message.model_validate_json(record.body).id or record.message_id)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context):
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
""",
        "push_sqs",
    ),
    "stream batch": (
        """
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def record_handler(record):
    image = record.dynamodb.new_image
    write_one(Message.model_validate({"id": str(image.get("id", record.event_id))}).id)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context):
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
""",
        "stream_router_insert",
    ),
    "handler": (
        """
class Event(BaseModel):
    model_config = ConfigDict(extra="allow")
    requestContext: dict


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context):
    request = Event.model_validate(event)
    write_one(str(request.requestContext.get("connectionId", "x")))
    return {"statusCode": 200}
""",
        "ws_connect",
    ),
}

PROBE = """
import time
started = time.perf_counter()
import importlib, json, sys
sys.path[:0] = {paths!r}
handler = getattr(importlib.import_module({module!r}), "handler")
imported = time.perf_counter()
import gc
full_collections = []  # the collector's full passes during the first request (each walks the whole young heap)
gc.callbacks.append(lambda phase, info: full_collections.append(1) if phase == "start" and info["generation"] == 2 else None)


class Context:
    function_name, function_version, memory_limit_in_mb = "bench", "$LATEST", 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    aws_request_id, log_group_name, log_stream_name = "bench-request", "/aws/lambda/bench", "bench"

    def get_remaining_time_in_millis(self):
        return 10_000


event = json.loads({event!r})
try:
    result = handler(event, Context())
    outcome = str(result.get("statusCode", "answered")) if isinstance(result, dict) else "answered"
except Exception as error:  # e.g. the authorizer refusing an unknown ticket: still its first request
    outcome = type(error).__name__
answered = time.perf_counter()
print(json.dumps({{
    "init_ms": (imported - started) * 1000, "first_ms": (answered - imported) * 1000, "outcome": outcome,
    "full_collections": len(full_collections),
}}))
"""
_FRESH_IDS = re.compile(r"[0-9a-f]{32}")
# With tracing on, the X-Ray SDK runs as in Lambda: a trace header, a daemon address (UDP: nothing need listen).
TRACED = {
    "POWERTOOLS_TRACE_DISABLED": "false",
    "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
    "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
    "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
}


def _event_text(name: str) -> str:
    """The sample event with fresh ids (event ids, connection ids): each run a first, not a duplicate."""
    text = (EVENTS / f"{name}.json").read_text()
    fresh: dict[str, str] = {}
    return _FRESH_IDS.sub(lambda match: fresh.setdefault(match.group(0), os.urandom(16).hex()), text)


def deployed_site() -> Path:
    """What a function can import in Lambda, built for this machine: every layer's requirements and the runtime's own
    packages, at the versions the lock pins. Made once per set of requirements (uv copies from its cache)."""
    sources = [*sorted(ROOT.glob("layers/*/requirements.in")), ROOT / "requirements-dev.txt"]
    key = hashlib.sha256(b"".join(source.read_bytes() for source in sources)).hexdigest()[:12]
    site = ROOT / ".bench-cache" / f"deployed-site-{key}"
    if not site.is_dir():
        staging = site.with_name(site.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        layers = [argument for source in sources[:-1] for argument in ("-r", str(source))]
        subprocess.run(  # noqa: S603 (the pinned uv)
            [str(UV), "pip", "install", "--quiet", "--python", sys.executable, "--target", str(staging), *layers,
             *RUNTIME_PROVIDED, "-c", str(sources[-1])],
            check=True, timeout=600,
        )  # fmt: skip
        staging.rename(site)
    return site


def _run(probe: dict[str, Any]) -> dict[str, Any]:
    code = PROBE.format(paths=probe["paths"], module=probe["module"], event=_event_text(probe["event"]))
    output = subprocess.run(  # noqa: S603 (our own interpreter)
        [sys.executable, "-S", "-c", code],  # -S: no site-packages; the probe's paths end with the deployed site
        capture_output=True, text=True, check=True, env=probe["env"], cwd=probe["cwd"], timeout=120,
    )  # fmt: skip
    figures: dict[str, Any] = json.loads(output.stdout.strip().splitlines()[-1])
    return figures


def _sinks(rt: Runtime) -> dict[str, str]:
    """A topic and a queue nothing consumes, for the router's publish and the timers' re-arm."""
    topic = rt.client("sns").create_topic(Name="BenchFirstRequestSink")["TopicArn"]
    queue = rt.client("sqs").create_queue(QueueName="BenchFirstRequestSink")["QueueUrl"]
    return {"EVENTS_TOPIC_ARN": topic, "TIMER_QUEUE_URL": queue, "PUSH_PARTS_QUEUE_URL": queue}


def _environment(rt: Runtime, variables: dict[str, str], cache: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        **variables,
        "AWS_ENDPOINT_URL": rt.aws_endpoint,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
        "AWS_LAMBDA_FUNCTION_NAME": "bench",
        "LAMBDA_TASK_ROOT": "/var/task",  # Lambda always sets it; without it the X-Ray SDK loads its sampler too
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "POWERTOOLS_SERVICE_NAME": variables.get("POWERTOOLS_SERVICE_NAME", "bench"),
        "POWERTOOLS_METRICS_NAMESPACE": "Bench",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "WEBSOCKET_MANAGEMENT_URL": rt.base_url,
        "WEBSOCKET_URL": rt.base_url.replace("http", "ws") + "/ws",
        "PYTHONPYCACHEPREFIX": cache,  # every probe imports from bytecode, as deployed (an untimed round writes it)
    }


def probes(rt: Runtime, folder: Path, cache: str) -> dict[str, dict[str, Any]]:
    template = Template(ROOT / "template.yaml")
    sinks = _sinks(rt)
    site = str(deployed_site())
    found: dict[str, dict[str, Any]] = {}
    for name, (code, event) in BASELINES.items():
        module = "baseline_" + re.sub(r"\W", "_", name)
        (folder / f"{module}.py").write_text(_COMMON + code)
        found[f"baseline {name}"] = {"paths": [str(folder), site], "module": module, "event": event, "cwd": str(folder)}
        found[f"baseline {name}"]["env"] = _environment(rt, {}, cache)
    for name, spec in template.functions().items():
        if name not in FIRST_EVENTS:
            continue
        variables = {**spec.environment, **{key: value for key, value in sinks.items() if key in spec.environment}}
        found[name] = {
            "paths": [str(spec.code_dir), *map(str, spec.layer_dirs), site],
            "module": spec.handler.rsplit(".", 1)[0],
            "event": FIRST_EVENTS[name],
            "cwd": str(spec.code_dir),
            "env": _environment(rt, variables, cache),
        }
    for name in list(found):  # the same, as deployed with Tracing: Active
        found[f"{name} traced"] = {**found[name], "env": {**found[name]["env"], **TRACED}}
    return found


def measure(rt: Runtime, runs: int = 7) -> dict[str, Any]:
    """Median init + first event of each function and baseline (runs round-robin, after an untimed round)."""
    with tempfile.TemporaryDirectory() as folder, tempfile.TemporaryDirectory() as cache:
        found = probes(rt, Path(folder), cache)
        for probe in found.values():
            _run(probe)  # untimed: writes the bytecode
        times: dict[str, list[dict[str, Any]]] = {name: [] for name in found}
        for round_number in range(runs):
            # A new order each round (seeded: the same for every run of the bench), so no probe always follows
            # the same one, or always comes first after a pause.
            order = sorted(found)
            random.Random(round_number).shuffle(order)  # noqa: S311 (an order, not a secret)
            for name in order:
                times[name].append(_run(found[name]))
                time.sleep(0.05)
    medians = {name: _medians(values) for name, values in times.items()}
    results: dict[str, Any] = {"runs": runs, "baselines": {}}
    for name in BASELINES:
        results["baselines"][name] = {"off": medians[f"baseline {name}"], "on": medians[f"baseline {name} traced"]}
    for name, event in FIRST_EVENTS.items():
        if name not in medians:
            continue
        baseline = BASELINE_OF.get(name, "sqs batch")
        entry: dict[str, Any] = {"event": event, "baseline": baseline, "target": TARGETS.get(name, OTHER_TARGET)}
        for tracing, suffix in (("off", ""), ("on", " traced")):
            own, base = medians[name + suffix], medians[f"baseline {baseline}{suffix}"]
            entry[tracing] = {
                **own,
                "ratio": round(own["total_ms"] / base["total_ms"], 2),
                "baton_own_ms": round(own["total_ms"] - base["total_ms"], 1),
            }
        results[name] = entry
    return results


def _medians(values: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "init_ms": round(statistics.median(v["init_ms"] for v in values), 1),
        "first_ms": round(statistics.median(v["first_ms"] for v in values), 1),
        "total_ms": round(statistics.median(v["init_ms"] + v["first_ms"] for v in values), 1),
        "outcome": values[-1]["outcome"],
        "runs_with_a_full_collection": sum(1 for v in values if v.get("full_collections")),
    }
