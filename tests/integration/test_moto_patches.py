"""The local endpoint's fixes to moto keep moto's answers: only their cost changes."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.core.utils import unix_time_millis
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.sqs.models import sqs_backends

from local import moto_patches
from local.template import ACCOUNT, REGION

SQS_HOST = f"sqs.{REGION}.amazonaws.com"
DYNAMODB_HOST = "dynamodb"


def test_receive_still_drops_messages_past_retention() -> None:
    moto_patches.install()
    with mock_aws():
        # Given a queue that keeps messages 60 s, holding one sent just now and one sent 61 s ago
        sqs = boto3.client("sqs", region_name=REGION)
        url = sqs.create_queue(QueueName="retention", Attributes={"MessageRetentionPeriod": "60"})["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="stale")
        sqs.send_message(QueueUrl=url, MessageBody="fresh")
        queue = sqs_backends[ACCOUNT][REGION].get_queue("retention")
        stale = next(message for message in queue._messages if message.body == "stale")
        stale.sent_timestamp = int(unix_time_millis()) - 61_000
        # When a consumer receives, one message at a time as moto checks them in order
        bodies = [
            message["Body"]
            for _ in range(2)
            for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1).get("Messages", [])
        ]
        # Then only the message still within its retention period is handed out
        assert bodies == ["fresh"]


def test_backend_lookup_is_remembered_per_host(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given the patched dispatcher, counting the lookups moto itself performs
    moto_patches.install()
    looked_up: list[str | None] = []

    def counting(self: Any, host: str | None) -> Any:
        looked_up.append(host)
        return original(self, host)

    original = moto_patches._backend_for_host
    monkeypatch.setattr(moto_patches, "_backend_for_host", counting)
    monkeypatch.setattr(moto_patches, "_BACKEND_BY_HOST", {})
    dispatcher = DomainDispatcherApplication(create_backend_app)
    # When two services' hosts are resolved twice each
    answers = [dispatcher.get_backend_for_host(host) for host in [SQS_HOST, DYNAMODB_HOST] * 2]
    # Then each host resolves to its own backend, and moto's lookup ran once per host
    assert answers == ["sqs", "dynamodb", "sqs", "dynamodb"]
    assert looked_up == [SQS_HOST, DYNAMODB_HOST]
