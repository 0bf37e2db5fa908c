"""The local runtime keeps going: supervised parts restart, pollers outlive errors, pools replace dead workers."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import textwrap
from pathlib import Path
from typing import Any

import pytest

from local.faults import FaultMode, FaultRequest, FaultSwitch
from local.lambda_pool import FunctionError, FunctionPool
from local.pollers import SqsPoller, StreamPoller
from local.supervisor import PartState, Supervisor
from local.template import EventSourceSpec, FunctionSpec
from tests.conftest import ROOT

pytestmark = pytest.mark.anyio

HANDLER = textwrap.dedent(
    """
    import time

    def handler(event, context):
        time.sleep(event.get("sleep", 0))
        if event.get("fail"):
            raise ValueError("asked to fail")
        return {"echo": event.get("value")}
    """
)


def _sqs_spec(**changes: Any) -> EventSourceSpec:
    fields: dict[str, Any] = {
        "function": "PushFunction",
        "kind": "SQS",
        "source": "PushQueue",
        "batch_size": 10,
        "batching_window_seconds": 0,
        "filters": [],
        "report_batch_item_failures": True,
    }
    return EventSourceSpec(**(fields | changes))


class FlakyPool:
    """A pool whose first invocations die the way a killed worker's did (ConnectionResetError)."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.events: list[dict[str, Any]] = []

    async def invoke(self, event: dict[str, Any]) -> Any:
        self.events.append(event)
        if self.failures:
            self.failures -= 1
            raise ConnectionResetError("Connection lost")
        return {"batchItemFailures": []}


class FakeSqs:
    def __init__(self, bodies: list[str]) -> None:
        self.waiting = [{"MessageId": str(i), "ReceiptHandle": f"r{i}", "Body": body} for i, body in enumerate(bodies)]
        self.deleted: list[str] = []

    def receive_message(self, **_: Any) -> dict[str, Any]:
        return {"Messages": list(self.waiting)}

    def delete_message_batch(self, QueueUrl: str, Entries: list[dict[str, str]]) -> None:
        handles = {entry["ReceiptHandle"] for entry in Entries}
        self.deleted += [m["MessageId"] for m in self.waiting if m["ReceiptHandle"] in handles]
        self.waiting = [m for m in self.waiting if m["ReceiptHandle"] not in handles]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def _until(check: Any, seconds: float = 5) -> None:
    async with asyncio.timeout(seconds):
        while not check():  # noqa: ASYNC110 (polling a fake's state is the point)
            await asyncio.sleep(0.01)


async def test_a_part_that_dies_is_logged_with_its_traceback_and_started_again(caplog: pytest.LogCaptureFixture) -> None:
    # Given a supervised part that crashes on its first run and then keeps running
    runs: list[int] = []

    async def part(_: PartState) -> None:
        runs.append(1)
        if len(runs) == 1:
            raise ConnectionResetError("the worker went away")
        await asyncio.sleep(3600)

    supervisor = Supervisor()
    # When it runs
    with caplog.at_level(logging.ERROR, logger="baton.local"):
        state = supervisor.keep_running("poller:Demo", part)
        await _until(lambda: len(runs) == 2)
    await supervisor.stop()
    # Then the crash was logged with its traceback, and the part was started again and is up
    crash = next(record for record in caplog.records if "poller:Demo died" in record.getMessage())
    assert crash.exc_info and crash.exc_info[0] is ConnectionResetError
    assert state.up and state.restarts == 1 and state.last_error == "ConnectionResetError: the worker went away"


async def test_the_sqs_poller_outlives_a_crashed_worker_and_redelivers_its_batch() -> None:
    # Given a queue with two messages and a function whose first invocation dies with its worker
    pool, sqs = FlakyPool(failures=1), FakeSqs(["one", "two"])
    poller = SqsPoller(_sqs_spec(), pool, sqs, "url", "arn", workers=1)  # type: ignore[arg-type]
    # When the poller runs
    task = asyncio.create_task(poller.run())
    await _until(lambda: not sqs.waiting)
    task.cancel()
    # Then the failed batch was not deleted but received again, and then processed: nothing lost
    assert len(pool.events) == 2 and pool.events[0] == pool.events[1]
    assert sorted(sqs.deleted) == ["0", "1"] and poller.health.failing is None


class FakeStream:
    """One shard; its first GetRecords fails as a dying endpoint's would."""

    def __init__(self) -> None:
        self.reads = 0
        self.records = [
            {"eventID": "e1", "eventName": "INSERT", "dynamodb": {"SequenceNumber": "1", "NewImage": {"pk": {"S": "a"}}}}
        ]

    def describe_table(self, TableName: str) -> dict[str, Any]:
        return {"Table": {"LatestStreamArn": "arn:stream"}}

    def describe_stream(self, StreamArn: str) -> dict[str, Any]:
        return {"StreamDescription": {"Shards": [{"ShardId": "s1"}]}}

    def get_shard_iterator(self, **_: Any) -> dict[str, Any]:
        return {"ShardIterator": "0"}

    def get_records(self, ShardIterator: str, Limit: int) -> dict[str, Any]:
        self.reads += 1
        if self.reads == 1:
            raise ConnectionResetError("endpoint went away")
        position = int(ShardIterator)
        return {"Records": self.records[position:], "NextShardIterator": str(len(self.records))}


async def test_the_stream_poller_outlives_read_and_worker_failures_and_loses_nothing() -> None:
    # Given a stream whose first read fails, and a function whose first invocation dies with its worker
    stream, pool = FakeStream(), FlakyPool(failures=1)
    spec = _sqs_spec(kind="DynamoDB", source="DataTable", maximum_retry_attempts=5)
    poller = StreamPoller(spec, pool, stream, stream, None, None)  # type: ignore[arg-type]
    poller.start_at_latest("DataTable")
    # When the poller runs
    task = asyncio.create_task(poller.run())
    await _until(lambda: len(pool.events) == 2)
    await asyncio.sleep(0.1)
    task.cancel()
    # Then the record was retried after the crash and delivered, once more only
    assert [event["Records"][0]["eventID"] for event in pool.events] == ["e1", "e1"]
    assert poller.health.failing is None


@pytest.fixture
def pool_spec(tmp_path: Path) -> FunctionSpec:
    (tmp_path / "echo.py").write_text(HANDLER)
    return FunctionSpec(name="EchoFunction", code_dir=tmp_path, handler="echo.handler", timeout=3, memory=128, environment={})


def _pool(spec: FunctionSpec, size: int, faults: FaultSwitch | None = None) -> FunctionPool:
    return FunctionPool(spec, {"PYTHONPATH": str(ROOT)}, size, faults)


async def test_a_killed_idle_worker_is_replaced_and_no_event_is_lost(pool_spec: FunctionSpec) -> None:
    # Given a pool of two warm workers, both killed while idle
    pool = _pool(pool_spec, size=2)
    await pool.start()
    try:
        killed = pool.pids()
        for pid in killed:
            os.kill(pid, signal.SIGKILL)
        # When events arrive
        replies = await asyncio.gather(*(pool.invoke({"value": n}) for n in range(4)))
        # Then every event ran on a new worker
        assert replies == [{"echo": n} for n in range(4)]
        await _until(lambda: len(pool.pids()) == 2)
        assert not set(pool.pids()) & set(killed)
    finally:
        await pool.stop()


async def test_an_event_on_a_worker_killed_mid_run_fails_and_the_next_one_runs(pool_spec: FunctionSpec) -> None:
    # Given a worker busy with a slow event
    pool = _pool(pool_spec, size=1)
    await pool.start()
    try:
        running = asyncio.create_task(pool.invoke({"sleep": 2}))
        await asyncio.sleep(0.3)
        # When it is killed
        os.kill(pool.pids()[0], signal.SIGKILL)
        # Then that invocation fails as Lambda's "Runtime exited" does, and the pool serves the next one
        with pytest.raises(FunctionError, match=r"Runtime exited .*SIGKILL"):
            await running
        assert await pool.invoke({"value": "after"}) == {"echo": "after"}
    finally:
        await pool.stop()


async def test_the_fault_switch_fails_then_hangs_a_function_for_the_count_asked(pool_spec: FunctionSpec) -> None:
    # Given a pool, and its function armed to fail twice
    faults = FaultSwitch()
    pool = _pool(pool_spec, size=1, faults=faults)
    await pool.start()
    try:
        faults.arm(FaultRequest(function="EchoFunction", mode=FaultMode.FAIL, count=2))
        # When it is invoked three times
        outcomes = []
        for _ in range(3):
            try:
                outcomes.append(await pool.invoke({"value": 1}))
            except FunctionError as error:
                outcomes.append(str(error))
        # Then two invocations fail on purpose and the third runs
        assert [isinstance(o, str) and "InjectedFault" in o for o in outcomes] == [True, True, False]
        # And a hang lasts the function's timeout, then fails as a timeout
        faults.arm(FaultRequest(function="EchoFunction", mode=FaultMode.HANG, count=1))
        started = asyncio.get_running_loop().time()
        with pytest.raises(FunctionError, match="timed out"):
            await pool.invoke({"value": 1})
        assert asyncio.get_running_loop().time() - started >= pool_spec.timeout
        assert faults.as_json() == {}
    finally:
        await pool.stop()


async def test_a_kill_after_fault_lets_the_work_happen_then_kills_the_worker_and_fails(pool_spec: FunctionSpec) -> None:
    # Given a pool whose function is armed to die after its next invocation's work
    faults = FaultSwitch()
    pool = _pool(pool_spec, size=1, faults=faults)
    await pool.start()
    try:
        (before,) = pool.pids()
        faults.arm(FaultRequest(function="EchoFunction", mode=FaultMode.KILL_AFTER, count=1))
        # When it is invoked, Then the invocation fails as a killed runtime does, and its worker is replaced
        with pytest.raises(FunctionError, match=r"killed by SIGKILL\) after its work"):
            await pool.invoke({"value": 1})
        assert await pool.invoke({"value": "after"}) == {"echo": "after"}
        assert before not in pool.pids()
    finally:
        await pool.stop()


async def test_each_workers_first_invocation_is_reported_with_its_init_duration_as_lambda_does(
    pool_spec: FunctionSpec, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a pool of one warm worker
    pool = _pool(pool_spec, size=1)
    await pool.start()
    try:
        # When it runs two events
        with caplog.at_level(logging.INFO, logger="baton.local"):
            for value in (1, 2):
                assert await pool.invoke({"value": value}) == {"echo": value}
    finally:
        await pool.stop()
    # Then one REPORT line, for the first, carries its duration, memory and Init Duration (as Lambda prints a cold start)
    (line,) = [record.getMessage() for record in caplog.records if "REPORT" in record.getMessage()]
    fields = dict(field.split(": ", 1) for field in line.split("\t")[1:])
    assert line.startswith("EchoFunction: REPORT RequestId: ")
    assert set(fields) == {"Duration", "Billed Duration", "Memory Size", "Max Memory Used", "Init Duration"}
    assert fields["Memory Size"] == "128 MB" and float(fields["Init Duration"].removesuffix(" ms")) > 0


def test_each_function_gets_warm_environments_for_its_event_sources() -> None:
    from local.runtime import Runtime, RuntimeOptions
    from local.template import Template

    # Given the template as `make dev` reads it
    template = Template(ROOT / "template.yaml")
    sources = template.event_sources()
    runtime = Runtime(RuntimeOptions(pool_size=4))
    sizes = {name: runtime._pool_size(name, template, sources) for name in template.functions()}
    # Then the API gets the configured size, the stream router one (one shard, one batch at a time), the WebSocket
    # functions two, and each queue two concurrent batches: the push function four (its events and their parts)
    assert sizes["ApiFunction"] == 4 and sizes["StreamRouterFunction"] == 1
    assert sizes["WsFunction"] == sizes["WsAuthorizerFunction"] == sizes["EmailFunction"] == 2
    assert sizes["PushFunction"] == 4
