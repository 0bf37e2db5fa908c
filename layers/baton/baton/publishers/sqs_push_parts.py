"""Parts of a large fan-out as messages on the push parts queue: each one a push invocation of its own."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from baton.domain.errors import Transient
from baton.domain.websocket import PushPart

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient
    from mypy_boto3_sqs.type_defs import SendMessageBatchRequestEntryTypeDef

SQS_BATCH = 10  # entries per SendMessageBatch


class SqsPushParts:
    """`connect` makes the SQS client on first use: only a fan-out past one invocation's share needs it.
    The events of a batch are pushed on threads of their own; a boto3 session makes one client at a time."""

    def __init__(self, queue_url: str, connect: Callable[[], SQSClient]) -> None:
        self._url = queue_url
        self._connect = connect
        self._made: SQSClient | None = None
        self._making = threading.Lock()

    def _client(self) -> SQSClient:
        with self._making:
            if self._made is None:
                self._made = self._connect()
            return self._made

    def send(self, parts: list[PushPart]) -> None:
        """Every part, or `Transient`: the event is then redelivered and split again, and a part already
        sent is recognised by its (event, part) key and not posted twice."""
        for start in range(0, len(parts), SQS_BATCH):
            entries: list[SendMessageBatchRequestEntryTypeDef] = [
                {"Id": str(part.part), "MessageBody": part.model_dump_json()} for part in parts[start : start + SQS_BATCH]
            ]
            try:
                reply = self._client().send_message_batch(QueueUrl=self._url, Entries=entries)
            except ClientError as error:
                raise Transient("The push parts queue refused a fan-out's parts; the event will be redelivered.") from error
            if reply.get("Failed"):
                raise Transient(f"The push parts queue refused {len(reply['Failed'])} parts; the event will be redelivered.")
