"""The fault table: consumers killed, frozen and fed poison; API workers killed; the AWS endpoint killed.

Each test breaks the fault runtime (`faulty`) for real, with signals to its processes, and
checks that the runtime notices, replaces what died and delivers every event. The endpoint
test comes last: a restarted endpoint is empty.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import FAULT_VISIBILITY_SECONDS, Stack, eventually
from tests.e2e.live import Live

SENIOR = "senior@acme.test"
# Emailed: not the live SENIOR (a live console is not emailed what was pushed to it, baton/domain/recipients.py).
MAILED = "senior2@acme.test"
CONSUMERS = ["StreamRouterFunction", "PushFunction", "EmailFunction"]


def _delivered_end_to_end(stack: Stack, seconds: float = 20, intake: dict[str, object] | None = None) -> None:
    """A new escalation is pushed to a listening senior and emailed to them."""

    async def scenario() -> None:
        async with Live(stack, SENIOR) as senior:
            _, handoff_id = await asyncio.to_thread(stack.escalate, "junior@acme.test", intake)
            await senior.next_for(handoff_id, "handoff_created", timeout=seconds)
            await asyncio.to_thread(eventually, lambda: stack.outbox_to(MAILED, handoff_id), seconds, "the escalation email")

    asyncio.run(scenario())


def _signal_all(pids: list[int], signum: signal.Signals) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)


@pytest.mark.parametrize("function", CONSUMERS)
def test_a_consumer_whose_workers_are_killed_is_restarted_and_keeps_delivering(faulty: Stack, function: str) -> None:
    # Given every warm worker of one consumer killed with SIGKILL
    killed = faulty.worker_pids(function)
    _signal_all(killed, signal.SIGKILL)
    # When a junior escalates, Then it is still pushed and emailed
    _delivered_end_to_end(faulty)
    # And the consumer runs on new workers, and its poller never stopped
    health = faulty.wait_healthy()
    assert not set(health["parts"][f"function:{function}"]["pids"]) & set(killed)
    assert all(part["restarts"] == 0 for name, part in health["parts"].items() if name.startswith("poller:"))


@pytest.mark.parametrize("function", CONSUMERS)
def test_a_frozen_consumer_is_replaced_and_its_events_are_delivered(faulty: Stack, function: str) -> None:
    # Given every warm worker of one consumer frozen with SIGSTOP
    frozen = faulty.worker_pids(function)
    _signal_all(frozen, signal.SIGSTOP)
    try:
        # When a junior escalates, Then the frozen worker handed the event is given up on and the event still arrives
        _delivered_end_to_end(faulty, seconds=25)
        assert set(frozen) - set(faulty.wait_healthy()["parts"][f"function:{function}"]["pids"])
    finally:
        _signal_all(frozen, signal.SIGCONT)


def test_an_event_whose_worker_is_killed_while_frozen_with_it_is_delivered(faulty: Stack) -> None:
    async def scenario() -> None:
        async with Live(faulty, SENIOR) as senior:
            # Given the push workers frozen, with the next event handed to one of them
            frozen = faulty.worker_pids("PushFunction")
            _signal_all(frozen, signal.SIGSTOP)
            _, handoff_id = await asyncio.to_thread(faulty.escalate)
            await asyncio.sleep(1.5)
            # When they are killed
            _signal_all(frozen, signal.SIGKILL)
            # Then the event is run again on a new worker and pushed
            await senior.next_for(handoff_id, "handoff_created", timeout=15)

    asyncio.run(scenario())


def _publishes(stack: Stack) -> int:
    """How many events the runtime's SNS has been asked to publish so far."""
    endpoint = stack.health().json()["aws_endpoint"]
    return int(httpx.get(f"{endpoint}/_local/requests").json().get("sns.Publish", {}).get("requests", 0))


def _drained(stack: Stack, queue: str) -> bool:
    sqs = stack.aws("sqs")
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    return all(value == "0" for value in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"].values())


def test_a_stream_router_killed_after_publishing_causes_no_duplicate_push(faulty: Stack) -> None:
    async def scenario() -> None:
        async with Live(faulty, SENIOR) as senior:
            # Given a stream router whose worker is killed after its next batch is published, before it answers
            before = await asyncio.to_thread(_publishes, faulty)
            faulty.fault("StreamRouterFunction", "kill_after", 1)
            # When a junior escalates
            _, handoff_id = await asyncio.to_thread(faulty.escalate)
            first = await senior.next_for(handoff_id, "handoff_created", timeout=15)
            # Then the stream retries the batch, and the event is published a second time, with the same event id
            await asyncio.to_thread(eventually, lambda: _publishes(faulty) >= before + 2, 20, "the retried batch's publish")
            await asyncio.to_thread(eventually, lambda: _drained(faulty, "PushQueue"), 20, "the push queue drained")
            # But the senior's console was pushed the event once: the push function knew its event id
            later = await senior.silence(1.5)
            assert [m for m in later if m.get("event_id") == first["event_id"]] == []
            # And the email went out once too (the email consumer knew it as well)
            await asyncio.to_thread(eventually, lambda: _drained(faulty, "EmailQueue"), 20, "the email queue drained")
            assert len(faulty.outbox_to(MAILED, handoff_id)) == 1

    asyncio.run(scenario())


@pytest.mark.parametrize(("queue", "dead_letters"), [("PushQueue", "PushDeadLetters"), ("EmailQueue", "EmailDeadLetters")])
def test_a_poison_message_ends_in_its_dead_letter_queue_and_the_queue_keeps_flowing(
    faulty: Stack, queue: str, dead_letters: str
) -> None:
    sqs = faulty.aws("sqs")
    source, dlq = (sqs.get_queue_url(QueueName=name)["QueueUrl"] for name in (queue, dead_letters))
    marker = f"poison-{time.time_ns()}"
    # Given a message its consumer can never process
    sqs.send_message(QueueUrl=source, MessageBody=json.dumps({"not an event": marker}))

    # When it has been received as often as the redrive policy allows (5 times, 2 s apart here)
    def in_dead_letters() -> bool:
        messages = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
        return any(marker in message["Body"] for message in messages)

    # Then it sits in the dead-letter queue
    eventually(in_dead_letters, 6 * FAULT_VISIBILITY_SECONDS + 15, f"{queue}'s poison message reaching {dead_letters}")
    # And real events still flow
    _delivered_end_to_end(faulty)


def test_a_poison_stream_record_goes_to_the_on_failure_destination_and_the_stream_moves_on(faulty: Stack) -> None:
    sqs = faulty.aws("sqs")
    failures = sqs.get_queue_url(QueueName="StreamFailures")["QueueUrl"]
    # Given a handoff item the stream router cannot read (written behind the API's back)
    faulty.aws("dynamodb").put_item(
        TableName="DataTable",
        Item={"pk": {"S": "POISON"}, "sk": {"S": f"HANDOFF#{time.time_ns()}"}, "entity": {"S": "handoff"}, "id": {"N": "1"}},
    )

    # When the mapping has retried it five times, Then Lambda's on-failure record of it is in StreamFailures
    def failure_recorded() -> list[dict[str, object]]:
        messages = sqs.receive_message(QueueUrl=failures, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
        return [json.loads(m["Body"]) for m in messages]

    (record, *_) = eventually(failure_recorded, 20, "the poison record's on-failure message")
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["DDBStreamBatchInfo"]["batchSize"] >= 1
    # And the stream moves on: the next escalation is delivered
    _delivered_end_to_end(faulty)


def test_an_item_with_an_empty_map_key_does_not_stop_the_stream(faulty: Stack) -> None:
    # Given an item whose map has an empty key, through the API (stored or refused up front) and straight into the table
    with faulty.client("junior@acme.test") as junior:
        created = junior.post("/api/v1/ai-sessions", json={"intake_type": "ticket", "intake_content": {"": "x"}})
    assert created.status_code in (201, 422), created.text
    faulty.aws("dynamodb").put_item(
        TableName="DataTable", Item={"pk": {"S": "EMPTY-KEY"}, "sk": {"S": "X"}, "intake_content": {"M": {"": {"S": "x"}}}}
    )
    # When a junior escalates, Then the stream still delivers it, and its poller is healthy
    _delivered_end_to_end(faulty)
    stream = next(part for name, part in faulty.wait_healthy()["parts"].items() if name.startswith("poller:StreamRouter"))
    assert stream["failing"] is None and stream["restarts"] == 0


def test_killed_api_workers_never_cost_a_non_json_answer(faulty: Stack) -> None:
    # Given every API worker killed with SIGKILL
    token = faulty.token(SENIOR)
    killed = faulty.worker_pids("ApiFunction")
    _signal_all(killed, signal.SIGKILL)

    # When requests arrive at once
    def me(_: int) -> httpx.Response:
        return httpx.get(f"{faulty.base_url}/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=30)

    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(me, range(8)))
    # Then every answer is JSON (the events went to new workers), and the pool is whole again
    assert all(reply.headers["content-type"].startswith("application/json") for reply in replies)
    assert [reply.status_code for reply in replies] == [200] * 8
    assert not set(faulty.wait_healthy()["parts"]["function:ApiFunction"]["pids"]) & set(killed)


def test_the_gateway_answers_json_even_for_its_own_errors(faulty: Stack) -> None:
    # When the gateway itself refuses a request (too large for the HTTP API)
    headers = {"Authorization": f"Bearer {faulty.token(SENIOR)}"}
    reply = httpx.post(
        f"{faulty.base_url}/api/v1/ai-sessions", content=b"x" * (10 * 1024 * 1024 + 1), headers=headers, timeout=30
    )
    # Then the answer is JSON, as API Gateway's are
    assert reply.status_code == 413 and reply.headers["content-type"].startswith("application/json")
    assert reply.json()["message"]


def _first_503(stack: Stack, seconds: float) -> dict[str, Any]:
    """The first health answer that is a 503, polled every 20 ms (a part may be down for well under a second)."""
    deadline = time.monotonic() + seconds
    while (reply := stack.health()).status_code != 503:
        assert time.monotonic() < deadline, f"health never answered 503 within {seconds} s: {reply.json()['down']}"
        time.sleep(0.02)
    return dict(reply.json())


def test_while_every_worker_of_a_function_is_dead_health_names_its_pool_then_recovers(faulty: Stack) -> None:
    part = "function:PushFunction"
    # Given every warm worker of the push function killed with SIGKILL
    killed = faulty.worker_pids("PushFunction")
    _signal_all(killed, signal.SIGKILL)
    # Then, until new ones have started (seconds: each imports its handler), health answers 503 naming that pool alone
    down = _first_503(faulty, 10)
    assert down["down"] == [part] and part in down["detail"], down
    assert down["parts"][part]["workers"] == 0 and down["status"] == "degraded"
    # And once they have, it is ok again, on new workers, and the function delivers
    health = faulty.wait_healthy(60)
    assert not set(health["parts"][part]["pids"]) & set(killed)
    _delivered_end_to_end(faulty)


# What SQS computes or keeps itself; the rest is what the template configured (redrive, visibility, policy).
_READ_ONLY_QUEUE_ATTRIBUTES = {
    "QueueArn", "CreatedTimestamp", "LastModifiedTimestamp", "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed",
}  # fmt: skip


def test_while_a_poller_cannot_read_its_queue_health_names_that_poller_then_recovers(faulty: Stack) -> None:
    part = "poller:EmailFunction/EmailQueue"
    sqs = faulty.aws("sqs")
    url = sqs.get_queue_url(QueueName="EmailQueue")["QueueUrl"]
    configured = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    configured = {name: value for name, value in configured.items() if name not in _READ_ONLY_QUEUE_ATTRIBUTES}
    # Given the email queue deleted behind the runtime's back
    sqs.delete_queue(QueueUrl=url)
    try:
        # Then health answers 503 naming the email queue's poller alone, with why it fails
        down = _first_503(faulty, 15)
        assert down["down"] == [part] and part in down["detail"], down
        assert "QueueDoesNotExist" in down["parts"][part]["failing"]
    finally:
        # When the queue is back as the template made it
        assert sqs.create_queue(QueueName="EmailQueue", Attributes=configured)["QueueUrl"] == url
    # Then the same poller (never restarted: it keeps trying) reads it again, health is ok, and escalations are emailed
    health = faulty.wait_healthy(30)
    assert health["parts"][part]["failing"] is None and health["parts"][part]["restarts"] == 0
    _delivered_end_to_end(faulty)


def test_when_the_aws_endpoint_dies_health_names_it_calls_fail_fast_and_it_comes_back(faulty: Stack) -> None:
    token = faulty.token(SENIOR)
    endpoint_pid = next(pid for pid in faulty.health().json()["pids"][1:2])
    # Given the AWS endpoint killed with SIGKILL
    os.kill(endpoint_pid, signal.SIGKILL)
    # Then health answers 503 and names it
    down = eventually(lambda: (r := faulty.health()).status_code == 503 and r.json(), 5, "health naming the endpoint")
    assert "aws_endpoint" in down["down"] and "aws_endpoint" in down["detail"]
    # And API calls fail fast with a 503 that says to retry; the outbox answers as JSON
    started = time.monotonic()
    me = httpx.get(f"{faulty.base_url}/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert time.monotonic() - started < 5 and me.status_code == 503, me.text
    assert "cannot be reached" in me.json()["detail"]
    outbox = httpx.get(f"{faulty.base_url}/local/outbox", timeout=30)
    assert outbox.headers["content-type"].startswith("application/json")
    # And the endpoint is started again (empty, demo users seeded again), so the whole flow works
    health = faulty.wait_healthy(60)
    assert health["parts"]["aws_endpoint"]["restarts"] >= 1 and endpoint_pid not in health["pids"]
    _delivered_end_to_end(faulty)
