"""Sessions and handoffs in the data table: conditional writes, the sparse open queue."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from baton.errors import Conflict, Forbidden, Invalid, NotFound
from baton.models import Handoff, QueuePage, Session, User
from baton.repositories import cursor, keys
from baton.repositories.codec import from_attrs, to_attrs
from baton.repositories.dynamo_errors import cancellation_items, error_code, raise_if_transient

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

_SESSION_FIELDS = tuple(Session.model_fields)
_HANDOFF_FIELDS = tuple(Handoff.model_fields)
# Sparse: present only while open. Released handoffs copy them back from their *_home twins.
_QUEUE_ATTRS = "queue_pk, queue_intent_pk"
_SESSION_STATUS_BY_INTENT = {"park": "parked", "escalate": "escalated"}


class HandoffRepository:
    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self._table = table_name
        self._client = client

    # --- sessions -------------------------------------------------------------------------
    def create_session(self, session: Session) -> None:
        item = {**keys.session_key(session.account_id, session.id), "entity": "session", **session.model_dump(mode="json")}
        self._client.put_item(TableName=self._table, Item=to_attrs(item), ConditionExpression="attribute_not_exists(pk)")

    def get_session(self, account_id: str, session_id: str) -> Session | None:
        found = self._call(self._client.get_item, TableName=self._table, Key=to_attrs(keys.session_key(account_id, session_id)))
        return _to_session(from_attrs(found["Item"])) if "Item" in found else None

    def get_session_with_handoffs(self, account_id: str, session_id: str) -> tuple[Session | None, list[Handoff]]:
        """One Query on the session's partition: the session item and all of its handoffs."""
        query: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": to_attrs({":pk": keys.session_pk(account_id, session_id)}),
        }
        session: Session | None = None
        handoffs: list[Handoff] = []
        while True:
            page = self._call(self._client.query, **query)
            for raw in page.get("Items", []):
                item = from_attrs(raw)
                if item["sk"] == keys.SESSION_SK:
                    session = _to_session(item)
                else:
                    handoffs.append(_to_handoff(item))
            if "LastEvaluatedKey" not in page:
                return session, handoffs
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # --- handoffs -------------------------------------------------------------------------
    def create_handoff(self, handoff: Handoff) -> None:
        """Put the handoff and mark it the session's active one, atomically.

        A session with an open or claimed handoff refuses a second one (409 naming it).
        """
        session_key = keys.session_key(handoff.account_id, handoff.session_id)
        item = handoff_item(handoff)
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": to_attrs(session_key),
                            "UpdateExpression": "SET active_handoff_id = :id, #status = :status",
                            "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(active_handoff_id)",
                            "ExpressionAttributeNames": {"#status": "status"},
                            "ExpressionAttributeValues": to_attrs(
                                {":id": handoff.id, ":status": _SESSION_STATUS_BY_INTENT[handoff.intent]}
                            ),
                            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                        }
                    },
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": to_attrs(item),
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                ]
            )
        except ClientError as error:
            raise_if_transient(error)
            if error_code(error) != "TransactionCanceledException":
                raise
            old_session = cancellation_items(error)[0]
            if old_session is None:
                raise NotFound("No such session in your account.") from error
            active = from_attrs(old_session).get("active_handoff_id")
            raise Conflict(
                f"This session already has an open or claimed handoff ({active}); resolve it first.",
                handoff_id=active,
            ) from error

    def claim(self, account_id: str, session_id: str, handoff_id: str, claimer: User, now: str) -> Handoff:
        """One conditional UpdateItem. The loser learns the winner from ALL_OLD, with no extra read."""
        try:
            updated = self._client.update_item(
                TableName=self._table,
                Key=to_attrs(keys.handoff_key(account_id, session_id, handoff_id)),
                UpdateExpression=(
                    "SET #status = :claimed, claimed_by = :user, claimed_by_name = :name, claimed_at = :now, "
                    f"updated_at = :now, changes_sk = :changed, version = version + :one REMOVE {_QUEUE_ATTRS}"
                ),
                ConditionExpression="attribute_exists(pk) AND #status = :open",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=to_attrs(
                    {
                        ":claimed": "claimed",
                        ":open": "open",
                        ":user": claimer.id,
                        ":name": claimer.display_name,
                        ":now": now,
                        ":one": 1,
                        ":changed": keys.changes_sk(now, handoff_id),
                    }
                ),
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            old = self._condition_failure(error)
            if old is None:
                raise NotFound("No such handoff in your account.") from error
            if old.status == "claimed":
                raise Conflict(
                    f"Already picked up by {old.claimed_by_name or old.claimed_by} at {old.claimed_at}.",
                    claimed_by=old.claimed_by,
                    claimed_by_name=old.claimed_by_name,
                    claimed_at=old.claimed_at,
                ) from error
            raise Conflict(f"This handoff is already {old.status}; there is nothing to pick up.") from error
        return _to_handoff(from_attrs(updated["Attributes"]))

    def release(self, account_id: str, session_id: str, handoff_id: str, actor: User, supervisor: bool, now: str) -> Handoff:
        """Back to the open queue: only the claimer, or an admin/owner (`supervisor`)."""
        condition = "attribute_exists(pk) AND #status = :claimed"
        values: dict[str, Any] = {
            ":claimed": "claimed",
            ":open": "open",
            ":now": now,
            ":one": 1,
            ":changed": keys.changes_sk(now, handoff_id),
        }
        if not supervisor:
            condition += " AND claimed_by = :user"
            values[":user"] = actor.id
        try:
            updated = self._client.update_item(
                TableName=self._table,
                Key=to_attrs(keys.handoff_key(account_id, session_id, handoff_id)),
                UpdateExpression=(
                    "SET #status = :open, queue_pk = queue_home_pk, queue_intent_pk = queue_home_intent_pk, "
                    "updated_at = :now, changes_sk = :changed, version = version + :one "
                    "REMOVE claimed_by, claimed_by_name, claimed_at"
                ),
                ConditionExpression=condition,
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=to_attrs(values),
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            old = self._condition_failure(error)
            self._explain_refusal(old, actor, action="release", needs="claimed", error=error)
            raise
        return _to_handoff(from_attrs(updated["Attributes"]))

    def resolve(
        self, account_id: str, session_id: str, handoff_id: str, actor: User, supervisor: bool, notes: str, now: str
    ) -> Handoff:
        """Resolve the handoff and free its session for a new one, atomically."""
        condition = "attribute_exists(pk) AND #status IN (:open, :claimed)"
        values: dict[str, Any] = {
            ":open": "open",
            ":claimed": "claimed",
            ":resolved": "resolved",
            ":now": now,
            ":one": 1,
            ":notes": notes,
            ":changed": keys.changes_sk(now, handoff_id),
        }
        if not supervisor:
            condition += " AND claimed_by = :user"
            values[":user"] = actor.id
        key = keys.handoff_key(account_id, session_id, handoff_id)
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": to_attrs(key),
                            "UpdateExpression": (
                                "SET #status = :resolved, resolved_at = :now, resolution_notes = :notes, updated_at = :now, "
                                "changes_sk = :changed, "
                                f"version = version + :one REMOVE {_QUEUE_ATTRS}"
                            ),
                            "ConditionExpression": condition,
                            "ExpressionAttributeNames": {"#status": "status"},
                            "ExpressionAttributeValues": to_attrs(values),
                            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                        }
                    },
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": to_attrs(keys.session_key(account_id, session_id)),
                            "UpdateExpression": "SET #status = :resolved REMOVE active_handoff_id",
                            "ConditionExpression": "active_handoff_id = :handoff",
                            "ExpressionAttributeNames": {"#status": "status"},
                            "ExpressionAttributeValues": to_attrs({":resolved": "resolved", ":handoff": handoff_id}),
                        }
                    },
                ]
            )
        except ClientError as error:
            raise_if_transient(error)
            if error_code(error) != "TransactionCanceledException":
                raise
            old_item = cancellation_items(error)[0]
            old = _to_handoff(from_attrs(old_item)) if old_item else None
            self._explain_refusal(old, actor, action="resolve", needs="open or claimed", error=error)
            raise
        resolved = self.get_handoff(account_id, session_id, handoff_id)
        if resolved is None:
            raise NotFound("No such handoff in your account.")
        return resolved

    def get_handoff(self, account_id: str, session_id: str, handoff_id: str) -> Handoff | None:
        found = self._call(
            self._client.get_item, TableName=self._table, Key=to_attrs(keys.handoff_key(account_id, session_id, handoff_id))
        )
        return _to_handoff(from_attrs(found["Item"])) if "Item" in found else None

    def open_queue(self, account_id: str, intent: str | None, limit: int, after: str | None) -> QueuePage:
        """Open handoffs of one account, oldest first, from the sparse queue index (never a Scan)."""
        if intent is None:
            index, partition_attr, partition = keys.OPEN_QUEUE_INDEX, "queue_pk", keys.account_pk(account_id)
        else:
            index, partition_attr, partition = (
                keys.OPEN_QUEUE_BY_INTENT_INDEX,
                "queue_intent_pk",
                keys.queue_intent_pk(account_id, intent),
            )
        query: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": index,
            "KeyConditionExpression": f"{partition_attr} = :pk",
            "ExpressionAttributeValues": to_attrs({":pk": partition}),
            "ScanIndexForward": True,
            "Limit": limit + 1,
        }
        if after:
            position = cursor.decode(after, ("pk", "sk", "queue_sk"))
            if not position["pk"].startswith(keys.account_pk(account_id) + "#"):
                raise Invalid("The cursor is not valid; use the X-Next-Cursor value of the previous page.")
            query["ExclusiveStartKey"] = to_attrs({**position, partition_attr: partition})
        page = self._call(self._client.query, **query)
        items = [from_attrs(raw) for raw in page.get("Items", [])]
        next_cursor = None
        if len(items) > limit:
            items = items[:limit]
            next_cursor = _cursor_of(items[-1])
        elif "LastEvaluatedKey" in page:
            next_cursor = _cursor_of(from_attrs(page["LastEvaluatedKey"]))
        return QueuePage(items=[_to_handoff(item) for item in items], next_cursor=next_cursor)

    def changed_since(self, account_id: str, since: str, limit: int) -> list[Handoff]:
        """Handoffs of the account changed at or after `since` (ISO time), oldest change first, at most `limit`.

        Inclusive on purpose: two changes in the same millisecond must not hide one another; a
        client applies snapshots by version, so seeing one twice is harmless.
        """
        page = self._call(
            self._client.query,
            TableName=self._table,
            IndexName=keys.CHANGES_INDEX,
            KeyConditionExpression="changes_pk = :pk AND changes_sk >= :since",
            ExpressionAttributeValues=to_attrs({":pk": keys.account_pk(account_id), ":since": since}),
            ScanIndexForward=True,
            Limit=limit,
        )
        return [_to_handoff(from_attrs(item)) for item in page.get("Items", [])]

    # --- helpers --------------------------------------------------------------------------
    def _condition_failure(self, error: ClientError) -> Handoff | None:
        """The item as it was when a conditional write failed; re-raises anything else."""
        raise_if_transient(error)
        if error_code(error) != "ConditionalCheckFailedException":
            raise error
        old = error.response.get("Item")
        return _to_handoff(from_attrs(dict(old))) if isinstance(old, dict) else None

    @staticmethod
    def _explain_refusal(old: Handoff | None, actor: User, action: str, needs: str, error: ClientError) -> None:
        if old is None:
            raise NotFound("No such handoff in your account.") from error
        if old.status not in needs.split(" or "):
            raise Conflict(f"Cannot {action} a handoff that is {old.status}.", status=old.status) from error
        raise Forbidden(
            f"Only the engineer who picked it up ({old.claimed_by_name or 'nobody yet'}), an admin or an owner can {action} it."
        ) from error

    def _call(self, operation: Any, **kwargs: Any) -> Any:
        try:
            return operation(**kwargs)
        except ClientError as error:
            raise_if_transient(error)
            raise


def _queue_attrs(handoff: Handoff) -> dict[str, str]:
    home = {
        "queue_home_pk": keys.account_pk(handoff.account_id),
        "queue_home_intent_pk": keys.queue_intent_pk(handoff.account_id, handoff.intent),
        "queue_sk": keys.queue_sk(handoff.created_at, handoff.id),
    }
    if handoff.status != "open":
        return home
    return {**home, "queue_pk": home["queue_home_pk"], "queue_intent_pk": home["queue_home_intent_pk"]}


def _changes_attrs(account_id: str, updated_at: str, handoff_id: str) -> dict[str, str]:
    return {"changes_pk": keys.account_pk(account_id), "changes_sk": keys.changes_sk(updated_at, handoff_id)}


def handoff_item(handoff: Handoff) -> dict[str, Any]:
    """The stored form of a handoff: keys, index attributes (sparse queue while open), fields."""
    return {
        **keys.handoff_key(handoff.account_id, handoff.session_id, handoff.id),
        "entity": "handoff",
        **_queue_attrs(handoff),
        **_changes_attrs(handoff.account_id, handoff.updated_at, handoff.id),
        **handoff.model_dump(mode="json"),
    }


def handoff_from_item(item: dict[str, Any]) -> Handoff:
    """A handoff from a plain (deserialised) item, e.g. a stream record's image."""
    return _to_handoff(item)


def _cursor_of(item: dict[str, Any]) -> str:
    return cursor.encode({"pk": item["pk"], "sk": item["sk"], "queue_sk": item["queue_sk"]})


def _to_session(item: dict[str, Any]) -> Session:
    return Session.model_validate({field: item[field] for field in _SESSION_FIELDS if field in item})


def _to_handoff(item: dict[str, Any]) -> Handoff:
    return Handoff.model_validate({field: item[field] for field in _HANDOFF_FIELDS if field in item})
