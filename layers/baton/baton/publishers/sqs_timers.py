"""SLA timers as delayed SQS messages (at most 15 minutes each; `baton.domain.ladder` chains longer waits)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from baton.domain.errors import Transient
from baton.domain.ladder import MAX_TIMER_DELAY_S, Timer

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient


class SqsTimerQueue:
    def __init__(self, queue_url: str, client: SQSClient) -> None:
        self._url = queue_url
        self._client = client

    def schedule(self, timer: Timer, delay_s: int) -> None:
        try:
            self._client.send_message(
                QueueUrl=self._url,
                MessageBody=timer.model_dump_json(),
                DelaySeconds=max(0, min(MAX_TIMER_DELAY_S, delay_s)),
            )
        except ClientError as error:
            raise Transient("The timer queue refused a timer; it will be retried.") from error
