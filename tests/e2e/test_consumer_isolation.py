"""A failing consumer never blocks another, and loses nothing: the local fault switch breaks one on purpose.

Runs on the fault runtime (`faulty`), whose queues redeliver failed messages after 2 s.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from tests.e2e.conftest import Stack, eventually
from tests.e2e.live import Live

SENIOR = "senior@acme.test"
# Emailed: not the live SENIOR (a live console is not emailed what was pushed to it, baton/domain/recipients.py).
MAILED = "senior2@acme.test"


def test_email_flows_while_push_fails_and_the_push_comes_once_push_recovers(faulty: Stack) -> None:
    async def scenario() -> None:
        async with Live(faulty, SENIOR) as senior:
            # Given the push function failing every invocation
            faulty.fault("PushFunction", "fail", 1000)
            # When a junior escalates
            _, handoff_id = await asyncio.to_thread(faulty.escalate)
            # Then the email goes out while push keeps failing, and nothing is pushed
            await asyncio.to_thread(eventually, lambda: faulty.outbox_to(MAILED, handoff_id), 15, "the escalation email")
            assert [m for m in await senior.silence(1) if m.get("handoff", {}).get("id") == handoff_id] == []
            # And once push works again, the held event arrives: nothing was lost
            faulty.clear_faults()
            await senior.next_for(handoff_id, "handoff_created", timeout=15)

    asyncio.run(scenario())


def test_email_flows_while_push_hangs_and_the_push_comes_after_the_timeout(faulty: Stack) -> None:
    async def scenario() -> None:
        async with Live(faulty, SENIOR) as senior:
            # Given the push function's next invocation hanging (until its 10 s timeout, as a stuck Lambda would)
            faulty.fault("PushFunction", "hang", 1)
            # When a junior escalates
            _, handoff_id = await asyncio.to_thread(faulty.escalate)
            # Then the email goes out while the push is stuck, and nothing is pushed yet
            await asyncio.to_thread(eventually, lambda: faulty.outbox_to(MAILED, handoff_id), 8, "the escalation email")
            assert [m for m in await senior.silence(1) if m.get("handoff", {}).get("id") == handoff_id] == []
            # And after the timed-out invocation, the redelivered event is pushed: nothing was lost
            await senior.next_for(handoff_id, "handoff_created", timeout=30)

    asyncio.run(scenario())


def test_push_flows_while_email_fails_and_the_email_goes_once_email_recovers(faulty: Stack) -> None:
    async def scenario() -> None:
        async with Live(faulty, SENIOR) as senior:
            # Given the email function failing every invocation
            faulty.fault("EmailFunction", "fail", 1000)
            # When a junior escalates
            _, handoff_id = await asyncio.to_thread(faulty.escalate)
            # Then the push arrives at once, while no email goes out
            await senior.next_for(handoff_id, "handoff_created", timeout=5)
            await asyncio.sleep(1)
            assert faulty.outbox_to(MAILED, handoff_id) == []
            # And once email works again, the email goes out: nothing was lost
            faulty.clear_faults()
            await asyncio.to_thread(eventually, lambda: faulty.outbox_to(MAILED, handoff_id), 15, "the held email")

    asyncio.run(scenario())


def test_the_stream_router_fails_then_recovers_and_nothing_is_lost(faulty: Stack) -> None:
    failures = faulty.aws("sqs").get_queue_url(QueueName="StreamFailures")["QueueUrl"]

    async def scenario() -> None:
        async with Live(faulty, SENIOR) as senior:
            # Given the stream router failing its next three invocations (the mapping retries five times)
            faulty.fault("StreamRouterFunction", "fail", 3)
            # When a junior escalates
            _, handoff_id = await asyncio.to_thread(faulty.escalate)
            # Then, retried, the event reaches both consumers
            await senior.next_for(handoff_id, "handoff_created", timeout=15)
            await asyncio.to_thread(eventually, lambda: faulty.outbox_to(MAILED, handoff_id), 15, "the escalation email")
        # And the fault was used up, and no batch holding this handoff's record went to the stream's
        # on-failure destination (the fault runtime is shared: an earlier test's batch may be there)
        assert faulty.health().json()["faults"] == {}
        ours = _sequence_numbers(faulty, handoff_id)
        assert ours
        given_up = [_batch_range(message) for message in _drain(faulty.aws("sqs"), failures)]
        assert not [(start, end) for start, end in given_up if any(start <= number <= end for number in ours)]

    asyncio.run(scenario())


def _sequence_numbers(stack: Stack, handoff_id: str) -> list[int]:
    """The stream records that carry a handoff, by sequence number."""
    streams = stack.aws("dynamodbstreams")
    arn = stack.aws("dynamodb").describe_table(TableName="DataTable")["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    numbers = []
    while iterator:
        page = streams.get_records(ShardIterator=iterator, Limit=1000)
        numbers += [int(r["dynamodb"]["SequenceNumber"]) for r in page["Records"] if handoff_id in str(r["dynamodb"])]
        iterator = page.get("NextShardIterator") if page["Records"] else None
    return numbers


def _drain(sqs: Any, url: str) -> list[dict[str, Any]]:
    messages = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        messages += [json.loads(message["Body"]) for message in batch]
    return messages


def _batch_range(message: dict[str, Any]) -> tuple[int, int]:
    info = message["DDBStreamBatchInfo"]
    return int(info["startSequenceNumber"]), int(info["endSequenceNumber"])


def test_the_fault_switch_refuses_unknown_functions_and_bad_modes(faulty: Stack) -> None:
    import httpx

    # When a fault is asked for a function the template does not have, or with a mode that does not exist
    unknown = httpx.post(f"{faulty.base_url}/local/faults", json={"function": "NoSuchFunction", "mode": "fail"})
    bad_mode = httpx.post(f"{faulty.base_url}/local/faults", json={"function": "PushFunction", "mode": "explode"})
    string_count = httpx.post(f"{faulty.base_url}/local/faults", json={"function": "PushFunction", "mode": "fail", "count": "2"})
    # Then 404 and 422, as JSON that says why, and nothing is armed
    assert unknown.status_code == 404 and "PushFunction" in unknown.json()["detail"]
    assert bad_mode.status_code == 422 and bad_mode.json()["errors"][0]["loc"] == ["mode"]
    assert string_count.status_code == 422
    assert httpx.get(f"{faulty.base_url}/local/faults").json() == {"faults": {}}
