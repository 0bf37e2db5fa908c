"""MSP accounts in the data table: one item each, listed through the users_by_account index (never a Scan)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from baton.domain.errors import Conflict, NotFound
from baton.domain.models import Account
from baton.repositories import keys
from baton.repositories.codec import from_attrs, to_attrs
from baton.repositories.dynamo_errors import call, condition_failure
from baton.repositories.paging import query_all

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient


class AccountRepository:
    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self._table = table_name
        self._client = client

    def create(self, account: Account) -> None:
        """A new account; Conflict when its id is taken."""
        try:
            call(
                self._client.put_item,
                TableName=self._table,
                Item=to_attrs(_to_item(account)),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as error:
            if condition_failure(error) is None:
                raise
            raise Conflict(f"An account with the id {account.id!r} already exists.") from error

    def put(self, account: Account) -> None:
        """Write the account as given (demo data)."""
        call(self._client.put_item, TableName=self._table, Item=to_attrs(_to_item(account)))

    def get(self, account_id: str) -> Account | None:
        found = call(
            self._client.get_item, TableName=self._table, Key=to_attrs(keys.account_key(account_id)), ConsistentRead=True
        )
        item = found.get("Item")
        return _to_account(from_attrs(item)) if item else None

    def rename(self, account_id: str, name: str) -> Account:
        try:
            changed = call(
                self._client.update_item,
                TableName=self._table,
                Key=to_attrs(keys.account_key(account_id)),
                UpdateExpression="SET #name = :name",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeNames={"#name": "name"},
                ExpressionAttributeValues=to_attrs({":name": name}),
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if condition_failure(error) is None:
                raise
            raise NotFound("Your account no longer exists.") from error
        return _to_account(from_attrs(changed["Attributes"]))

    def list_all(self) -> list[Account]:
        """Every account, by id (for operators: `baton-admin list-accounts`)."""
        items = query_all(
            self._client,
            TableName=self._table,
            IndexName=keys.USERS_BY_ACCOUNT_INDEX,
            KeyConditionExpression="gsi1pk = :pk",
            ExpressionAttributeValues=to_attrs({":pk": keys.ALL_ACCOUNTS_PK}),
        )
        return [_to_account(item) for item in items]


def _to_item(account: Account) -> dict[str, Any]:
    return {
        **keys.account_key(account.id),
        "entity": "account",
        "account_id": account.id,
        "gsi1pk": keys.ALL_ACCOUNTS_PK,
        "gsi1sk": keys.account_pk(account.id),
        "name": account.name,
        "created_at": account.created_at,
        "owner_count": account.owner_count,
    }


def _to_account(item: dict[str, Any]) -> Account:
    account_id = str(item["account_id"])
    return Account(
        id=account_id,
        name=str(item.get("name") or account_id),  # accounts written before names existed
        created_at=item.get("created_at"),
        owner_count=int(item.get("owner_count", 0)),
    )
