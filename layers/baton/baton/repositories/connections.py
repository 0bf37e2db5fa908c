"""WebSocket connections and tickets in the connections table.

- ticket:     pk TICKET#<ticket>  sk TICKET   user_id, expires_at (TTL)
- connection: pk CONN#<id>        sk CONN     account_id, user_id, connection_id, expires_at (TTL)
  indexes (KEYS_ONLY): connections_by_account (account_id, connection_id),
                       connections_by_user (user_id, connection_id)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from baton.domain.websocket import Connection, Ticket
from baton.repositories.codec import from_attrs, to_attrs
from baton.repositories.dynamo_errors import call, error_code

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

BY_ACCOUNT_INDEX = "connections_by_account"
BY_USER_INDEX = "connections_by_user"


def _ticket_key(ticket: str) -> dict[str, str]:
    return {"pk": f"TICKET#{ticket}", "sk": "TICKET"}


def _connection_key(connection_id: str) -> dict[str, str]:
    return {"pk": f"CONN#{connection_id}", "sk": "CONN"}


class ConnectionRepository:
    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self._table = table_name
        self._client = client

    def put_ticket(self, ticket: Ticket) -> None:
        item = {**_ticket_key(ticket.ticket), "user_id": ticket.user_id, "expires_at": ticket.expires_at}
        call(self._client.put_item, TableName=self._table, Item=to_attrs(item), ConditionExpression="attribute_not_exists(pk)")

    def consume_ticket(self, ticket: str, now: int) -> Ticket | None:
        """Delete the ticket if it is still valid and return it: single use, atomically."""
        try:
            found = call(
                self._client.delete_item,
                TableName=self._table,
                Key=to_attrs(_ticket_key(ticket)),
                ConditionExpression="attribute_exists(pk) AND expires_at > :now",
                ExpressionAttributeValues=to_attrs({":now": now}),
                ReturnValues="ALL_OLD",
            )
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                return None
            raise
        item = from_attrs(found["Attributes"])
        return Ticket(ticket=ticket, user_id=item["user_id"], expires_at=item["expires_at"])

    def put(self, connection: Connection) -> None:
        item = {**_connection_key(connection.connection_id), **connection.model_dump()}
        call(self._client.put_item, TableName=self._table, Item=to_attrs(item))

    def delete(self, connection_id: str) -> None:
        call(self._client.delete_item, TableName=self._table, Key=to_attrs(_connection_key(connection_id)))

    def ids_of_account(self, account_id: str) -> list[str]:
        """A Query on a KEYS_ONLY index: read cost follows the account's connections, not the table."""
        return self._ids(BY_ACCOUNT_INDEX, "account_id", account_id)

    def ids_of_user(self, user_id: str) -> list[str]:
        return self._ids(BY_USER_INDEX, "user_id", user_id)

    def _ids(self, index: str, attribute: str, value: str) -> list[str]:
        query: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": index,
            "KeyConditionExpression": f"{attribute} = :value",
            "ExpressionAttributeValues": to_attrs({":value": value}),
            "ProjectionExpression": "connection_id",
        }
        ids: list[str] = []
        while True:
            page = call(self._client.query, **query)
            ids.extend(str(from_attrs(item)["connection_id"]) for item in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return ids
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]
