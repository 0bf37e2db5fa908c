"""The local endpoint's fixes to moto keep moto's answers: only their cost changes."""

from __future__ import annotations

import sys
import threading
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws
from moto.core.base_backend import BackendDict
from moto.core.serialize import BaseJSONSerializer
from moto.core.utils import unix_time_millis
from moto.dynamodb.models.table import SecondaryIndex, Table
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.sqs.models import Message, sqs_backends

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


_SCALARS = st.one_of(
    st.text(max_size=4).map(lambda text: {"S": text}),
    st.integers(-(10**6), 10**6).map(lambda number: {"N": str(number)}),
    st.binary(max_size=4).map(lambda blob: {"B": blob}),
    st.booleans().map(lambda flag: {"BOOL": flag}),
    st.just({"NULL": True}),
    st.sets(st.text(min_size=1, max_size=3), min_size=1, max_size=3).map(lambda texts: {"SS": sorted(texts)}),
    st.sets(st.integers(0, 99), min_size=1, max_size=3).map(lambda numbers: {"NS": [str(n) for n in sorted(numbers)]}),
    st.sets(st.binary(min_size=1, max_size=3), min_size=1, max_size=3).map(lambda blobs: {"BS": sorted(blobs)}),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.dictionaries(st.text(max_size=3), inner, max_size=3).map(lambda members: {"M": members}),
        st.lists(inner, max_size=3).map(lambda members: {"L": members}),
    ),
    max_leaves=8,
)


def _unpatched(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto's own code for what patches 5 to 8 replace (until the test's end)."""
    monkeypatch.setattr(BaseJSONSerializer, "_serialize_type_structure", moto_patches._serialize_structure)
    monkeypatch.setattr(BackendDict, "_create_account_specific_backend", moto_patches._create_backend)
    monkeypatch.setattr(Table, "query", moto_patches._query)
    monkeypatch.setattr(Table, "all_items", moto_patches._all_items)
    monkeypatch.setattr(SecondaryIndex, "project", moto_patches._project)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(attributes=st.dictionaries(st.text(min_size=1, max_size=3), _VALUES, max_size=4))
def test_typed_values_read_back_as_moto_writes_them(attributes: dict[str, Any]) -> None:
    moto_patches.install()
    with mock_aws(), pytest.MonkeyPatch.context() as monkeypatch:
        # Given an item of arbitrary typed values (maps, lists, sets, blobs, empty keys and strings)
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        dynamodb.create_table(
            TableName="values",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        item = {**attributes, "pk": {"S": "one"}}
        dynamodb.put_item(TableName="values", Item=item)
        # When it is read through the patched serializer, and then through moto's own
        patched = dynamodb.get_item(TableName="values", Key={"pk": {"S": "one"}})["Item"]
        _unpatched(monkeypatch)
        original = dynamodb.get_item(TableName="values", Key={"pk": {"S": "one"}})["Item"]
        # Then both answers are the same, and they are the item that was written
        assert patched == original == item


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(st.tuples(st.sampled_from("abc"), st.integers(0, 20), st.sampled_from("xyz")), max_size=25),
    limit=st.integers(1, 6),
    forward=st.booleans(),
)
def test_queries_on_a_partition_or_an_index_answer_as_moto_does(
    rows: list[tuple[str, int, str]], limit: int, forward: bool
) -> None:
    moto_patches.install()
    with mock_aws(), pytest.MonkeyPatch.context() as monkeypatch:
        # Given a table with a KEYS_ONLY and an ALL index, holding rows of several partitions
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        index = {"KeySchema": [{"AttributeName": "group", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]}
        dynamodb.create_table(
            TableName="rows",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": name, "AttributeType": "S"} for name in ("pk", "sk", "group")],
            GlobalSecondaryIndexes=[
                {"IndexName": "keys", **index, "Projection": {"ProjectionType": "KEYS_ONLY"}},
                {"IndexName": "all", **index, "Projection": {"ProjectionType": "ALL"}},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        for pk, number, group in rows:
            item = {"pk": {"S": pk}, "sk": {"S": f"{number:02}"}, "group": {"S": group}, "note": {"M": {"n": {"N": str(number)}}}}
            dynamodb.put_item(TableName="rows", Item=item)
        queries = [
            {"KeyConditionExpression": "pk = :v", "ExpressionAttributeValues": {":v": {"S": "a"}}},
            {"KeyConditionExpression": "pk = :v AND sk > :s", "ExpressionAttributeValues": {":v": {"S": "b"}, ":s": {"S": "05"}}},
            {"IndexName": "keys", "KeyConditionExpression": "#g = :v", "ExpressionAttributeValues": {":v": {"S": "x"}}},
            {"IndexName": "all", "KeyConditionExpression": "#g = :v", "ExpressionAttributeValues": {":v": {"S": "y"}}},
        ]

        def pages(query: dict[str, Any]) -> list[Any]:
            names = {"ExpressionAttributeNames": {"#g": "group"}} if "IndexName" in query else {}
            answers, start = [], {}
            while True:
                page = dynamodb.query(TableName="rows", Limit=limit, ScanIndexForward=forward, **query, **names, **start)
                answers.append((page["Items"], page.get("LastEvaluatedKey")))
                if "LastEvaluatedKey" not in page:
                    return answers
                start = {"ExclusiveStartKey": page["LastEvaluatedKey"]}

        # When each query is paged through the patches, and then through moto's own code
        patched = [pages(query) for query in queries]
        _unpatched(monkeypatch)
        original = [pages(query) for query in queries]
        # Then every page is the same, in the same order
        assert patched == original


def test_pending_message_groups_are_read_while_other_threads_change_them() -> None:
    # Given a FIFO queue whose messages in flight another thread keeps taking and putting back (receives and deletes)
    moto_patches.install()
    with mock_aws():
        sqs = boto3.client("sqs", region_name=REGION)
        sqs.create_queue(QueueName="groups.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"})
        queue = sqs_backends[ACCOUNT][REGION].get_queue("groups.fifo")
        in_flight = [Message(f"m{n}", f"body {n}") for n in range(200)]
        for n, message in enumerate(in_flight):
            message.group_id = f"g{n % 7}"
        queue._pending_messages.update(in_flight)
        stop = threading.Event()

        def churn() -> None:
            while not stop.is_set():
                for message in in_flight:
                    queue._pending_messages.discard(message)
                    queue._pending_messages.add(message)

        switch = sys.getswitchinterval()
        sys.setswitchinterval(1e-6)  # hand the interpreter between the threads as often as it can
        worker = threading.Thread(target=churn)
        worker.start()
        try:
            # When ReceiveMessage's check reads the groups in flight, many times meanwhile
            seen = [queue.pending_message_groups for _ in range(3_000)]
        finally:
            stop.set()
            worker.join()
            sys.setswitchinterval(switch)
        # Then every read succeeds (moto's own walk fails with "Set changed size during iteration") and is a subset
        assert all(groups <= {f"g{n}" for n in range(7)} for groups in seen)
