"""DynamoDB stream → one handoff event per change → the events topic (SNS); a change that sets an SLA
deadline also arms its timer (a delayed message on the timer queue).

The records of a batch are published concurrently (Powertools' AsyncBatchProcessor, each
publish on a worker thread): one at a time, a busy stream falls behind by the sum of the
publish round trips. SNS does not keep order anyway; consumers order by `version`."""

import gc

gc.disable()  # no collection during init: what it builds lives as long as the environment (baton.init_heap)

import asyncio
import time
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import AsyncBatchProcessor, EventType, async_process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from baton import init_heap
from baton.domain.clock import utc_now
from baton.logic import sla
from baton.logic.routing import image, route_change, route_invitation_change
from baton.observability import instruments
from baton.publishers.sns_events import SnsEventPublisher
from baton.publishers.sqs_timers import SqsTimerQueue
from baton.repositories.codec import from_attrs
from baton.repositories.handoffs import handoff_from_item
from baton.repositories.invitations import invitation_from_item
from baton.settings import TimerSettings

logger, metrics, tracer = instruments()
processor = AsyncBatchProcessor(event_type=EventType.DynamoDBStreams)


@cache
def publisher() -> SnsEventPublisher:
    return SnsEventPublisher(TimerSettings.from_env().events_topic_arn, boto3.client("sns"))


@cache
def timers() -> SqsTimerQueue:
    return SqsTimerQueue(TimerSettings.from_env().timer_queue_url, boto3.client("sqs"))


async def record_handler(record: DynamoDBRecord) -> None:
    seen_at = time.time()
    change: dict[str, Any] = record.raw_event.get("dynamodb", {})
    new, old = image(change, "NewImage"), image(change, "OldImage")
    entity = (new or old or {}).get("entity")
    if entity == {"S": "invitation"}:
        return await invitation_record(new, old, str(record.event_id))
    if entity != {"S": "handoff"}:
        return  # FilterCriteria keeps other items away; never fail a batch over one that slips through
    after = handoff_from_item(from_attrs(new)) if new else None
    before = handoff_from_item(from_attrs(old)) if old else None
    # eventID is the same on every retry of this record: consumers dedupe on it.
    event = await asyncio.to_thread(route_change, before, after, str(record.event_id), publisher())
    # Armed after the publish: a failure retries the record, and both the event and the timer are idempotent.
    timer = await asyncio.to_thread(sla.arm, before, after, timers(), utc_now())
    if timer is not None:
        logger.info("timer armed", extra={"handoff_id": timer.handoff_id, "overdue_level": timer.level, "due_at": timer.due_at})
    if event is not None:
        logger.info(
            "published",
            extra={
                **event.log_fields(),
                "seen_at": seen_at,  # epoch seconds: the hop timings `make bench` reads
                "published_at": time.time(),
            },
        )
        metrics.add_metric(name="EventsPublished", unit=MetricUnit.Count, value=1)


async def invitation_record(new: dict[str, Any] | None, old: dict[str, Any] | None, event_id: str) -> None:
    after = invitation_from_item(from_attrs(new)) if new else None
    before = invitation_from_item(from_attrs(old)) if old else None
    event = await asyncio.to_thread(route_invitation_change, before, after, event_id, publisher())
    if event is not None:
        logger.info("published", extra=event.log_fields())
        metrics.add_metric(name="InvitationEventsPublished", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    publisher(), timers()  # a missing setting fails the invocation here, naming it, not each record five times
    return async_process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)


init_heap.freeze()  # last: what the imports built is never walked by the collector again
