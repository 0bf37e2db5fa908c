"""Push queue (SQS) → every WebSocket connection of the event's account.

The events of a batch are pushed concurrently (Powertools' AsyncBatchProcessor); the events of
one account share one connections Query; every post runs on one event loop that lives as long as
the execution environment, so its keep-alive connections serve invocation after invocation.

An account with more connections than one invocation should post to has its fan-out split: this
invocation posts the first part and sends the others to the push parts queue (batch size 1), where each
is an invocation of its own, in parallel (`baton.logic.push`).

Each event is pushed once, keyed by its `event_id` (Powertools idempotency, as the email and chat
consumers do): a stream router retried after it published (killed mid-batch) publishes the same
event again, and that copy is dropped here rather than pushed to every console a second time. Each part
of a split fan-out is pushed once too, keyed by its event and number."""

import gc

gc.disable()  # no collection during init: what it builds lives as long as the environment (baton.init_heap)

import asyncio
import gc
import threading
import time
from collections.abc import Callable
from functools import cache, partial
from typing import Any, NamedTuple, cast

import boto3
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import AsyncBatchProcessor, EventType, async_process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from baton import init_heap
from baton.domain.errors import Transient
from baton.domain.events import HandoffEvent
from baton.domain.invitation_events import INVITATION_CREATED
from baton.domain.websocket import POSTS_IN_FLIGHT, PushPart
from baton.logic import push
from baton.observability import instruments
from baton.publishers.connection_poster import ConnectionPoster, EventHooks
from baton.publishers.sqs_push_parts import SqsPushParts
from baton.repositories.connections import ConnectionRepository
from baton.settings import PushSettings

logger, metrics, tracer = instruments()
processor = AsyncBatchProcessor(event_type=EventType.SQS)


# How long an event id is remembered: the stream router's retries and the push queue's redeliveries
# come within minutes, and a console applies by version anyway.
DEDUP_SECONDS = 15 * 60


class Dependencies(NamedTuple):
    connections: ConnectionRepository
    poster: ConnectionPoster
    posting_loop: asyncio.AbstractEventLoop
    push_once: Callable[..., dict[str, Any]]
    push_part_once: Callable[..., dict[str, Any]]
    idempotency: IdempotencyConfig


@cache
def dependencies() -> Dependencies:
    settings = PushSettings.from_env()
    session = boto3.session.Session()
    credentials = session.get_credentials()
    if credentials is None:
        raise RuntimeError("no AWS credentials to sign posts to the Management API with")
    # Not used to post: it gives the region and the botocore event system the poster honours.
    management = session.client("apigatewaymanagementapi", endpoint_url=settings.websocket_management_url)
    # Powertools runs a batch on a new loop per invocation outside Lambda; this one stays.
    posting_loop = asyncio.new_event_loop()
    threading.Thread(target=posting_loop.run_forever, name="posting-loop", daemon=True).start()
    poster = ConnectionPoster(
        settings.websocket_management_url,
        management.meta.region_name,
        credentials.get_frozen_credentials,
        POSTS_IN_FLIGHT,
        cast(EventHooks, management.meta.events),  # an EventAliaser; the stubs type its base
    )
    config = IdempotencyConfig(
        event_key_jmespath="event_id", expires_after_seconds=DEDUP_SECONDS, use_local_cache=True, response_hook=_duplicate
    )
    dynamodb = session.client("dynamodb")  # one client (thread-safe) for the connections and both idempotency layers
    persistence = DynamoDBPersistenceLayer(table_name=settings.idempotency_table_name, boto3_client=dynamodb)
    parts = SqsPushParts(settings.push_parts_queue_url, lambda: session.client("sqs"))

    @idempotent_function(data_keyword_argument="event", config=config, persistence_store=persistence)
    def push_once(event: HandoffEvent, batch: push.BatchConnections, received_at: float) -> dict[str, Any]:
        """Runs on a worker thread while the posts run on the posting loop. Throttling that outlasts the
        retries raises `Transient`: nothing is recorded, and the redelivered event is pushed again."""
        pushing = asyncio.run_coroutine_threadsafe(push.push_event(event, batch, poster, parts), posting_loop)
        return _reported("pushed", pushing.result(), {**event.log_fields(), "received_at": received_at})

    part_config = IdempotencyConfig(
        event_key_jmespath="[event_id, part]", expires_after_seconds=DEDUP_SECONDS, use_local_cache=True, response_hook=_duplicate
    )

    # A persistence layer of its own: Powertools configures one (its key expression) once, for its first function.
    part_persistence = DynamoDBPersistenceLayer(table_name=settings.idempotency_table_name, boto3_client=dynamodb)

    @idempotent_function(data_keyword_argument="part", config=part_config, persistence_store=part_persistence)
    def push_part_once(part: PushPart, batch: push.BatchConnections, received_at: float) -> dict[str, Any]:
        """One part of a split fan-out, as `push_once` pushes an event: its throttling redelivers this part only."""
        pushing = asyncio.run_coroutine_threadsafe(push.push_part(part, batch, poster), posting_loop)
        fields = {"event_id": part.event_id, "account_id": part.account_id, "part": part.part, "parts": part.parts}
        return _reported("pushed part", pushing.result(), {**fields, "received_at": received_at})

    built = Dependencies(
        connections=ConnectionRepository(settings.connections_table_name, dynamodb),
        poster=poster,
        posting_loop=posting_loop,
        push_once=push_once,
        push_part_once=push_part_once,
        idempotency=config,
    )
    # Everything the imports and these clients made lives as long as the environment: out of the collector's sight.
    # A fan-out keeps a thousand posts' objects alive for a while, which brings on full collections; without this,
    # each walked every object of boto3, pydantic and Powertools too (a quarter of a second, now and then, mid fan-out:
    # the slow rounds of `make bench`'s fan-out at 1,000 connections and more).
    gc.freeze()
    return built


def _reported(message: str, report: push.PushReport, fields: dict[str, Any]) -> dict[str, Any]:
    logger.info(message, extra={**report._asdict(), **fields, "posted_at": time.time()})  # epoch seconds: `make bench` reads them
    metrics.add_metric(name="PushDelivered", unit=MetricUnit.Count, value=report.delivered)
    metrics.add_metric(name="PushGone", unit=MetricUnit.Count, value=report.gone)
    if report.retry_worthy:
        raise Transient(f"{report.throttled} connections stayed throttled; the event will be redelivered.")
    return report._asdict()


def _duplicate(response: Any, idempotent_data: DataRecord) -> Any:
    """A copy of an event already pushed (a stream router retried after it published): not pushed again."""
    logger.info("duplicate event not pushed again", extra={"idempotency_key": idempotent_data.idempotency_key})
    metrics.add_metric(name="PushDuplicates", unit=MetricUnit.Count, value=1)
    return response


async def record_handler(record: SQSRecord, batch: push.BatchConnections) -> None:
    received_at = time.time()
    message = record.json_body
    if isinstance(message, dict) and message.get("type") == INVITATION_CREATED:
        # The subscription's filter keeps invitations away: an invitation is never pushed (nor failed, so never retried).
        logger.warning("an invitation event reached the push queue: dropped", extra={"event_id": str(message.get("event_id"))})
        return
    if isinstance(message, dict) and "connection_ids" in message:  # a part of a split fan-out (the push parts queue)
        part = PushPart.model_validate(message)
        await asyncio.to_thread(dependencies().push_part_once, part=part, batch=batch, received_at=received_at)
        return
    event = HandoffEvent.model_validate(message)
    await asyncio.to_thread(dependencies().push_once, event=event, batch=batch, received_at=received_at)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    deps = dependencies()
    deps.idempotency.register_lambda_context(context)
    batch = push.BatchConnections(deps.connections)
    return async_process_partial_response(
        event=event, record_handler=partial(record_handler, batch=batch), processor=processor, context=context
    )


init_heap.freeze()  # last: what the imports built is never walked by the collector again
