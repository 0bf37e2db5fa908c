"""A failing consumer never blocks another: a broken push path, email still goes out.

Uses a runtime of its own, because it breaks it on purpose.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import boto3
import httpx
import pytest

from tests.e2e.conftest import Stack, start_stack


@pytest.fixture(scope="module")
def broken_push(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with start_stack(tmp_path_factory.mktemp("broken")) as stack:
        endpoint = httpx.get(f"{stack.base_url}/local/health").json()["aws_endpoint"]
        aws = {"endpoint_url": endpoint, "region_name": "us-east-1", "aws_access_key_id": "x", "aws_secret_access_key": "x"}
        # Break the push consumer: the table it reads connections from is gone.
        boto3.client("dynamodb", **aws).delete_table(TableName="ConnectionsTable")
        yield stack


def test_email_is_delivered_while_the_push_consumer_fails(broken_push: Stack) -> None:
    stack = broken_push
    endpoint = httpx.get(f"{stack.base_url}/local/health").json()["aws_endpoint"]
    sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    push_queue = sqs.get_queue_url(QueueName="PushQueue")["QueueUrl"]
    # When a junior escalates
    with stack.client("junior@acme.test") as junior:
        session = junior.post("/api/v1/ai-sessions", json={"intake_type": "ticket", "intake_content": {}}).json()
        assert junior.post(f"/api/v1/ai-sessions/{session['id']}/handoff", json={"intent": "escalate"}).status_code == 201
    # Then the emails go out
    deadline = time.monotonic() + 15
    while len(httpx.get(f"{stack.base_url}/local/outbox").json()) < 4:
        assert time.monotonic() < deadline, "email was held up by the failing push consumer"
        time.sleep(0.2)
    # While the push consumer keeps failing: its event is still on its queue, not lost
    attributes = sqs.get_queue_attributes(QueueUrl=push_queue, AttributeNames=["All"])["Attributes"]
    assert int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"]) >= 1
