"""Push queue (SQS) → every WebSocket connection of the event's account.

The events of a batch are pushed concurrently (Powertools' AsyncBatchProcessor); the events of
one account share one connections Query; every post runs on one event loop that lives as long as
the execution environment, so its keep-alive connections serve invocation after invocation.

Each event is pushed once, keyed by its `event_id` (Powertools idempotency, as the email and chat
consumers do): a stream router retried after it published (killed mid-batch) publishes the same
event again, and that copy is dropped here rather than pushed to every console a second time."""

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, partial
from typing import Any, cast

import boto3
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import AsyncBatchProcessor, EventType, async_process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from baton.domain.errors import Transient
from baton.domain.events import HandoffEvent
from baton.domain.invitation_events import INVITATION_CREATED
from baton.domain.websocket import POSTS_IN_FLIGHT
from baton.logic import push
from baton.observability import instruments
from baton.publishers.connection_poster import ConnectionPoster, EventHooks
from baton.repositories.connections import ConnectionRepository
from baton.settings import Settings

logger, metrics, tracer = instruments()
processor = AsyncBatchProcessor(event_type=EventType.SQS)


# How long an event id is remembered: the stream router's retries and the push queue's redeliveries
# come within minutes, and a console applies by version anyway.
DEDUP_SECONDS = 15 * 60


@dataclass(frozen=True)
class Dependencies:
    connections: ConnectionRepository
    poster: ConnectionPoster
    posting_loop: asyncio.AbstractEventLoop
    push_once: Callable[..., dict[str, Any]]
    idempotency: IdempotencyConfig


@cache
def dependencies() -> Dependencies:
    settings = Settings.from_env()
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
    persistence = DynamoDBPersistenceLayer(table_name=settings.idempotency_table_name, boto3_client=session.client("dynamodb"))

    @idempotent_function(data_keyword_argument="event", config=config, persistence_store=persistence)
    def push_once(event: HandoffEvent, batch: push.BatchConnections, received_at: float) -> dict[str, Any]:
        """Runs on a worker thread while the posts run on the posting loop. Throttling that outlasts the
        retries raises `Transient`: nothing is recorded, and the redelivered event is pushed again."""
        pushing = asyncio.run_coroutine_threadsafe(push.push_event(event, batch, poster), posting_loop)
        report = pushing.result()
        logger.info(
            "pushed",
            extra={
                **event.log_fields(),
                "received_at": received_at,  # epoch seconds: the hop timings `make bench` reads
                "posted_at": time.time(),
                **report.__dict__,
            },
        )
        metrics.add_metric(name="PushDelivered", unit=MetricUnit.Count, value=report.delivered)
        metrics.add_metric(name="PushGone", unit=MetricUnit.Count, value=report.gone)
        if report.retry_worthy:
            raise Transient(f"{report.throttled} connections stayed throttled; the event will be redelivered.")
        return dict(report.__dict__)

    return Dependencies(
        connections=ConnectionRepository(settings.connections_table_name, session.client("dynamodb")),
        poster=poster,
        posting_loop=posting_loop,
        push_once=push_once,
        idempotency=config,
    )


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
