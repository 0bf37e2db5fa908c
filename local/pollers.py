"""Event source mappings, run as Lambda runs them: DynamoDB stream and SQS pollers.

Each applies the template's batch size, FilterCriteria and partial batch failure
semantics; stream pollers also retry with bisection, drop records past their maximum
age and send what they give up on to the on-failure destination.

A poller never stops on an error: a failed read or delivery is logged (with its traceback,
once per streak) and tried again after a backoff. A batch whose function crashed counts as
failed, as Lambda counts it: SQS messages come back after their visibility timeout, a stream
batch is retried from its checkpoint. `failing` tells health what the last error was.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from local import event_filter
from local.lambda_pool import FunctionPool
from local.stream_records import lambda_record
from local.template import REGION, EventSourceSpec

log = logging.getLogger("baton.local")
IDLE_POLL_SECONDS = 0.02  # DynamoDB Streams has no long polling: the stream poller looks this often
SQS_LONG_POLL_SECONDS = 2


class PollerHealth:
    """Consecutive errors of one poller: logged with a traceback at the first, then every 30 s."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.failing: str | None = None
        self._streak = 0
        self._logged_at = 0.0

    def ok(self) -> None:
        if self._streak:
            log.info("%s works again after %d failed tries", self.name, self._streak)
        self.failing, self._streak = None, 0

    async def failed(self, error: Exception) -> None:
        self.failing = f"{type(error).__name__}: {error}"
        self._streak += 1
        if self._streak == 1 or time.monotonic() - self._logged_at > 30:
            log.error("%s failed (%d in a row); trying again", self.name, self._streak, exc_info=error)
            self._logged_at = time.monotonic()
        await asyncio.sleep(min(0.1 * 2**self._streak, 5.0))


def _failed_ids(result: Any) -> list[str] | None:
    """Item identifiers of a partial batch response, or None when the whole batch succeeded."""
    if isinstance(result, dict) and result.get("batchItemFailures"):
        return [str(item.get("itemIdentifier")) for item in result["batchItemFailures"]]
    return None


class StreamPoller:
    """One DynamoDB stream shard reader feeding one function, in order."""

    def __init__(self, spec: EventSourceSpec, pool: FunctionPool, dynamodb: Any, streams: Any, sqs: Any, dlq_url: str | None):
        self.spec = spec
        self._pool = pool
        self._dynamodb = dynamodb
        self._streams = streams
        self._sqs = sqs
        self._dlq_url = dlq_url
        self._iterators: dict[str, str] = {}
        self._stream_arn = ""
        self._table = ""
        self.health = PollerHealth(f"poller:{spec.function}/{spec.source}")

    def start_at_latest(self, table_name: str) -> None:
        """StartingPosition LATEST: only changes made from now on."""
        self._table = table_name
        self._open("LATEST")

    def _open(self, position: str) -> None:
        self._stream_arn = self._dynamodb.describe_table(TableName=self._table)["Table"]["LatestStreamArn"]
        shards = self._streams.describe_stream(StreamArn=self._stream_arn)["StreamDescription"]["Shards"]
        self._iterators = {
            shard["ShardId"]: self._streams.get_shard_iterator(
                StreamArn=self._stream_arn, ShardId=shard["ShardId"], ShardIteratorType=position
            )["ShardIterator"]
            for shard in shards
        }

    def _follow_a_new_stream(self) -> None:
        """After the endpoint restarted, the table (and its stream) is a new one: read it from its start."""
        if self._dynamodb.describe_table(TableName=self._table)["Table"]["LatestStreamArn"] != self._stream_arn:
            log.warning("%s: the table %s has a new stream; reading it from its start", self.health.name, self._table)
            self._open("TRIM_HORIZON")

    async def run(self) -> None:
        while True:
            try:
                busy = await self._poll_once()
            except Exception as error:
                await self.health.failed(error)
                with contextlib.suppress(Exception):  # still unreachable: the next round reports it
                    await asyncio.to_thread(self._follow_a_new_stream)
                continue
            self.health.ok()
            if not busy:
                await asyncio.sleep(IDLE_POLL_SECONDS)

    async def _poll_once(self) -> bool:
        busy = False
        for shard_id, iterator in list(self._iterators.items()):
            page = await asyncio.to_thread(self._streams.get_records, ShardIterator=iterator, Limit=1000)
            records = [lambda_record(raw, self._stream_arn) for raw in page.get("Records", [])]
            for start in range(0, len(records), self.spec.batch_size):
                await self._deliver(records[start : start + self.spec.batch_size])
            # The checkpoint moves once the page is handled: a failure above reads it again.
            self._iterators[shard_id] = page["NextShardIterator"]
            busy = busy or bool(records)
        return busy

    async def _deliver(self, records: list[dict[str, Any]]) -> None:
        fresh = [r for r in records if not self._too_old(r)]
        await self._give_up(records=[r for r in records if self._too_old(r)], condition="RecordAgeExceeded")
        batch = [r for r in fresh if event_filter.passes(r, self.spec.filters)]
        await self._invoke_with_retries(batch, attempt=0)

    def _too_old(self, record: dict[str, Any]) -> bool:
        limit = self.spec.maximum_record_age_seconds
        created = record["dynamodb"].get("ApproximateCreationDateTime")
        return limit > 0 and isinstance(created, float) and time.time() - created > limit

    async def _invoke_with_retries(self, batch: list[dict[str, Any]], attempt: int) -> None:
        while batch:
            try:
                result = await self._pool.invoke({"Records": batch})
                failed = _failed_ids(result) if self.spec.report_batch_item_failures else None
                if failed is None:
                    return
                # Lambda retries from the first failed sequence number; earlier records are done.
                first = min(int(number) for number in failed)
                batch = [r for r in batch if int(r["dynamodb"]["SequenceNumber"]) >= first]
            except Exception as error:  # the function raised, crashed or timed out
                log.warning("%s failed on a stream batch of %d: %s", self.spec.function, len(batch), error)
                if self.spec.bisect_on_error and len(batch) > 1:
                    half = len(batch) // 2
                    await self._invoke_with_retries(batch[:half], attempt + 1)
                    await self._invoke_with_retries(batch[half:], attempt + 1)
                    return
            attempt += 1
            retries = self.spec.maximum_retry_attempts
            if 0 <= retries < attempt:
                await self._give_up(batch, "RetryAttemptsExhausted")
                return
            await asyncio.sleep(min(0.05 * 2**attempt, 1.0))

    async def _give_up(self, records: list[dict[str, Any]], condition: str) -> None:
        """Send the batch's description to the on-failure destination, as Lambda does, and move on."""
        if not records or not self._dlq_url:
            return
        numbers = [r["dynamodb"]["SequenceNumber"] for r in records]
        message = {
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": f"arn:aws:lambda:{REGION}:123456789012:function:{self.spec.function}",
                "condition": condition,
                "approximateInvokeCount": self.spec.maximum_retry_attempts + 1,
            },
            "timestamp": datetime.now(UTC).isoformat(),
            "DDBStreamBatchInfo": {
                "shardId": next(iter(self._iterators), ""),
                "startSequenceNumber": min(numbers),
                "endSequenceNumber": max(numbers),
                "batchSize": len(records),
                "streamArn": self._stream_arn,
            },
        }
        await asyncio.to_thread(self._sqs.send_message, QueueUrl=self._dlq_url, MessageBody=json.dumps(message))


class SqsPoller:
    """Receives from one queue and invokes one function; unreported messages are deleted."""

    def __init__(self, spec: EventSourceSpec, pool: FunctionPool, sqs: Any, queue_url: str, queue_arn: str, workers: int):
        self.spec = spec
        self._pool = pool
        self._sqs = sqs
        self._url = queue_url
        self._arn = queue_arn
        self._workers = workers
        self.health = PollerHealth(f"poller:{spec.function}/{spec.source}")

    async def run(self) -> None:
        # Several pollers per queue, like Lambda's concurrent batches, bounded by the pool size.
        await asyncio.gather(*(self._poll() for _ in range(self._workers)))

    async def _poll(self) -> None:
        while True:
            try:
                await self._poll_once()
            except Exception as error:
                await self.health.failed(error)
            else:
                self.health.ok()

    async def _poll_once(self) -> None:
        reply = await asyncio.to_thread(
            self._sqs.receive_message,
            QueueUrl=self._url,
            MaxNumberOfMessages=min(self.spec.batch_size, 10),
            WaitTimeSeconds=SQS_LONG_POLL_SECONDS,  # as Lambda's pollers: answered the moment a message lands
            MessageAttributeNames=["All"],
            MessageSystemAttributeNames=["All"],
        )
        messages = reply.get("Messages", [])
        if messages:
            await self._deliver(messages)

    async def _deliver(self, messages: list[dict[str, Any]]) -> None:
        records = [self._lambda_record(m) for m in messages]
        passed = [r for r in records if event_filter.passes(r, self.spec.filters)]
        done = {r["messageId"] for r in records if r not in passed}  # filtered out: Lambda deletes them
        if passed:
            try:
                result = await self._pool.invoke({"Records": passed})
            except Exception as error:  # raised, crashed or timed out: every message of the batch comes back later
                log.warning("%s failed on %d messages: %s", self.spec.function, len(passed), error)
                failed = {r["messageId"] for r in passed}
            else:
                failed = set(_failed_ids(result) or []) if self.spec.report_batch_item_failures else set()
            done |= {r["messageId"] for r in passed if r["messageId"] not in failed}
        handles = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages) if m["MessageId"] in done]
        if handles:
            await asyncio.to_thread(self._sqs.delete_message_batch, QueueUrl=self._url, Entries=handles)

    def _lambda_record(self, message: dict[str, Any]) -> dict[str, Any]:
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message.get("Attributes", {}),
            "messageAttributes": {
                name: {
                    "stringValue": value.get("StringValue"),
                    "binaryValue": value.get("BinaryValue"),
                    "stringListValues": [],
                    "binaryListValues": [],
                    "dataType": value["DataType"],
                }
                for name, value in message.get("MessageAttributes", {}).items()
            },
            "md5OfBody": message.get("MD5OfBody", ""),
            "eventSource": "aws:sqs",
            "eventSourceARN": self._arn,
            "awsRegion": REGION,
        }
