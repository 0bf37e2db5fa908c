"""The push function end to end on moto, posting to a real `@connections` on loopback: 410 cleanup of
that connection only, throttling that outlasts the retries redelivers, one broken client isolated."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from aiohttp import web
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from baton.domain.models import User
from tests.integration.builders import new_handoff
from tests.integration.conftest import ApiClient, lambda_context
from tests.integration.event_builders import handoff_only, sqs_event, stream_event

REFUSALS = (("gone", 410, "GoneException"), ("busy", 429, "LimitExceededException"), ("bad", 500, "InternalServerErrorException"))


class ConnectionsApi:
    """`@connections` on loopback: 'gone*' 410, 'busy*' 429, 'bad*' 500; others 200, recorded."""

    def __init__(self) -> None:
        self.received: dict[str, list[dict[str, Any]]] = {}
        self.url = ""

    async def post(self, request: web.Request) -> web.Response:
        connection_id = request.match_info["connection_id"]
        for prefix, status, error in REFUSALS:
            if connection_id.startswith(prefix):
                return web.json_response({"message": error}, status=status, headers={"x-amzn-ErrorType": error})
        self.received.setdefault(connection_id, []).append(json.loads(await request.read()))
        return web.Response(status=200)


@pytest.fixture
def connections_api(aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[ConnectionsApi]:
    """The server on a loop of its own thread: the handler under test runs loops of its own."""
    api, loop = ConnectionsApi(), asyncio.new_event_loop()

    async def serve() -> web.AppRunner:
        app = web.Application()
        app.router.add_post("/dev/@connections/{connection_id}", api.post)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        api.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/dev"  # type: ignore[union-attr]
        return runner

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    runner = asyncio.run_coroutine_threadsafe(serve(), loop).result(10)
    monkeypatch.setenv("WEBSOCKET_MANAGEMENT_URL", api.url)
    yield api
    asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


def _connect(connection_id: str, account: str, user: str) -> None:
    from baton.logic import realtime
    from baton.repositories.connections import ConnectionRepository

    realtime.connect(connection_id, account, user, ConnectionRepository("ConnectionsTable", boto3.client("dynamodb")))


def _stored_connections() -> set[str]:
    items = boto3.client("dynamodb").scan(TableName="ConnectionsTable")["Items"]
    return {item["connection_id"]["S"] for item in items if "connection_id" in item}


def _push_batch(aws: dict[str, str]) -> dict[str, Any]:
    import push_handler
    import stream_router_handler

    stream_router_handler.handler(handoff_only(stream_event()), lambda_context())
    return dict(push_handler.handler(sqs_event(aws["PushQueue"]), lambda_context()))


def test_gone_connections_are_forgotten_one_by_one_and_a_broken_one_fails_alone(
    connections_api: ConnectionsApi, api: ApiClient, users: dict[str, User], aws: dict[str, str]
) -> None:
    # Given acme connections that are live, gone and broken, and a live globex one
    senior, other = users["senior@acme.test"].id, users["senior@globex.test"].id
    for connection_id in ("live1", "live2", "gone1", "bad1"):
        _connect(connection_id, "acme", senior)
    _connect("glob1", "globex", other)
    # When an acme escalation is pushed
    _, handoff_id = new_handoff(api, users["junior@acme.test"])
    reply = _push_batch(aws)
    # Then the live acme clients have it, globex's has nothing, and the message is done
    assert reply == {"batchItemFailures": []}
    assert {cid: [m["handoff"]["id"] for m in got] for cid, got in connections_api.received.items()} == {
        "live1": [handoff_id],
        "live2": [handoff_id],
    }
    # And only the gone connection's row was deleted
    assert _stored_connections() == {"live1", "live2", "bad1", "glob1"}


def test_throttling_that_outlasts_the_retries_returns_the_message_for_redelivery(
    connections_api: ConnectionsApi, api: ApiClient, users: dict[str, User], aws: dict[str, str]
) -> None:
    # Given an acme client whose posts are always throttled, and a live one
    _connect("busy1", "acme", users["senior@acme.test"].id)
    _connect("live1", "acme", users["senior2@acme.test"].id)
    # When an escalation is pushed
    new_handoff(api, users["junior@acme.test"])
    # Then the batch (its only message) fails, so Lambda returns it to the queue for later
    with pytest.raises(BatchProcessingError, match="All records failed"):
        _push_batch(aws)
    # And the live client has it meanwhile
    assert list(connections_api.received) == ["live1"]


def test_an_event_published_twice_by_a_retried_router_is_pushed_once(
    connections_api: ConnectionsApi, api: ApiClient, users: dict[str, User], aws: dict[str, str]
) -> None:
    import push_handler
    import stream_router_handler

    # Given a live acme client, and a router that published an escalation, then ran the same batch again
    # (as after being killed mid-batch: the stream hands it the same records, with the same event ids)
    _connect("live1", "acme", users["senior@acme.test"].id)
    _, handoff_id = new_handoff(api, users["junior@acme.test"])
    records = handoff_only(stream_event())
    for _ in range(2):
        assert stream_router_handler.handler(records, lambda_context()) == {"batchItemFailures": []}
    copies = sqs_event(aws["PushQueue"])["Records"]
    assert len(copies) == 2 and len({json.loads(r["body"])["event_id"] for r in copies}) == 1
    # When the push function takes each copy, in two invocations
    for copy in copies:
        assert push_handler.handler({"Records": [copy]}, lambda_context()) == {"batchItemFailures": []}
    # Then the client got the event once
    assert [m["handoff"]["id"] for m in connections_api.received["live1"]] == [handoff_id]


def test_two_copies_in_one_batch_push_once_and_the_late_copy_is_dropped_on_redelivery(
    connections_api: ConnectionsApi, api: ApiClient, users: dict[str, User], aws: dict[str, str]
) -> None:
    import push_handler
    import stream_router_handler

    _connect("live1", "acme", users["senior@acme.test"].id)
    new_handoff(api, users["junior@acme.test"])
    records = handoff_only(stream_event())
    for _ in range(2):
        stream_router_handler.handler(records, lambda_context())
    batch = sqs_event(aws["PushQueue"])
    # When both copies come in one batch (pushed concurrently), at most one is pushed; one that met the other
    # in flight is returned to the queue, and on redelivery it is recognised and dropped
    failed = {f["itemIdentifier"] for f in push_handler.handler(batch, lambda_context())["batchItemFailures"]}
    again = [r for r in batch["Records"] if r["messageId"] in failed]
    assert push_handler.handler({"Records": again}, lambda_context()) == {"batchItemFailures": []}
    assert len(connections_api.received["live1"]) == 1


def test_a_large_fan_out_is_split_across_invocations_through_the_parts_queue_and_each_part_pushed_once(
    connections_api: ConnectionsApi, api: ApiClient, users: dict[str, User], aws: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import push_handler
    import stream_router_handler
    from baton.logic import push

    # Given an acme account with 11 live connections, where one invocation posts to at most 4 (as 500 on AWS)
    monkeypatch.setattr(push, "CONNECTIONS_PER_PUSH", 4)
    live = [f"live{number:02d}" for number in range(11)]
    for connection_id in live:
        _connect(connection_id, "acme", users["senior@acme.test"].id)
    _, handoff_id = new_handoff(api, users["junior@acme.test"])
    stream_router_handler.handler(handoff_only(stream_event()), lambda_context())
    # When the push function takes the escalation
    assert push_handler.handler(sqs_event(aws["PushQueue"]), lambda_context()) == {"batchItemFailures": []}
    # Then it posted one part itself and handed the other two to the parts queue, one message each
    assert len(connections_api.received) == 4
    parts = sqs_event(aws["PushPartsQueue"])["Records"]
    assert sorted(json.loads(record["body"])["part"] for record in parts) == [2, 3]
    # When each part is taken by an invocation of its own (batch size 1), and one of them is delivered twice
    for record in [*parts, parts[0]]:
        assert push_handler.handler({"Records": [record]}, lambda_context()) == {"batchItemFailures": []}
    # Then every acme connection got the event exactly once
    assert {cid: [m["handoff"]["id"] for m in got] for cid, got in connections_api.received.items()} == {
        cid: [handoff_id] for cid in live
    }


def test_a_part_whose_posts_stay_throttled_is_redelivered_alone(
    connections_api: ConnectionsApi, api: ApiClient, users: dict[str, User], aws: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import push_handler
    import stream_router_handler
    from baton.logic import push

    # Given acme connections split in two parts of 2 (the index orders them by id), the second holding a
    # connection whose posts are always throttled
    monkeypatch.setattr(push, "CONNECTIONS_PER_PUSH", 2)
    for connection_id in ("a1", "a2", "busy1", "c1"):
        _connect(connection_id, "acme", users["senior@acme.test"].id)
    new_handoff(api, users["junior@acme.test"])
    stream_router_handler.handler(handoff_only(stream_event()), lambda_context())
    # When the event is pushed, its first part by this invocation
    assert push_handler.handler(sqs_event(aws["PushQueue"]), lambda_context()) == {"batchItemFailures": []}
    # Then the handed-off part alone fails (its message goes back to the parts queue for redelivery)
    (part,) = sqs_event(aws["PushPartsQueue"])["Records"]
    with pytest.raises(BatchProcessingError, match="All records failed"):
        push_handler.handler({"Records": [part]}, lambda_context())
    # And every live connection has the event meanwhile
    assert sorted(connections_api.received) == ["a1", "a2", "c1"]


def test_parts_go_to_the_parts_queue_in_batches_and_a_refusal_asks_for_redelivery(aws: dict[str, str]) -> None:
    from baton.domain.errors import Transient
    from baton.domain.websocket import PushPart
    from baton.publishers.sqs_push_parts import SqsPushParts

    # Given 23 parts of one fan-out (more than one SendMessageBatch holds)
    parts = [
        PushPart(event_id="e1", account_id="acme", part=n, parts=24, data="{}", connection_ids=[f"c{n}"]) for n in range(2, 25)
    ]
    sqs = boto3.client("sqs")
    # When they are sent, Then every one is on the parts queue, once
    SqsPushParts(aws["PushPartsQueue"], lambda: sqs).send(parts)
    received: list[int] = []
    while batch := sqs.receive_message(QueueUrl=aws["PushPartsQueue"], MaxNumberOfMessages=10).get("Messages", []):
        received += [json.loads(message["Body"])["part"] for message in batch]
    assert sorted(received) == list(range(2, 25))
    # And a queue that refuses them raises Transient: the event is redelivered and split again
    with pytest.raises(Transient):
        SqsPushParts(aws["PushPartsQueue"] + "-gone", lambda: sqs).send(parts[:1])


def test_what_the_environment_keeps_is_out_of_the_collectors_sight_before_the_first_fan_out(aws: dict[str, str]) -> None:
    import gc

    import push_handler

    # Given a fresh push environment (no object frozen yet)
    gc.unfreeze()
    # When its dependencies are built (on its first event)
    push_handler.dependencies()
    # Then the imports' and clients' objects are frozen: a full collection mid fan-out walks only the fan-out's own
    try:
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
