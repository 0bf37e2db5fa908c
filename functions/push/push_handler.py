"""Push queue (SQS) → every WebSocket connection of the event's account.

The events of a batch are pushed concurrently (Powertools' AsyncBatchProcessor); the events of
one account share one connections Query; every post runs on one event loop that lives as long as
the execution environment, so its keep-alive connections serve invocation after invocation."""

import asyncio
import threading
import time
from dataclasses import dataclass
from functools import cache, partial
from typing import Any, cast

import boto3
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import AsyncBatchProcessor, EventType, async_process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
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


@dataclass(frozen=True)
class Dependencies:
    connections: ConnectionRepository
    poster: ConnectionPoster
    posting_loop: asyncio.AbstractEventLoop


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
    return Dependencies(
        connections=ConnectionRepository(settings.connections_table_name, session.client("dynamodb")),
        poster=ConnectionPoster(
            settings.websocket_management_url,
            management.meta.region_name,
            credentials.get_frozen_credentials,
            POSTS_IN_FLIGHT,
            cast(EventHooks, management.meta.events),  # an EventAliaser; the stubs type its base
        ),
        posting_loop=posting_loop,
    )


async def record_handler(record: SQSRecord, batch: push.BatchConnections) -> None:
    received_at = time.time()
    message = record.json_body
    if isinstance(message, dict) and message.get("type") == INVITATION_CREATED:
        # The subscription's filter keeps invitations away: an invitation is never pushed (nor failed, so never retried).
        logger.warning("an invitation event reached the push queue: dropped", extra={"event_id": str(message.get("event_id"))})
        return
    event = HandoffEvent.model_validate(message)
    deps = dependencies()
    pushing = asyncio.run_coroutine_threadsafe(push.push_event(event, batch, deps.poster), deps.posting_loop)
    report = await asyncio.wrap_future(pushing)
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


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    batch = push.BatchConnections(dependencies().connections)
    return async_process_partial_response(
        event=event, record_handler=partial(record_handler, batch=batch), processor=processor, context=context
    )
