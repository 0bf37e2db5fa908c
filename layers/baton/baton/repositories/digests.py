"""Digests in the data table: what a person who chose a digest was not emailed yet, by window.

- window: pk USER#<sub>   sk DIGEST                       due_at (when this window's digest goes out), account_id
- entry:  pk USER#<sub>   sk DIGEST#<due_at>#<entry id>   line (its text in the digest), at

The first entry after a digest opens a window (`due_at` = now + the person's digest_minutes); later entries join it.
An entry is keyed by its window and its event, so a redelivered event writes the same entry again, not a second one.
Sending closes the window first (a conditional delete: only while it is still that window), so an entry that arrives
meanwhile opens the next window, and nothing is lost between two digests.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from baton.domain.clock import iso
from baton.repositories import keys
from baton.repositories.codec import from_attrs, to_attrs
from baton.repositories.dynamo_errors import call, condition_failure
from baton.repositories.paging import query_all

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

WINDOW_SK = "DIGEST"
ENTRY_PREFIX = "DIGEST#"


class DigestRepository:
    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self._table = table_name
        self._client = client

    def add(self, account_id: str, user_id: str, minutes: int, entry_id: str, line: str, now: datetime) -> str:
        """Add an entry to the person's open window (opening one if none is open); returns the window's due_at."""
        window = call(
            self._client.update_item,
            TableName=self._table,
            Key=to_attrs({"pk": keys.user_key(user_id)["pk"], "sk": WINDOW_SK}),
            UpdateExpression="SET due_at = if_not_exists(due_at, :due), account_id = :account, entity = :entity",
            ExpressionAttributeValues=to_attrs(
                {":due": iso(now + timedelta(minutes=minutes)), ":account": account_id, ":entity": "digest"}
            ),
            ReturnValues="ALL_NEW",
        )
        due_at = str(from_attrs(window["Attributes"])["due_at"])
        entry = {
            "pk": keys.user_key(user_id)["pk"],
            "sk": f"{ENTRY_PREFIX}{due_at}#{entry_id}",
            "entity": "digest_entry",
            "line": line,
            "at": iso(now),
        }
        call(self._client.put_item, TableName=self._table, Item=to_attrs(entry))
        return due_at

    def close(self, user_id: str, due_at: str) -> None:
        """The window is sent: the next entry opens a new one. Nothing happens if another window is open by now."""
        try:
            call(
                self._client.delete_item,
                TableName=self._table,
                Key=to_attrs({"pk": keys.user_key(user_id)["pk"], "sk": WINDOW_SK}),
                ConditionExpression="due_at = :due",
                ExpressionAttributeValues=to_attrs({":due": due_at}),
            )
        except ClientError as error:
            if condition_failure(error) is None:
                raise

    def entries(self, user_id: str, due_at: str) -> list[tuple[str, str]]:
        """The window's entries as (key, line), oldest first."""
        items = query_all(
            self._client,
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues=to_attrs({":pk": keys.user_key(user_id)["pk"], ":prefix": f"{ENTRY_PREFIX}{due_at}#"}),
            ConsistentRead=True,
        )
        found = sorted(items, key=lambda item: (str(item.get("at", "")), str(item["sk"])))
        return [(str(item["sk"]), str(item.get("line", ""))) for item in found]

    def remove(self, user_id: str, entry_keys: list[str]) -> None:
        for entry_key in entry_keys:
            call(
                self._client.delete_item,
                TableName=self._table,
                Key=to_attrs({"pk": keys.user_key(user_id)["pk"], "sk": entry_key}),
            )
