"""Every item a Query matches, following its pages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from baton.repositories.codec import from_attrs
from baton.repositories.dynamo_errors import call

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient


def query_all(client: DynamoDBClient, **query: Any) -> Iterator[dict[str, Any]]:
    """The matching items, decoded, page after page (for what is read whole: a session, an account's members)."""
    while True:
        page = call(client.query, **query)
        yield from (from_attrs(raw) for raw in page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return
        query = {**query, "ExclusiveStartKey": page["LastEvaluatedKey"]}
