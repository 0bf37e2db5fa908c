"""Users and accounts in the data table."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from baton.domain.errors import Conflict, NotFound
from baton.domain.models import EmailMode, EmailSettingsChange, Role, User
from baton.repositories import keys
from baton.repositories.codec import from_attrs, to_attrs
from baton.repositories.dynamo_errors import call, condition_failure
from baton.repositories.paging import query_all

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

_USER_FIELDS = tuple(User.model_fields)


class UserRepository:
    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self._table = table_name
        self._client = client

    def get(self, user_id: str) -> User | None:
        found = call(self._client.get_item, TableName=self._table, Key=to_attrs(keys.user_key(user_id)), ConsistentRead=True)
        item = found.get("Item")
        return _to_user(from_attrs(item)) if item else None

    def list_by_account(self, account_id: str) -> list[User]:
        # The index also holds the account's invitations: users only.
        return [_to_user(item) for item in in_account_index(self._client, self._table, account_id, keys.USER_PREFIX)]

    def by_email(self, account_id: str, email: str) -> User | None:
        """The member of an account with this email (addresses are stored lower-case)."""
        page = call(
            self._client.query,
            TableName=self._table,
            IndexName=keys.USERS_BY_ACCOUNT_INDEX,
            KeyConditionExpression="gsi1pk = :pk AND gsi1sk = :sk",
            ExpressionAttributeValues=to_attrs({":pk": keys.account_pk(account_id), ":sk": f"{keys.USER_PREFIX}{email}"}),
        )
        items = page.get("Items", [])
        return _to_user(from_attrs(items[0])) if items else None

    def remove(self, current: User) -> None:
        """Delete a member: the user still has the role we read, and an account never loses its last owner."""
        actions: list[dict[str, Any]] = [
            {
                "Delete": {
                    "TableName": self._table,
                    "Key": to_attrs(keys.user_key(current.id)),
                    "ConditionExpression": "account_id = :account AND #role = :expected",
                    "ExpressionAttributeNames": {"#role": "role"},
                    "ExpressionAttributeValues": to_attrs({":account": current.account_id, ":expected": current.role.value}),
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            }
        ]
        if current.role == Role.OWNER:
            actions.append(self._owner_count_change(current.account_id, -1))
        self._change_member(actions, "removed", missing_is_not_found=True)

    def _change_member(self, actions: list[dict[str, Any]], verb: str, missing_is_not_found: bool) -> None:
        """One transaction on a member (and the owner count), a refusal explained: the last owner, a member
        who is gone, or one changed by someone else meanwhile."""
        try:
            call(self._client.transact_write_items, TransactItems=actions)
        except ClientError as error:
            refused = condition_failure(error)
            if refused is None:
                raise
            if any(old and from_attrs(old).get("sk") == keys.ACCOUNT_SK for old in refused):
                raise Conflict(f"The account's last owner cannot be {verb}; make someone else an owner first.") from error
            if missing_is_not_found and not any(refused):
                raise NotFound("No such user in your account.") from error
            raise Conflict("The user was changed by someone else at the same time; reload and retry.") from error

    def put_account(self, account_id: str, owner_count: int) -> None:
        item = {**keys.account_key(account_id), "entity": "account", "account_id": account_id, "owner_count": owner_count}
        call(self._client.put_item, TableName=self._table, Item=to_attrs(item))

    def put(self, user: User) -> None:
        call(self._client.put_item, TableName=self._table, Item=to_attrs(user_item(user)))

    def update(self, current: User, role: Role | None, notify_email: bool | None, email_mode: EmailMode | None = None) -> User:
        """Change role and/or notification setting; the account's owner count stays consistent.

        Conditions: the user still has the role we read (no lost update) and an account
        never loses its last owner.
        """
        new_role = role or current.role
        sets = ["#role = :role"]
        values: dict[str, Any] = {":role": new_role.value, ":expected": current.role.value}
        if notify_email is not None:
            sets.append("notify_email = :notify")
            values[":notify"] = notify_email
        if email_mode is not None:
            sets.append("email_mode = :mode")
            values[":mode"] = email_mode
        actions: list[dict[str, Any]] = [
            {
                "Update": {
                    "TableName": self._table,
                    "Key": to_attrs(keys.user_key(current.id)),
                    "UpdateExpression": "SET " + ", ".join(sets),
                    "ConditionExpression": "#role = :expected",
                    "ExpressionAttributeNames": {"#role": "role"},
                    "ExpressionAttributeValues": to_attrs(values),
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            }
        ]
        owner_delta = int(new_role == Role.OWNER) - int(current.role == Role.OWNER)
        if owner_delta:
            actions.append(self._owner_count_change(current.account_id, owner_delta))
        self._change_member(actions, "demoted", missing_is_not_found=False)
        updated = self.get(current.id)
        if updated is None:  # deleted between the write and the read
            raise NotFound("No such user in your account.")
        return updated

    def set_email_settings(self, current: User, change: EmailSettingsChange) -> User:
        """A person's own email settings; notify_email follows email_mode. Only while they are still a member."""
        wanted = User.model_validate({**current.model_dump(), **change.model_dump(exclude_none=True)})
        fields = {name: getattr(wanted, name) for name in ("email_mode", "digest_minutes", "email_when_live", "notify_email")}
        try:
            found = call(
                self._client.update_item,
                TableName=self._table,
                Key=to_attrs(keys.user_key(current.id)),
                UpdateExpression="SET " + ", ".join(f"{name} = :{name}" for name in fields),
                ConditionExpression="account_id = :account",
                ExpressionAttributeValues=to_attrs({":account": current.account_id, **{f":{k}": v for k, v in fields.items()}}),
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if condition_failure(error) is None:
                raise
            raise NotFound("No such user in your account.") from error
        return _to_user(from_attrs(found["Attributes"]))

    def _owner_count_change(self, account_id: str, delta: int) -> dict[str, Any]:
        update: dict[str, Any] = {
            "TableName": self._table,
            "Key": to_attrs(keys.account_key(account_id)),
            "UpdateExpression": "ADD owner_count :delta",
            "ExpressionAttributeValues": to_attrs({":delta": delta}),
        }
        if delta < 0:
            update["ConditionExpression"] = "owner_count > :one"
            update["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
            update["ExpressionAttributeValues"] = to_attrs({":delta": delta, ":one": 1})
        return {"Update": update}


def user_item(user: User) -> dict[str, Any]:
    return {
        **keys.user_key(user.id),
        "entity": "user",
        "gsi1pk": keys.account_pk(user.account_id),
        "gsi1sk": f"{keys.USER_PREFIX}{user.email}",
        **user.model_dump(mode="json"),
    }


def _to_user(item: dict[str, Any]) -> User:
    return User.model_validate({field: item.get(field) for field in _USER_FIELDS if field in item})


def in_account_index(client: DynamoDBClient, table: str, account_id: str, prefix: str) -> Iterator[dict[str, Any]]:
    """An account's entries of one kind on the users-by-account index (`USER#` members, `INVITATION#` invitations)."""
    return query_all(
        client,
        TableName=table,
        IndexName=keys.USERS_BY_ACCOUNT_INDEX,
        KeyConditionExpression="gsi1pk = :pk AND begins_with(gsi1sk, :prefix)",
        ExpressionAttributeValues=to_attrs({":pk": keys.account_pk(account_id), ":prefix": prefix}),
    )
