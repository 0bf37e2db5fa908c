"""Each patch of moto, werkzeug or boto3 internals refuses to run, naming itself, on code it was not written for."""

from __future__ import annotations

import importlib.metadata
from typing import Any

import boto3
import pytest
import werkzeug.serving
from moto.core.serialize import BaseJSONSerializer
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.sqs.models import SQSBackend
from werkzeug.serving import WSGIRequestHandler

from local import aws_endpoint, lambda_worker, moto_patches
from local.patch_guard import PatchRefused, Target

GUARDED = [*moto_patches.TARGETS, aws_endpoint.KEPT_ALIVE]


@pytest.fixture
def pristine(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """moto's own functions back in place of the patches (install() may have run in this process), until the test ends."""
    for target, original in moto_patches._ORIGINALS.items():
        monkeypatch.setattr(target.owner, target.name, original)
    return monkeypatch


def _check(target: Target) -> None:
    """The guard that protects `target`, as the runtime runs it at start."""
    if target is aws_endpoint.KEPT_ALIVE:
        aws_endpoint.keep_connections_alive()
    else:
        moto_patches.check_targets()


def _installed(target: Target) -> str:
    library = target.owner.__module__.split(".")[0]
    return f"installed: {library} {importlib.metadata.version(library)}"


def _rewritten(original: Any) -> Any:
    """A function (or property) standing for the library's own after an update: same name and module, other code."""
    if isinstance(original, property):
        return property(_rewritten(original.fget))

    def rewritten(*args: Any, **kwargs: Any) -> Any:
        return original(*args, **kwargs)

    rewritten.__name__, rewritten.__qualname__ = original.__name__, original.__qualname__
    rewritten.__module__ = original.__module__
    return rewritten


@pytest.fixture
def werkzeug_restored(monkeypatch: pytest.MonkeyPatch) -> None:
    """keep_connections_alive() patches werkzeug for the whole process: put it back after the test."""
    monkeypatch.setattr(werkzeug.serving, "selectors", werkzeug.serving.selectors)


def test_every_patch_target_is_the_code_its_patch_was_written_against(
    pristine: pytest.MonkeyPatch, werkzeug_restored: None
) -> None:
    # Given moto and werkzeug as installed (the locked versions)
    # Then every guard lets its patch through, and werkzeug's server is patched
    assert moto_patches.check_targets().keys() == set(moto_patches.TARGETS)
    aws_endpoint.keep_connections_alive()
    assert werkzeug.serving.selectors is aws_endpoint._NothingToDrain  # type: ignore[attr-defined]


@pytest.mark.parametrize("target", GUARDED, ids=lambda target: f"{target.owner.__name__}.{target.name}")
def test_a_patch_refuses_when_its_target_is_gone(target: Target, pristine: pytest.MonkeyPatch, werkzeug_restored: None) -> None:
    # Given a library update that removed the function the patch replaces or wraps
    pristine.delattr(target.owner, target.name)
    # When the runtime starts, Then the patch refuses, naming itself, the function, and the installed version
    with pytest.raises(PatchRefused) as refused:
        _check(target)
    assert target.patch in str(refused.value)
    assert target.name in str(refused.value) and _installed(target) in str(refused.value)


@pytest.mark.parametrize("target", GUARDED, ids=lambda target: f"{target.owner.__name__}.{target.name}")
def test_a_patch_refuses_when_its_target_was_rewritten(
    target: Target, pristine: pytest.MonkeyPatch, werkzeug_restored: None
) -> None:
    # Given a library update that changed the code of the function the patch replaces or wraps
    original = target.original() if target is aws_endpoint.KEPT_ALIVE else moto_patches._ORIGINALS[target]
    pristine.setattr(target.owner, target.name, _rewritten(original))
    # When the runtime starts, Then the patch refuses: the source is not the one it was written against
    with pytest.raises(PatchRefused, match="is not the code the patch was written against") as refused:
        _check(target)
    assert target.patch in str(refused.value) and _installed(target) in str(refused.value)


@pytest.mark.parametrize("target", GUARDED, ids=lambda target: f"{target.owner.__name__}.{target.name}")
def test_a_patch_refuses_when_its_target_is_someone_elses_function(
    target: Target, pristine: pytest.MonkeyPatch, werkzeug_restored: None
) -> None:
    # Given the function replaced by something that is not the library's (another patch, a plain value)
    pristine.setattr(target.owner, target.name, lambda *args: None)
    with pytest.raises(PatchRefused, match="is no longer") as refused:
        _check(target)
    assert target.patch in str(refused.value)


@pytest.mark.parametrize(
    ("owner", "name", "patch"),
    [
        (Table, "get_item", moto_patches.TRANSACTIONS.patch),
        (SQSBackend, "get_queue", moto_patches.RETENTION.patch),
        (BaseJSONSerializer, "MAP_TYPE", moto_patches.EMPTY_KEYS.patch),
        (BaseJSONSerializer, "_default_serialize", moto_patches.EMPTY_KEYS.patch),
        (BaseJSONSerializer, "_serialize", moto_patches.EMPTY_KEYS.patch),
        (BaseJSONSerializer, "_base64", moto_patches.TYPED_VALUES.patch),
        (DynamoType, "to_json", moto_patches.TYPED_VALUES.patch),
        (Table, "get_index", moto_patches.QUERIES.patch),
    ],
)
def test_a_moto_patch_refuses_when_what_it_calls_is_gone(owner: Any, name: str, patch: str, pristine: pytest.MonkeyPatch) -> None:
    pristine.setattr(owner, name, None)
    with pytest.raises(PatchRefused, match=f"{owner.__qualname__}.{name}, which the patch uses, is gone") as refused:
        moto_patches.check_targets()
    assert patch in str(refused.value)


def test_the_transaction_patch_refuses_when_moto_tables_copy_themselves(pristine: pytest.MonkeyPatch) -> None:
    # Patch 1 sets Table.__deepcopy__ for the length of a transaction, then deletes it: moto's own would be lost.
    pristine.setattr(Table, "__deepcopy__", lambda table, memo: table, raising=False)
    with pytest.raises(PatchRefused, match="Table now defines __deepcopy__") as refused:
        moto_patches.check_targets()
    assert moto_patches.TRANSACTIONS.patch in str(refused.value)


def test_the_werkzeug_patch_refuses_when_the_server_no_longer_drains_with_selectors(werkzeug_restored: None) -> None:
    # Given a werkzeug whose server module has no `selectors` to stand in for
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.delattr(werkzeug.serving, "selectors")
        # Then the endpoint refuses to patch it, naming the patch
        with pytest.raises(PatchRefused, match="selectors, which the patch uses, is gone") as refused:
            aws_endpoint.keep_connections_alive()
    assert aws_endpoint.KEPT_ALIVE.patch in str(refused.value)
    assert WSGIRequestHandler.run_wsgi is aws_endpoint.KEPT_ALIVE.original()


@pytest.fixture
def local_timeouts(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """The runtime's timeouts for a worker's clients; boto3's default session is put back after the test."""
    monkeypatch.setenv("BATON_LOCAL_AWS_CONNECT_TIMEOUT", "2")
    monkeypatch.setenv("BATON_LOCAL_AWS_READ_TIMEOUT", "7")
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    return monkeypatch


def test_the_boto3_patch_sets_the_timeouts_on_the_default_session(local_timeouts: pytest.MonkeyPatch) -> None:
    lambda_worker._local_client_limits()
    assert boto3.DEFAULT_SESSION is not None
    config = boto3.DEFAULT_SESSION._session.get_default_client_config()
    assert (config.connect_timeout, config.read_timeout) == (2.0, 7.0)


def test_the_boto3_patch_refuses_when_the_session_hides_its_botocore_session(local_timeouts: pytest.MonkeyPatch) -> None:
    # Given a boto3 whose Session no longer keeps its botocore session in `_session`
    class Session:
        pass

    local_timeouts.setattr(boto3, "setup_default_session", lambda: setattr(boto3, "DEFAULT_SESSION", Session()))
    # When a worker starts with the runtime's timeouts, Then it refuses, naming the patch
    with pytest.raises(PatchRefused, match="_session, which the patch uses, is gone") as refused:
        lambda_worker._local_client_limits()
    assert lambda_worker.CLIENT_LIMITS in str(refused.value)
