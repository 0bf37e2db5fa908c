"""DynamoDB stream records as Lambda hands them to a function: JSON, binary values in base64.

boto3's dynamodbstreams client parses `B`/`BS` values into bytes and the creation time into a
datetime; Lambda's event carries the wire form instead (base64 strings, epoch seconds). This
turns one into the other, so any item survives the trip to the worker process unchanged.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any


def lambda_record(raw: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """One record of a GetRecords page (as boto3 parsed it), as it appears in a Lambda event."""
    change = dict(raw["dynamodb"])
    created = change.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        change["ApproximateCreationDateTime"] = created.timestamp()
    for image in ("Keys", "NewImage", "OldImage"):
        if image in change:
            change[image] = {name: wire_value(value) for name, value in change[image].items()}
    return {**raw, "dynamodb": change, "eventSourceARN": stream_arn}


def wire_value(value: dict[str, Any]) -> dict[str, Any]:
    """One typed attribute value in DynamoDB's JSON wire form."""
    (kind, content), *_ = value.items()
    if kind == "B":
        return {"B": _base64(content)}
    if kind == "BS":
        return {"BS": [_base64(member) for member in content]}
    if kind == "M":
        return {"M": {name: wire_value(member) for name, member in content.items()}}
    if kind == "L":
        return {"L": [wire_value(member) for member in content]}
    return {kind: content}


def _base64(content: bytes | str) -> str:
    return base64.b64encode(content if isinstance(content, bytes) else content.encode()).decode()
