"""Any DynamoDB item reaches a stream consumer unchanged: moto's stream → the poller's Lambda record → JSON."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import boto3
import pytest
from boto3.dynamodb.types import Binary, TypeDeserializer, TypeSerializer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from local import moto_patches
from local.stream_records import lambda_record
from local.template import REGION

TABLE = "encoding"

# DynamoDB numbers: up to 38 significant digits, exponents within about ±125.
numbers = st.builds(
    lambda digits, exponent: Decimal(digits).scaleb(exponent), st.integers(-(10**38) + 1, 10**38 - 1), st.integers(-90, 80)
)
scalars = st.one_of(st.none(), st.booleans(), st.text(max_size=20), numbers, st.binary(max_size=20))
sets = st.one_of(
    st.frozensets(st.text(max_size=8), min_size=1, max_size=4),
    st.frozensets(st.binary(max_size=8), min_size=1, max_size=4).map(lambda members: {Binary(m) for m in members}),
    st.frozensets(st.integers(-(10**12), 10**12).map(Decimal), min_size=1, max_size=4),
)
values = st.recursive(
    st.one_of(scalars, sets.map(set)),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)
items = st.dictionaries(st.text(min_size=1, max_size=8).filter(lambda name: name != "pk"), values, max_size=5)


class Stream:
    """A table on in-process moto (with the local endpoint's patches) and a reader of its stream."""

    def __init__(self) -> None:
        clients: dict[str, Any] = {"region_name": REGION, "aws_access_key_id": "x", "aws_secret_access_key": "x"}
        self.dynamodb = boto3.client("dynamodb", **clients)
        self.streams = boto3.client("dynamodbstreams", **clients)
        self.dynamodb.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )
        self.arn = self.dynamodb.describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
        self._shard = self.streams.describe_stream(StreamArn=self.arn)["StreamDescription"]["Shards"][0]["ShardId"]

    def write_and_read(self, item: dict[str, Any]) -> list[dict[str, Any]]:
        """Put `item` (typed attribute values) and return the Lambda records of that one change."""
        latest = self.streams.get_shard_iterator(StreamArn=self.arn, ShardId=self._shard, ShardIteratorType="LATEST")
        self.dynamodb.put_item(TableName=TABLE, Item=item)
        page = self.streams.get_records(ShardIterator=latest["ShardIterator"])
        return [lambda_record(raw, self.arn) for raw in page["Records"]]


@pytest.fixture(scope="module")
def stream() -> Iterator[Stream]:
    moto_patches.install()
    with mock_aws():
        yield Stream()


def _as_consumer_reads_it(image: dict[str, Any]) -> dict[str, Any]:
    """What a function does with a record's image: JSON in, base64 binaries decoded, typed values deserialized."""

    def unwire(value: dict[str, Any]) -> dict[str, Any]:
        (kind, content), *_ = value.items()
        if kind == "B":
            return {"B": base64.b64decode(content)}
        if kind == "BS":
            return {"BS": [base64.b64decode(member) for member in content]}
        if kind == "M":
            return {"M": {name: unwire(member) for name, member in content.items()}}
        if kind == "L":
            return {"L": [unwire(member) for member in content]}
        return value

    deserializer = TypeDeserializer()
    return {name: deserializer.deserialize(unwire(value)) for name, value in json.loads(json.dumps(image)).items()}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(item=items)
def test_any_item_round_trips_through_the_local_stream(stream: Stream, item: dict[str, Any]) -> None:
    # Given any item DynamoDB accepts (empty map keys, binaries, sets, 38-digit numbers, nesting)
    serializer = TypeSerializer()
    stored = {"pk": "key", **item}
    # When it is written and the poller hands its change to a function as JSON
    (record,) = stream.write_and_read({name: serializer.serialize(value) for name, value in stored.items()})
    # Then the function reads back exactly the item that was written
    assert _as_consumer_reads_it(record["dynamodb"]["NewImage"]) == stored


def test_an_empty_map_key_reaches_the_consumer(stream: Stream) -> None:
    # Given the item of issue 9: a session whose intake has an empty key
    # When it is written and the poller reads its change
    (record,) = stream.write_and_read({"pk": {"S": "empty"}, "intake_content": {"M": {"": {"S": "x"}}}})
    # Then the map keeps its empty key
    assert record["dynamodb"]["NewImage"]["intake_content"] == {"M": {"": {"S": "x"}}}
