"""SnapStart for the functions a person waits on: the template's switch, the alias every event source invokes,
and the hooks (built before the snapshot, made unique after a restore) as Lambda and `make dev` run them."""

from __future__ import annotations

import importlib
import json
import random
import subprocess
import sys
from typing import Any

import pytest
import snapshot_restore_py

from baton.domain.modeling import Model
from baton.snapstart import build_models, declared_models
from local.lambda_worker import snapshot_and_restore
from local.template import Template
from tests.conftest import ROOT
from tests.unit.sam_transform import transformed

USER_FACING = {"ApiFunction", "WsFunction", "WsAuthorizerFunction"}


@pytest.mark.parametrize("on", [True, False])
def test_the_parameter_turns_snapstart_on_for_the_user_facing_functions_only(on: bool) -> None:
    # Given the template deployed with SnapStart on or off
    template = Template(ROOT / "template.yaml", parameters={"SnapStart": str(on).lower()})
    # Then exactly the API and WebSocket functions snapshot their published versions when it is on
    assert {name for name, spec in template.functions().items() if spec.snap_start} == (USER_FACING if on else set())
    # And those publish a version behind an alias either way, so their event sources never change with the switch
    functions = template.of_type("AWS::Serverless::Function")
    assert {name for name, spec in functions.items() if spec["Properties"].get("AutoPublishAlias") == "live"} == USER_FACING


def test_the_pilot_configuration_deploys_with_snapstart_and_dev_without() -> None:
    config = (ROOT / "samconfig.toml").read_text()
    pilot = next(
        line for line in config.split("[pilot.deploy.parameters]")[1].splitlines() if line.startswith("parameter_overrides")
    )
    dev = next(
        line for line in config.split("[default.deploy.parameters]")[1].splitlines() if line.startswith("parameter_overrides")
    )
    assert "SnapStart=true" in pilot and "SnapStart" not in dev


@pytest.fixture(scope="module")
def deployed() -> dict[str, Any]:
    return transformed({"SnapStart": "true"})["Resources"]


def test_every_event_source_of_a_user_facing_function_invokes_its_alias(deployed: dict[str, Any]) -> None:
    text = json.dumps(deployed)
    for function in USER_FACING:
        alias = f"{function}Aliaslive"
        # Given SAM's alias of the function, on the version it publishes
        assert deployed[alias]["Type"] == "AWS::Lambda::Alias"
        # Then no integration, authorizer or permission names the unpublished function ($LATEST) itself
        assert f"${{{function}.Arn}}" not in text and f'"Fn::GetAtt": ["{function}", "Arn"]' not in text
        permissions = [
            spec["Properties"]["FunctionName"]
            for spec in deployed.values()
            if spec["Type"] == "AWS::Lambda::Permission" and f'"{function}' in json.dumps(spec["Properties"]["FunctionName"])
        ]
        assert permissions and all(name == {"Ref": alias} for name in permissions), function
    # And the HTTP API's routes, the WebSocket routes' integration and the $connect authorizer call the aliases
    http_api = json.dumps(deployed["HttpApi"]["Properties"]["Body"])
    assert '{"Ref": "ApiFunctionAliaslive"}' in http_api and "${ApiFunction.Arn}" not in http_api
    assert '{"Ref": "WsFunctionAliaslive"}' in json.dumps(deployed["WsIntegration"]["Properties"]["IntegrationUri"])
    assert '{"Ref": "WsAuthorizerFunctionAliaslive"}' in json.dumps(deployed["WsTicketAuthorizer"]["Properties"]["AuthorizerUri"])


def test_the_published_version_snapshots_only_when_the_parameter_says_so(deployed: dict[str, Any]) -> None:
    for function in USER_FACING:
        assert deployed[function]["Properties"]["SnapStart"] == {
            "ApplyOn": {"Fn::If": ["SnapStartOn", "PublishedVersions", "None"]}
        }
    others = {name for name, spec in deployed.items() if spec["Type"] == "AWS::Lambda::Function"} - USER_FACING
    assert others and not any("SnapStart" in deployed[name]["Properties"] for name in others)


def test_the_local_runtime_reads_the_aliases_as_their_functions() -> None:
    # Given the template with SnapStart on, as `make dev` starts it
    websocket = Template(ROOT / "template.yaml", parameters={"SnapStart": "true"}).websocket()
    # Then the WebSocket routes and the authorizer still run the functions the aliases point at
    assert set(websocket.route_functions.values()) == {"WsFunction"}
    assert websocket.authorizer_function == "WsAuthorizerFunction"


def _hooks_of(module: str) -> tuple[list[Any], list[Any]]:
    """The hooks a handler module registers on import (the registries are emptied first)."""
    snapshot_restore_py.get_before_snapshot().clear()
    snapshot_restore_py.get_after_restore().clear()
    sys.modules.pop(module, None)
    importlib.import_module(module)
    return list(snapshot_restore_py.get_before_snapshot()), list(snapshot_restore_py.get_after_restore())


@pytest.mark.parametrize("module", ["api_handler", "ws_handler", "ws_authorizer_handler"])
def test_each_user_facing_function_registers_a_primer_and_a_fresh_random_state(module: str) -> None:
    before, after = _hooks_of(module)
    assert len(before) == 1 and len(after) == 1
    # Given two environments resumed from one snapshot: the same `random` state
    random.seed(7)
    state = random.getstate()
    for hook, args, kwargs in after:
        hook(*args, **kwargs)
    first = random.random()
    random.setstate(state)
    for hook, args, kwargs in after:
        hook(*args, **kwargs)
    # Then after its restore hook each draws its own numbers (retry jitter that does not move in lockstep)
    assert random.random() != first


def test_the_api_builds_every_model_and_route_before_the_snapshot_and_no_aws_client() -> None:
    import api_dependencies

    api_dependencies.dependencies.cache_clear()
    before, _ = _hooks_of("api_handler")
    # Given the API imported (its models declared, their validators deferred), When Lambda runs the before-snapshot hook
    for hook, args, kwargs in reversed(before):
        hook(*args, **kwargs)
    # Then every model is built, so a resumed environment's first request builds none
    assert [model.__name__ for model in declared_models() if not model.__pydantic_complete__] == []
    assert build_models() == 0
    # And no AWS client (credentials, connections) was made before the snapshot: each is made after the restore
    assert api_dependencies.dependencies.cache_info().currsize == 0


def test_tickets_do_not_depend_on_the_random_module() -> None:
    from baton.domain.models import Role, User
    from baton.logic.realtime import issue_ticket

    class Tickets:
        def put_ticket(self, ticket: Any) -> None: ...

    caller = User(id="u1", account_id="acme", email="u1@acme.test", display_name="U", role=Role.ENGINEER)
    # Given two environments resumed with the same `random` state
    issued = []
    for _ in range(2):
        random.seed(7)
        issued.append(issue_ticket(caller, Tickets(), "wss://x").ticket)  # type: ignore[arg-type]
    # Then their tickets still differ (they come from the kernel's generator, which Lambda re-seeds on restore)
    assert issued[0] != issued[1]


def test_make_dev_runs_the_hooks_in_lambdas_order_when_the_template_turns_snapstart_on() -> None:
    # Given hooks registered in this order
    calls: list[str] = []
    snapshot_restore_py.get_before_snapshot().clear()
    snapshot_restore_py.get_after_restore().clear()
    snapshot_restore_py.register_before_snapshot(calls.append, "before 1")
    snapshot_restore_py.register_before_snapshot(calls.append, "before 2")
    snapshot_restore_py.register_after_restore(calls.append, "after 1")
    snapshot_restore_py.register_after_restore(calls.append, "after 2")
    # When the local worker takes its snapshot and restores it
    snapshot_and_restore()
    # Then, as Lambda runs them: before-snapshot hooks last registered first, after-restore hooks in order
    assert calls == ["before 2", "before 1", "after 1", "after 2"]


def test_a_local_worker_with_snapstart_on_runs_the_hooks_before_it_is_ready(tmp_path: Any) -> None:
    (tmp_path / "snappy.py").write_text(
        "import snapshot_restore_py\n"
        "state = []\n"
        "snapshot_restore_py.register_before_snapshot(state.append, 'primed')\n"
        "snapshot_restore_py.register_after_restore(state.append, 'restored')\n"
        "def handler(event, context):\n"
        "    return state\n"
    )
    request = json.dumps({"event": {}, "request_id": "r1", "deadline_ms": 2**50}) + "\n"
    for snap_start, expected in (("1", ["primed", "restored"]), ("", [])):
        done = subprocess.run(
            [sys.executable, "-m", "local.lambda_worker", "snappy.handler", str(tmp_path)],
            input=request,
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={"PATH": "", "BATON_LOCAL_SNAPSTART": snap_start},
            check=True,
            timeout=60,
        )
        assert json.loads(done.stdout.splitlines()[-1]) == {"result": expected}


def test_models_built_before_the_snapshot_validate_as_before() -> None:
    class Probe(Model):
        x: int

    assert not Probe.__pydantic_complete__
    build_models()
    assert Probe.__pydantic_complete__ and Probe.model_validate({"x": "3"}).x == 3
