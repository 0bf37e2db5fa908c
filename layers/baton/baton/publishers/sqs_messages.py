"""One model as one SQS message, optionally delayed (at most 15 minutes): a batch of email recipients, a digest timer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from baton.domain.errors import Transient
from baton.domain.ladder import MAX_TIMER_DELAY_S
from baton.domain.modeling import Model

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient


class SqsMessages:
    def __init__(self, queue_url: str, client: SQSClient) -> None:
        self._url = queue_url
        self._client = client

    def send(self, message: Model, delay_s: int = 0) -> None:
        try:
            self._client.send_message(
                QueueUrl=self._url,
                MessageBody=message.model_dump_json(),
                DelaySeconds=max(0, min(MAX_TIMER_DELAY_S, delay_s)),
            )
        except (ClientError, BotoCoreError) as error:
            raise Transient("The queue did not take the message; it will be retried.") from error
