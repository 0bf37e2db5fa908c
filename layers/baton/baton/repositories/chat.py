"""Chat links, link codes and the chat messages posted about each handoff (key shapes in repositories/keys.py).

Links and messages live in the data table under the account (a link of another account does not exist for a hook
of this one); link codes live in the connections table beside the WebSocket tickets, with the same TTL attribute
(`expires_at`, epoch seconds) and the same single-use read (a conditional delete that returns the item).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from baton.domain.chat import ChatLink, ChatMessageRef, ChatProvider, LinkCode
from baton.domain.clock import parse_iso
from baton.repositories import keys
from baton.repositories.codec import from_attrs, to_attrs
from baton.repositories.dynamo_errors import call, error_code

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

MESSAGE_DAYS = 90  # a message about a handoff nobody touched for 90 days is no longer updated


def _epoch(at: str) -> int:
    return int(parse_iso(at).timestamp())


class ChatRepository:
    def __init__(self, data_table: str, connections_table: str, client: DynamoDBClient) -> None:
        self._data = data_table
        self._codes = connections_table
        self._client = client

    # --- link codes ---------------------------------------------------------------------------------------
    def put_code(self, code: LinkCode) -> None:
        item = {**keys.link_code_key(code.code), **code.model_dump(mode="json"), "expires_at": _epoch(code.expires_at)}
        item["expires_iso"] = code.expires_at
        call(self._client.put_item, TableName=self._codes, Item=to_attrs(item), ConditionExpression="attribute_not_exists(pk)")

    def take_code(self, code: str, now: str) -> LinkCode | None:
        try:
            found = call(
                self._client.delete_item,
                TableName=self._codes,
                Key=to_attrs(keys.link_code_key(code)),
                ConditionExpression="attribute_exists(pk) AND expires_at > :now",
                ExpressionAttributeValues=to_attrs({":now": _epoch(now)}),
                ReturnValues="ALL_OLD",
            )
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                return None
            raise
        item = from_attrs(found["Attributes"])
        return LinkCode(
            code=code,
            account_id=item["account_id"],
            user_id=item["user_id"],
            provider=item["provider"],
            expires_at=item["expires_iso"],
        )

    # --- links ----------------------------------------------------------------------------------------------
    def link(self, link: ChatLink) -> None:
        item = {**keys.chat_link_key(link.account_id, link.provider, link.external_id), "entity": "chat_link"}
        call(self._client.put_item, TableName=self._data, Item=to_attrs({**item, **link.model_dump(mode="json")}))

    def find(self, account_id: str, provider: ChatProvider, external_id: str) -> ChatLink | None:
        found = call(
            self._client.get_item,
            TableName=self._data,
            Key=to_attrs(keys.chat_link_key(account_id, provider, external_id)),
            ConsistentRead=True,
        )
        return _link(from_attrs(found["Item"])) if "Item" in found else None

    def of_user(self, account_id: str, user_id: str) -> list[ChatLink]:
        """The member's links: a Query of the account's links (a few per member), filtered to theirs."""
        links: list[ChatLink] = []
        paging: dict[str, Any] = {}
        while True:
            page = call(
                self._client.query,
                TableName=self._data,
                KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
                FilterExpression="user_id = :user",
                ExpressionAttributeValues=to_attrs(
                    {":pk": keys.account_pk(account_id), ":prefix": keys.CHAT_LINK_PREFIX, ":user": user_id}
                ),
                ConsistentRead=True,
                **paging,
            )
            links += [_link(from_attrs(item)) for item in page.get("Items", [])]
            if "LastEvaluatedKey" not in page:
                return links
            paging = {"ExclusiveStartKey": page["LastEvaluatedKey"]}

    def unlink(self, link: ChatLink) -> None:
        call(
            self._client.delete_item,
            TableName=self._data,
            Key=to_attrs(keys.chat_link_key(link.account_id, link.provider, link.external_id)),
        )

    # --- messages about a handoff ----------------------------------------------------------------------------
    def record(self, ref: ChatMessageRef) -> None:
        key = keys.chat_message_key(ref.account_id, ref.handoff_id, ref.provider, ref.channel, ref.message_id)
        item = {**key, "entity": "chat_message", **ref.model_dump(mode="json")}
        call(self._client.put_item, TableName=self._data, Item=to_attrs(item))

    def of_handoff(self, account_id: str, handoff_id: str) -> list[ChatMessageRef]:
        page = call(
            self._client.query,
            TableName=self._data,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=to_attrs({":pk": keys.chat_messages_pk(account_id, handoff_id)}),
            ConsistentRead=True,
        )
        return [ChatMessageRef.model_validate(from_attrs(item)) for item in page.get("Items", [])]

    def advance(self, ref: ChatMessageRef, version: int) -> bool:
        key = keys.chat_message_key(ref.account_id, ref.handoff_id, ref.provider, ref.channel, ref.message_id)
        try:
            call(
                self._client.update_item,
                TableName=self._data,
                Key=to_attrs(key),
                UpdateExpression="SET version = :v",
                ConditionExpression="attribute_exists(pk) AND version < :v",
                ExpressionAttributeValues=to_attrs({":v": version}),
            )
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                return False
            raise
        return True


def _link(item: dict[str, object]) -> ChatLink:
    return ChatLink.model_validate({name: item.get(name) for name in ChatLink.model_fields if name in item})
