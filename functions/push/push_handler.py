"""Push queue (SQS) → every WebSocket connection of the event's account.

The events of a batch are pushed concurrently (Powertools' AsyncBatchProcessor, each event on
a worker thread, its posts sharing one pool): a batch takes about as long as its slowest event."""

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import AsyncBatchProcessor, EventType, async_process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from baton.errors import Transient
from baton.events import HandoffEvent
from baton.logic import push
from baton.observability import instruments
from baton.publishers.websocket_connections import CLIENT_CONFIG, ManagementApiSender
from baton.realtime import POST_CONCURRENCY
from baton.repositories.connections import ConnectionRepository
from baton.settings import Settings

logger, metrics, tracer = instruments()
processor = AsyncBatchProcessor(event_type=EventType.SQS)


@dataclass(frozen=True)
class Dependencies:
    connections: ConnectionRepository
    sender: ManagementApiSender
    pool: ThreadPoolExecutor


@cache
def dependencies() -> Dependencies:
    settings = Settings.from_env()
    # One client shared by every thread (boto3 clients are thread-safe), with a pool to match.
    management = boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=settings.websocket_management_url,
        config=CLIENT_CONFIG,
    )
    return Dependencies(
        connections=ConnectionRepository(settings.connections_table_name, boto3.client("dynamodb")),
        sender=ManagementApiSender(management),
        pool=ThreadPoolExecutor(max_workers=POST_CONCURRENCY),
    )


async def record_handler(record: SQSRecord) -> None:
    received_at = time.time()
    event = HandoffEvent.model_validate_json(record.body)
    deps = dependencies()
    report = await asyncio.to_thread(push.push_event, event, deps.connections, deps.sender, deps.pool)
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
    return async_process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
