"""A PSA connector's queue (SQS: the lifecycle events of handoffs linked to its tickets) → internal notes and the
owner on the ticket (baton/logic/psa_notes.py).

One code base, deployed once per PSA connector (ConnectWiseFunction, ...) with PSA_CONNECTOR set to its name: each
has its own queue, DLQ, alarms and concurrency, so one PSA being down never delays push, email, chat or another PSA.
A rate limit (429, or the account's request budget) puts the message back for the provider's Retry-After: the work
waits in its queue, never dropped.
"""

import gc

gc.disable()  # no collection during init: what it builds lives as long as the environment (baton.init_heap)

from collections.abc import Callable
from functools import cache, partial
from typing import Any, NamedTuple

import boto3
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError

from baton import init_heap
from baton.connectors.registry import PSAS, allowed_hosts
from baton.domain.connector_state import ConnectorSetup
from baton.domain.errors import Transient
from baton.domain.events import HandoffEvent
from baton.domain.modeling import Model
from baton.domain.redelivery import DEAD_LETTER_RETENTION_SECONDS
from baton.logic import psa_notes
from baton.observability import OutboundReport, instruments
from baton.publishers.provider_http import ProviderHttp
from baton.repositories.connectors import ConnectorRepository
from baton.settings import Settings, served_connector

logger, metrics, tracer = instruments()
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
METRIC_OF = {"delivered": "PsaNotesDelivered", "already_there": "PsaNotesDelivered", "rejected": "PsaRejected"}
report = OutboundReport(logger, metrics, "psa note", METRIC_OF, "PsaNotesDeferred")
MAX_WAIT_S = 12 * 3600  # SQS's longest visibility timeout


class Note(Model):
    """One event's write-back to one PSA: the unit that happens once (keyed by connector and event)."""

    connector: str
    event: HandoffEvent


class Dependencies(NamedTuple):
    name: str
    note_once: Callable[..., Any]
    idempotency: IdempotencyConfig
    sqs: Any
    store: ConnectorRepository


@cache
def dependencies() -> Dependencies:
    settings = Settings.from_env()
    name = served_connector("PSA_CONNECTOR", PSAS)
    dynamodb = boto3.client("dynamodb")
    store = ConnectorRepository(settings.data_table_name, settings.connectors_parameter_path, dynamodb, boto3.client("ssm"))
    transport = ProviderHttp(allowed_hosts(settings.connector_hosts), settings.webhook_ca_bundle)
    # Kept as long as a dead letter may be redriven: a redrive never writes a note twice.
    config = IdempotencyConfig(
        event_key_jmespath="[connector, event.event_id]", expires_after_seconds=DEAD_LETTER_RETENTION_SECONDS
    )
    persistence = DynamoDBPersistenceLayer(table_name=settings.idempotency_table_name, boto3_client=dynamodb)

    @idempotent_function(data_keyword_argument="note", config=config, persistence_store=persistence)
    def note_once(note: Note, redelivered: bool, setup: ConnectorSetup) -> dict[str, Any]:
        """Delivered or refused for good, the outcome is recorded once; a retryable failure raises `Transient`."""
        result = psa_notes.write_back(note.event, note.connector, store, transport, settings.console_url, redelivered, setup)
        fields = {**note.event.log_fields(), "connector": note.connector, "account_id": note.event.account_id}
        report.outcome(result.outcome, {**fields, **result.model_dump()})
        return result.model_dump()

    return Dependencies(name, note_once, config, boto3.client("sqs"), store)


def _wait(record: SQSRecord, seconds: int, sqs: Any) -> None:
    """Put the message back for `seconds` (the provider's Retry-After) instead of the queue's visibility timeout."""
    queue_name = record.event_source_arn.rsplit(":", 1)[-1]
    try:
        url = sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
        sqs.change_message_visibility(
            QueueUrl=url, ReceiptHandle=record.receipt_handle, VisibilityTimeout=max(0, min(seconds, MAX_WAIT_S))
        )
    except ClientError as error:  # the queue's own timeout then applies
        logger.warning("could not set the retry's wait", extra={"reason": str(error)})


def record_handler(record: SQSRecord, setup_of: Callable[[str], ConnectorSetup | None]) -> None:
    event = HandoffEvent.model_validate_json(record.body)
    deps = dependencies()
    if not psa_notes.is_noted(event, deps.name):
        return
    redelivered = int(record.attributes.approximate_receive_count or "1") > 1
    try:
        setup = setup_of(event.account_id)
        if setup is None:  # the account removed the connector: no note to write, so nothing is kept
            report.outcome("not_configured", {**event.log_fields(), "connector": deps.name, "account_id": event.account_id})
            return
        deps.note_once(note=Note(connector=deps.name, event=event), redelivered=redelivered, setup=setup)
    except Transient as error:
        report.deferred(error, {**event.log_fields(), "connector": deps.name})
        if isinstance(error.extra.get("retry_after_s"), int):
            _wait(record, error.extra["retry_after_s"], deps.sqs)
        raise


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    deps = dependencies()
    deps.idempotency.register_lambda_context(context)

    @cache
    def setup_of(account_id: str) -> ConnectorSetup | None:
        """The account's connector, read once per account and batch. Kept for this batch only: every event of it was
        written before it was received, so the read sees any set-up made before the event; the next batch reads again."""
        return deps.store.get(account_id, deps.name)

    one_record = partial(record_handler, setup_of=setup_of)
    return process_partial_response(event=event, record_handler=one_record, processor=processor, context=context)


init_heap.freeze()  # last: what the imports built is never walked by the collector again
