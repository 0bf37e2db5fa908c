"""Lambda events built from what really happened on moto: the table's stream, the queues."""

from __future__ import annotations

from typing import Any

import boto3

from local.template import REGION


def stream_event(table: str = "DataTable") -> dict[str, Any]:
    """Every record of the table's stream so far, as Lambda hands them to a function."""
    client = boto3.client("dynamodb")
    streams = boto3.client("dynamodbstreams")
    arn = client.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    records = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON")
        for raw in streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]:
            change = dict(raw["dynamodb"])
            change["ApproximateCreationDateTime"] = change["ApproximateCreationDateTime"].timestamp()
            records.append({**raw, "dynamodb": change, "eventSourceARN": arn})
    return {"Records": records}


def handoff_only(event: dict[str, Any]) -> dict[str, Any]:
    """What the template's FilterCriteria lets through to the stream router."""
    return {
        "Records": [
            r
            for r in event["Records"]
            if r["eventName"] in ("INSERT", "MODIFY") and r["dynamodb"]["NewImage"].get("entity") == {"S": "handoff"}
        ]
    }


def sqs_event(queue_url: str) -> dict[str, Any]:
    """Everything waiting on a queue, received, as an SQS event (the messages stay in flight)."""
    sqs = boto3.client("sqs")
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]).get("Messages", [])
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {
                    name: {"stringValue": v.get("StringValue"), "dataType": v["DataType"]}
                    for name, v in m.get("MessageAttributes", {}).items()
                },
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": arn,
                "awsRegion": REGION,
            }
            for m in messages
        ]
    }
