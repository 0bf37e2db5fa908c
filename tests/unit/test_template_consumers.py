"""Each consumer of events is written once in template.yaml (`Fn::ForEach` loops and a Mappings row), and the
template that CloudFormation writes out of it is the hand-written one it replaced, resource for resource."""

from __future__ import annotations

import copy
import dataclasses
import json
import subprocess
from collections.abc import Mapping
from typing import Any

import pytest
from cfnlint.decode.cfn_yaml import loads

from local.language_extensions import expand
from local.template import Template
from tests.conftest import ROOT

# The last commit whose consumers (queues, dead-letter queues, subscriptions, log groups, connector functions, their
# alarms and outputs) were written out by hand. Move it to a later commit when a consumer changes on purpose.
# 95dfc66 (issue 21): the alarms on 3 of 5 minutes, a role per function, MaximumConcurrency, the logging-role setter.
BASELINE = "95dfc66"
# A consumer's property changed on purpose since BASELINE, and why: the comparison takes today's value there, and only
# there (every other property of that resource is still held to the baseline's).
CHANGED_ON_PURPOSE = {
    ("EmailSubscription", "FilterPolicy"): "issue 21: pickups and resolutions are emailed too (to the creator)",
    ("TeamsFunctionRole", "Policies"): "issue 21: reads whether the account has the channel before SSM (IsTheChannelSet);"
    " issue 23: a chat app's set-up, secrets and messages (docs/chat.md)",
    ("SlackFunctionRole", "Policies"): "issue 21: reads whether the account has the channel before SSM (IsTheChannelSet);"
    " issue 23: a chat app's set-up, secrets and messages (docs/chat.md)",
    ("SlackSubscription", "FilterPolicy"): "issue 23: a Slack app's messages follow every change of an escalation",
    ("TeamsSubscription", "FilterPolicy"): "issue 23: a Teams bot's cards follow every change of an escalation",
    ("SlackFunction", "Layers"): "the Slack layer (slack_sdk) only for the functions that call Slack (layer size)",
    ("TeamsFunction", "Layers"): "the Slack layer: it shares the chat consumer's code, which loads Slack's client",
}

# Resources added since BASELINE that a property changed on purpose refers to.
ADDED_ON_PURPOSE = {"SlackLayer": "the Slack layer the chat consumers' Layers name"}

# Parameters whose default changed on purpose since BASELINE (their value reaches every function's environment).
PARAMETERS_CHANGED_ON_PURPOSE = {
    "SlackWebhookHosts": "issue 23: and Slack's Web API host, for a Slack app (docs/chat.md)",
    "TeamsWebhookHosts": "issue 23: and the Bot Framework's, Entra's and the Bot Connector's hosts, for a Teams bot",
}


@pytest.fixture(scope="module")
def baseline() -> Template:
    shown = subprocess.run(["git", "show", f"{BASELINE}:template.yaml"], cwd=ROOT, capture_output=True, text=True, check=False)
    if shown.returncode != 0:
        pytest.skip(f"commit {BASELINE} is not in this checkout's history (a shallow clone or an export): {shown.stderr}")
    written = Template(ROOT / "template.yaml", text=shown.stdout)
    today = Template(ROOT / "template.yaml")
    for parameter in PARAMETERS_CHANGED_ON_PURPOSE:
        written.parameters[parameter] = today.parameters[parameter]
    for resource in ADDED_ON_PURPOSE:
        written.resources[resource] = copy.deepcopy(today.resources[resource])
    for resource, prop in CHANGED_ON_PURPOSE:
        written.resources[resource]["Properties"][prop] = copy.deepcopy(today.resources[resource]["Properties"][prop])
    return written


@pytest.fixture(scope="module")
def template() -> Template:
    return Template(ROOT / "template.yaml")


def _written_by_loops(section: str) -> set[str]:
    source = loads((ROOT / "template.yaml").read_text())
    return set(expand(source)[section]) - set(source[section])


def _same_meaning(node: Any) -> Any:
    """`node` with the one spelling a loop needs and a hand-written template does not: a `Fn::Sub` whose variables are
    literal values (a Mappings value, e.g. `!Sub ["${AWS::StackName}-${Name}", {Name: push-errors}]`) is the string
    they make."""
    if isinstance(node, list):
        return [_same_meaning(item) for item in node]
    if not isinstance(node, Mapping):
        return node
    if set(node) == {"Fn::Sub"} and isinstance(node["Fn::Sub"], list):
        text, variables = node["Fn::Sub"]
        if all(isinstance(value, str) for value in variables.values()):
            for name, value in variables.items():
                text = text.replace(f"${{{name}}}", value)
            return {"Fn::Sub": text} if "${" in text else text
    return {key: _same_meaning(value) for key, value in node.items()}


def _resource(spec: Mapping[str, Any]) -> dict[str, Any]:
    """A resource as CloudFormation creates it: cfn-lint's configuration is no part of it, and a JSON property (a
    subscription's FilterPolicy, a Mappings string in the loop) is the same as a string or as YAML."""
    resource = _same_meaning(copy.deepcopy(dict(spec)))
    metadata = {key: value for key, value in resource.pop("Metadata", {}).items() if key != "cfn-lint"}
    if metadata:
        resource["Metadata"] = metadata
    properties = resource.get("Properties", {})
    if isinstance(properties.get("FilterPolicy"), str):
        properties["FilterPolicy"] = json.loads(properties["FilterPolicy"])
    return resource


def test_the_loops_write_every_consumer_resource_as_it_was_written_by_hand(template: Template, baseline: Template) -> None:
    # Given the hand-written template of BASELINE and the resources the loops of today's write out
    written = _written_by_loops("Resources")
    assert {"PushQueue", "EmailSubscription", "TeamsFunction", "SlackWebhookRejectedAlarm", "TimerDeadLettersAlarm"} <= written
    # Then no resource of the hand-written template is gone, or of another type
    assert {name: spec["Type"] for name, spec in baseline.resources.items()}.items() <= {
        name: spec["Type"] for name, spec in template.resources.items()
    }.items()
    # And each resource a loop writes is, property for property, the one written by hand (a consumer added since
    # the baseline has no hand-written twin)
    for name in sorted(written & set(baseline.resources)):
        assert _resource(template.resources[name]) == _resource(baseline.resources[name]), name


def test_the_loops_write_every_consumer_output_as_it_was_written_by_hand(template: Template, baseline: Template) -> None:
    written = _written_by_loops("Outputs")
    assert {"PushQueueUrl", "TimerDeadLettersUrl"} <= written
    assert set(baseline.doc["Outputs"]) <= set(template.doc["Outputs"])
    for name in sorted(written & set(baseline.doc["Outputs"])):
        assert template.doc["Outputs"][name] == baseline.doc["Outputs"][name], name


def test_the_local_runtime_creates_the_consumers_as_before(template: Template, baseline: Template) -> None:
    # Given what the local runtime reads to create queues and subscriptions and to start workers and pollers
    # (a consumer added since the baseline, e.g. Digest, has no hand-written twin)
    written = _written_by_loops("Resources") & set(baseline.resources)
    # Then each queue (attributes, redrive), subscription (filter, raw delivery), function (code, handler, timeout,
    # environment) and event source mapping of a consumer is the one the hand-written template gave
    assert {name: spec for name, spec in template.queues().items() if name in written} == {
        name: spec for name, spec in baseline.queues().items() if name in written
    }
    now = [json.dumps(s, sort_keys=True) for s in template.subscriptions()]
    assert all(now.count(before) == 1 for before in (json.dumps(s, sort_keys=True) for s in baseline.subscriptions()))
    # (a function's environment may have gained the variables every function got since, in Globals)
    added = set(template.doc["Globals"]["Function"]["Environment"]["Variables"]) - set(
        baseline.doc["Globals"]["Function"]["Environment"]["Variables"]
    )
    for name, before in ((n, spec) for n, spec in baseline.functions().items() if n in written):
        now_spec = template.functions()[name]
        assert {k: v for k, v in now_spec.environment.items() if k not in added} == before.environment, name
        assert dataclasses.replace(now_spec, environment={}) == dataclasses.replace(before, environment={}), name
    sources = [source for source in template.event_sources() if source.function in written]
    assert sources
    assert sources == [source for source in baseline.event_sources() if source.function in written]


def _with_a_new_connector(name: str, like: str) -> dict[str, Any]:
    """template.yaml with one more connector, as its recipe says: a row of Mappings.Consumers and the name in the
    collections of the loops its twin `like` is in."""
    source = loads((ROOT / "template.yaml").read_text())
    source["Mappings"]["Consumers"][name] = {**source["Mappings"]["Consumers"][like], "Name": name.lower()}
    for section in ("Resources", "Outputs"):
        for key, loop in source[section].items():
            if key.startswith("Fn::ForEach::") and like in loop[1]:
                loop[1].append(name)
    return dict(source)


def test_a_new_connector_is_a_mappings_row_and_its_name_in_the_loops() -> None:
    # Given template.yaml with a third connector added as the recipe says (no resource written for it)
    document = expand(_with_a_new_connector("Pager", like="Slack"))
    # Then it has Slack's whole unit, under its own names
    unit = {f"Pager{suffix}" for suffix in ("Queue", "DeadLetters", "Subscription", "Function", "FunctionLogs")}
    unit |= {f"Pager{suffix}" for suffix in ("DeadLettersAlarm", "QueueBacklogAlarm", "FunctionErrorsAlarm")}
    unit |= {"PagerFunctionThrottlesAlarm", "PagerWebhookRejectedAlarm"}
    assert unit <= set(document["Resources"])
    assert {"PagerQueueUrl", "PagerDeadLettersUrl"} <= set(document["Outputs"])
    # And its function is the webhooks code, told its channel, fed by its own queue
    function = document["Resources"]["PagerFunction"]["Properties"]
    assert function["CodeUri"] == "functions/webhooks/"
    assert function["Environment"]["Variables"]["WEBHOOK_CHANNEL"] == "pager"
    assert function["Events"]["Queue"]["Properties"]["Queue"] == {"Fn::GetAtt": ["PagerQueue", "Arn"]}


def test_every_subscribed_queue_is_open_to_the_events_topic(template: Template) -> None:
    # A subscription whose queue the policy leaves out delivers nothing: SNS puts every event in SubscriptionDeadLetters.
    policy = template.resources["EventsToQueuesPolicy"]["Properties"]
    allowed = {statement_resource["Fn::GetAtt"][0] for statement_resource in policy["PolicyDocument"]["Statement"][0]["Resource"]}
    subscribed = {
        spec["Properties"]["Endpoint"]["Fn::GetAtt"][0]
        for spec in template.of_type("AWS::SNS::Subscription").values()
        if spec["Properties"]["Protocol"] == "sqs"
    }
    assert subscribed <= allowed
    assert subscribed <= {queue["Ref"] for queue in policy["Queues"]}


def test_every_dead_letter_queue_and_function_is_on_the_dashboard(template: Template) -> None:
    body = json.loads(template.resolve(template.resources["Dashboard"]["Properties"]["DashboardBody"]))
    widgets = {widget["properties"]["title"]: widget["properties"]["metrics"] for widget in body["widgets"]}
    dead_letters = {row[-1] for row in widgets["Dead letters (messages)"]}
    functions = {row[-1] for row in widgets["Function errors"]}
    redriven = [spec["RedrivePolicy"] for spec in template.queues().values() if "RedrivePolicy" in spec]
    targets = {policy["deadLetterTargetArn"].rsplit(":", 1)[-1] for policy in redriven}
    assert targets | {"StreamFailures", "SubscriptionDeadLetters"} <= dead_letters
    assert set(template.functions()) <= functions
