"""Timer queue (SQS, delayed messages) → the SLA ladder: wait on, or raise an unpicked escalation's level.

The raise is one conditional write; the stream turns it into a `handoff_overdue` event (pushed and
emailed like every other) and arms the next timer. Powertools idempotency keeps a redelivered
message from sending its next 15-minute hop twice; the write's condition keeps a late, duplicate or
stale timer from raising anything.
"""

import gc

gc.disable()  # no collection during init: what it builds lives as long as the environment (baton.init_heap)

from collections.abc import Callable
from functools import cache
from typing import Any, NamedTuple

import boto3
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.typing import LambdaContext

from baton import init_heap
from baton.domain.clock import utc_now
from baton.domain.ladder import Timer
from baton.logic import sla
from baton.observability import instruments
from baton.publishers.sqs_timers import SqsTimerQueue
from baton.repositories.handoffs import HandoffRepository
from baton.settings import TimerSettings

logger, metrics, tracer = instruments()
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


class Dependencies(NamedTuple):
    fire_once: Callable[..., dict[str, Any]]
    idempotency: IdempotencyConfig


@cache
def dependencies() -> Dependencies:
    settings = TimerSettings.from_env()
    dynamodb = boto3.client("dynamodb")
    store = HandoffRepository(settings.data_table_name, dynamodb)
    queue = SqsTimerQueue(settings.timer_queue_url, boto3.client("sqs"))
    config = IdempotencyConfig(event_key_jmespath="[handoff_id, level, due_at, hop]", expires_after_seconds=24 * 3600)
    persistence = DynamoDBPersistenceLayer(table_name=settings.idempotency_table_name, boto3_client=dynamodb)

    @idempotent_function(data_keyword_argument="timer", config=config, persistence_store=persistence)
    def fire_once(timer: Timer) -> dict[str, Any]:
        fired = sla.fire(timer, utc_now(), store, queue)
        log = {"handoff_id": timer.handoff_id, "timer_level": timer.level, "due_at": timer.due_at, "hop": timer.hop}
        if fired.handoff is not None:
            level = fired.handoff.overdue_level
            logger.info("overdue", extra={**log, "overdue_level": level, "version": fired.handoff.version})
            with single_metric(name="HandoffsOverdue", unit=MetricUnit.Count, value=1) as metric:
                metric.add_dimension(name="overdue_level", value=str(level) if level < 3 else "3+")
        elif fired.outcome == "stale":
            logger.info("timer stale", extra=log)  # claimed, withdrawn, resolved, released or already raised
            metrics.add_metric(name="TimersStale", unit=MetricUnit.Count, value=1)
        return {"outcome": fired.outcome}

    return Dependencies(fire_once, config)


def record_handler(record: SQSRecord) -> None:
    dependencies().fire_once(timer=Timer.model_validate_json(record.body))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    dependencies().idempotency.register_lambda_context(context)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)


init_heap.freeze()  # last: what the imports built is never walked by the collector again
