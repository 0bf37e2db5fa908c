"""Sessions and handoffs in the data table: conditional writes from the lifecycle's rules, the sparse open queue.

Every change of a handoff is one conditional write that also appends its timeline entry and bumps
`version` (so entry n made version n); actions that free or re-label the session write both items
in one transaction. A refused write is explained by `lifecycle.refusal` on the item as it was.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from baton.domain import lifecycle
from baton.domain.errors import Conflict, Invalid, NotFound, Transient
from baton.domain.lifecycle import Action
from baton.domain.models import Handoff, HandoffFacts, HandoffStatus, MineRole, QueuePage, Session, TimelineEntry, User
from baton.repositories import cursor, keys
from baton.repositories.codec import from_attrs, to_attrs
from baton.repositories.dynamo_errors import call, condition_failure
from baton.repositories.paging import query_all
from baton.repositories.policy import PolicyRepository, policy_of

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

    from baton.domain.ladder import Policy, Timer

BATCH_GET_ATTEMPTS = 5
BATCH_GET_BACKOFF_SECONDS = 0.05
_SESSION_FIELDS = tuple(Session.model_fields)
_HANDOFF_FIELDS = tuple(Handoff.model_fields)
_FACT_FIELDS = tuple(HandoffFacts.model_fields)
# Sparse: present only while open. A handoff back in the queue copies them from their *_home twins.
_QUEUE_ATTRS = ("queue_pk", "queue_intent_pk")
# "My work": each role's index and its partition attribute (holder_pk is sparse: present while someone holds it).
_MINE_INDEXES: dict[str, tuple[str, str]] = {
    "holder": (keys.HOLDER_INDEX, "holder_pk"),
    "creator": (keys.CREATOR_INDEX, "creator_pk"),
}


class HandoffRepository:
    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self._table = table_name
        self._client = client

    # --- sessions -------------------------------------------------------------------------
    def create_session(self, session: Session) -> None:
        call(
            self._client.put_item,
            TableName=self._table,
            Item=to_attrs(_session_item(session)),
            ConditionExpression="attribute_not_exists(pk)",
        )

    def get_session(self, account_id: str, session_id: str) -> Session | None:
        key = to_attrs(keys.session_key(account_id, session_id))
        found = call(self._client.get_item, TableName=self._table, Key=key, ConsistentRead=True)
        return _to_session(from_attrs(found["Item"])) if "Item" in found else None

    def session_and_policy(self, account_id: str, session_id: str) -> tuple[Session | None, Policy]:
        """The session and its account's SLA policy in one strongly consistent round trip (a create needs both)."""
        wanted = [to_attrs(keys.session_key(account_id, session_id)), to_attrs(keys.account_key(account_id))]
        request: dict[str, Any] = {self._table: {"Keys": wanted, "ConsistentRead": True}}
        items: list[dict[str, Any]] = []
        for attempt in range(BATCH_GET_ATTEMPTS):  # keys left unprocessed (throttling) are asked again, backing off
            if attempt:
                time.sleep(BATCH_GET_BACKOFF_SECONDS * 2 ** (attempt - 1))
            answer = call(self._client.batch_get_item, RequestItems=request)
            items += [from_attrs(raw) for raw in answer.get("Responses", {}).get(self._table, [])]
            request = dict(answer.get("UnprocessedKeys") or {})
            if not request:
                break
        else:
            raise Transient("The data store is busy; retry in a moment.")
        session = next((_to_session(item) for item in items if item["sk"] == keys.SESSION_SK), None)
        return session, policy_of(next((item for item in items if item["sk"] == keys.ACCOUNT_SK), None))

    def get_session_with_handoffs(self, account_id: str, session_id: str) -> tuple[Session | None, list[Handoff]]:
        """One strongly consistent Query on the session's partition: the session and all of its handoffs."""
        items = query_all(
            self._client,
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=to_attrs({":pk": keys.session_pk(account_id, session_id)}),
            ConsistentRead=True,
        )
        session: Session | None = None
        handoffs: list[Handoff] = []
        for item in items:
            if item["sk"] == keys.SESSION_SK:
                session = _to_session(item)
            else:
                handoffs.append(_to_handoff(item))
        return session, handoffs

    # --- handoffs -------------------------------------------------------------------------
    def create_handoff(self, handoff: Handoff) -> None:
        """Put the handoff and mark it the session's active one, atomically.

        A session with an open or claimed handoff refuses a second one (409 naming it).
        """
        session_update = {
            "Key": to_attrs(keys.session_key(handoff.account_id, handoff.session_id)),
            "UpdateExpression": "SET active_handoff_id = :id, #status = :status",
            "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(active_handoff_id)",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": to_attrs(
                {":id": handoff.id, ":status": lifecycle.session_status_after(Action.CREATE, handoff.intent)}
            ),
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        put = {"Item": to_attrs(handoff_item(handoff)), "ConditionExpression": "attribute_not_exists(pk)"}
        try:
            self._transact({"Update": session_update}, {"Put": put})
        except ClientError as error:
            refused = condition_failure(error)
            if refused is None:
                raise
            old_session = next((from_attrs(old) for old in refused if old), None)
            if old_session is None:
                raise NotFound("No such session in your account.") from error
            active = old_session.get("active_handoff_id")
            raise Conflict(
                f"This session already has an open or claimed handoff ({active}); resolve or withdraw it first.",
                handoff_id=active,
            ) from error

    def transition(
        self,
        account_id: str,
        session_id: str,
        handoff_id: str,
        action: Action,
        actor: User,
        entry: TimelineEntry,
        fields: dict[str, Any],
    ) -> Handoff:
        """One action of the lifecycle as one conditional write (with the session, a transaction).

        `fields` are the handoff fields the action sets (None removes one); status, queue
        membership, version, the timeline and the change index follow from the rule here.
        A claim is a single UpdateItem: its loser learns the winner from ALL_OLD, with no extra read of the handoff
        (only the account's policy, for its time zone, on a refusal).
        """
        rule = lifecycle.RULES[action]
        update = self._handoff_update(
            keys.handoff_key(account_id, session_id, handoff_id), rule, actor, entry, fields, handoff_id, account_id
        )
        try:
            if rule.session_status is None and not rule.frees_session:
                updated = call(self._client.update_item, **update, ReturnValues="ALL_NEW")
                return _to_handoff(from_attrs(updated["Attributes"]))
            session_status = lifecycle.session_status_after(action, fields.get("intent"))
            session = self._session_update(account_id, session_id, handoff_id, rule, session_status)
            self._transact({"Update": update}, {"Update": session})
        except ClientError as error:
            refused = condition_failure(error)
            if refused is None:
                raise
            old_handoff = next((item for item in map(_plain, refused) if item["sk"].startswith(keys.HANDOFF_PREFIX)), None)
            if _written_already(old_handoff, entry):  # the SDK resent a write whose answer was lost: it is done
                return _to_handoff(old_handoff)  # type: ignore[arg-type]
            self._explain(old_handoff, action, actor, entry.to_user_id, error)
        changed = self.get_handoff(account_id, session_id, handoff_id)
        if changed is None:  # deleted between the write and the read: nothing deletes handoffs
            raise NotFound("No such handoff in your account.")
        return changed

    def get_handoff(self, account_id: str, session_id: str, handoff_id: str) -> Handoff | None:
        key = to_attrs(keys.handoff_key(account_id, session_id, handoff_id))
        found = call(self._client.get_item, TableName=self._table, Key=key, ConsistentRead=True)
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
        return self._page(query, limit, _cursor_of)

    def changed_since(self, account_id: str, since: str, limit: int) -> list[Handoff]:
        """Handoffs of the account changed at or after `since` (ISO time), oldest change first, at most `limit`.

        Inclusive on purpose: two changes in the same millisecond must not hide one another; a
        client applies snapshots by version, so seeing one twice is harmless.
        """
        page = call(
            self._client.query,
            TableName=self._table,
            IndexName=keys.CHANGES_INDEX,
            KeyConditionExpression="changes_pk = :pk AND changes_sk >= :since",
            ExpressionAttributeValues=to_attrs({":pk": keys.account_pk(account_id), ":since": since}),
            ScanIndexForward=True,
            Limit=limit,
        )
        return [_to_handoff(from_attrs(item)) for item in page.get("Items", [])]

    def recent(self, account_id: str, limit: int) -> list[Handoff]:
        """The account's handoffs, newest change first (the change index, read backwards: one page)."""
        page = call(
            self._client.query,
            TableName=self._table,
            IndexName=keys.CHANGES_INDEX,
            KeyConditionExpression="changes_pk = :pk",
            ExpressionAttributeValues=to_attrs({":pk": keys.account_pk(account_id)}),
            ScanIndexForward=False,
            Limit=limit,
        )
        return [_to_handoff(from_attrs(item)) for item in page.get("Items", [])]

    def latest_change(self, account_id: str) -> str | None:
        """The account's newest change time: the change index's last key (one item, keys only)."""
        page = call(
            self._client.query,
            TableName=self._table,
            IndexName=keys.CHANGES_INDEX,
            KeyConditionExpression="changes_pk = :pk",
            ExpressionAttributeValues=to_attrs({":pk": keys.account_pk(account_id)}),
            ProjectionExpression="changes_sk",
            ScanIndexForward=False,
            Limit=1,
        )
        items = page.get("Items", [])
        return str(from_attrs(items[0])["changes_sk"]).split("#", 1)[0] if items else None

    # --- the SLA ladder and the figures -----------------------------------------------------
    def sla_policy(self, account_id: str) -> Policy:
        return PolicyRepository(self._table, self._client).get(account_id)

    def raise_overdue(self, timer: Timer, entry: TimelineEntry, next_due: str | None) -> Handoff | None:
        """One level up, if the handoff is still where the timer expects it (the rule `lifecycle.OVERDUE`:
        an open escalation at the timer's level and deadline). None when it is not: the timer is stale.
        Without a next deadline (the policy's last level) the handoff keeps its level and climbs no more."""
        rule = lifecycle.OVERDUE
        values: dict[str, Any] = {
            ":level": timer.level,
            ":due": timer.due_at,
            ":next_level": timer.level + 1,
            ":next_due": next_due,
            ":intent": rule.only_intent,
            ":now": entry.at,
            ":one": 1,
            ":changed": keys.changes_sk(entry.at, timer.handoff_id),
            ":entry": [_entry_attrs(entry)],
            ":none": [],
            ":max": lifecycle.TIMELINE_MAX,
        }
        statuses = []
        for n, status in enumerate(rule.sources):
            values[f":from{n}"] = status
            statuses.append(f":from{n}")
        try:
            updated = call(
                self._client.update_item,
                TableName=self._table,
                Key=to_attrs(keys.handoff_key(timer.account_id, timer.session_id, timer.handoff_id)),
                UpdateExpression=(
                    f"SET overdue_level = :next_level, {'due_at = :next_due, ' if next_due else ''}updated_at = :now,"
                    " changes_sk = :changed, version = version + :one,"
                    " timeline = list_append(if_not_exists(timeline, :none), :entry)"
                    f" ADD overdue_raises :one{'' if next_due else ' REMOVE due_at'}"
                ),
                ConditionExpression=(
                    f"attribute_exists(pk) AND #status IN ({', '.join(statuses)}) AND intent = :intent"
                    " AND overdue_level = :level AND due_at = :due AND size(timeline) < :max"
                ),
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=to_attrs(values),
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if condition_failure(error) is None:
                raise
            return None
        return _to_handoff(from_attrs(updated["Attributes"]))

    def created_since(self, account_id: str, since: str) -> list[HandoffFacts]:
        """Every handoff of the account created at or after `since`, oldest first: the created index
        projects only what the figures read, so the cost is that account's handoffs of the window."""
        items = query_all(
            self._client,
            TableName=self._table,
            IndexName=keys.CREATED_INDEX,
            KeyConditionExpression="created_pk = :pk AND created_sk >= :since",
            ExpressionAttributeValues=to_attrs({":pk": keys.account_pk(account_id), ":since": since}),
        )
        return [HandoffFacts.model_validate({field: item[field] for field in _FACT_FIELDS if field in item}) for item in items]

    def mine(
        self, account_id: str, user_id: str, role: MineRole, status: HandoffStatus, limit: int, after: str | None
    ) -> QueuePage:
        """Handoffs in `status` that the user holds or created, newest transition first: one Query on an index."""
        index, partition_attr = _MINE_INDEXES[role]
        partition = keys.person_pk(account_id, user_id)
        query: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": index,
            "KeyConditionExpression": f"{partition_attr} = :pk AND begins_with(mine_sk, :status)",
            "ExpressionAttributeValues": to_attrs({":pk": partition, ":status": f"{status}#"}),
            "ScanIndexForward": False,
            "Limit": limit + 1,
        }
        if after:
            position = cursor.decode(after, ("pk", "sk", "mine_sk"))
            if not position["pk"].startswith(keys.account_pk(account_id) + "#") or not position["mine_sk"].startswith(
                f"{status}#"
            ):
                raise Invalid("The cursor is not valid for this list; use the X-Next-Cursor value of the previous page.")
            query["ExclusiveStartKey"] = to_attrs({**position, partition_attr: partition})
        return self._page(query, limit, _mine_cursor_of)

    # --- helpers --------------------------------------------------------------------------
    def _page(self, query: dict[str, Any], limit: int, cursor_of: Callable[[dict[str, Any]], str]) -> QueuePage:
        """One page of a Query asked for `limit + 1` items: the extra one only says there is more."""
        page = call(self._client.query, **query)
        items = [from_attrs(raw) for raw in page.get("Items", [])]
        next_cursor = None
        if len(items) > limit:
            items = items[:limit]
            next_cursor = cursor_of(items[-1])
        elif "LastEvaluatedKey" in page:
            next_cursor = cursor_of(from_attrs(page["LastEvaluatedKey"]))
        return QueuePage(items=[_to_handoff(item) for item in items], next_cursor=next_cursor)

    def _handoff_update(
        self,
        key: dict[str, str],
        rule: lifecycle.Rule,
        actor: User,
        entry: TimelineEntry,
        fields: dict[str, Any],
        handoff_id: str,
        account_id: str,
    ) -> dict[str, Any]:
        """The UpdateItem of one transition: the rule's guard as its condition, the change as its update."""
        guard = lifecycle.guard(rule.action, actor, entry.to_user_id)
        names = {"#status": "status"}
        values: dict[str, Any] = {
            ":target": rule.target,
            ":now": entry.at,
            ":one": 1,
            ":changed": keys.changes_sk(entry.at, handoff_id),
            ":mine": keys.mine_sk(rule.target, entry.at, handoff_id),
            ":entry": [_entry_attrs(entry)],
            ":none": [],
            ":max": lifecycle.TIMELINE_MAX,
        }
        statuses = []
        for n, status in enumerate(guard.statuses):
            values[f":from{n}"] = status
            statuses.append(f":from{n}")
        condition = [f"attribute_exists(pk) AND #status IN ({', '.join(statuses)}) AND size(timeline) < :max"]
        if guard.intent:
            condition.append("intent = :only_intent")
            values[":only_intent"] = guard.intent
        if guard.creator_barred_for:
            condition.append("NOT (created_by = :actor AND intent = :barred)")
            values[":actor"], values[":barred"] = actor.id, guard.creator_barred_for
        if guard.actor_field:
            condition.append(f"{guard.actor_field} = :actor")
            values[":actor"] = actor.id
        if guard.not_held_by:
            condition.append("claimed_by <> :assignee")
            values[":assignee"] = guard.not_held_by

        sets = [
            "#status = :target",
            "updated_at = :now",
            "changes_sk = :changed",
            "mine_sk = :mine",
            "version = version + :one",
            "timeline = list_append(if_not_exists(timeline, :none), :entry)",
        ]
        if rule.action is Action.CLAIM:  # the first pickup, for the figures: a release and a new claim keep it
            values[":actor_name"] = actor.display_name
            values[":claimer"] = actor.id
            sets.extend(
                (
                    "picked_up_at = if_not_exists(picked_up_at, :now)",
                    "picked_up_by = if_not_exists(picked_up_by, :claimer)",
                    "picked_up_by_name = if_not_exists(picked_up_by_name, :actor_name)",
                )
            )
        removes = [name for name, value in fields.items() if value is None]
        _follow_holder(fields, account_id, sets, removes, values)
        for n, (name, value) in enumerate(item for item in fields.items() if item[1] is not None):
            names[f"#f{n}"] = name
            values[f":f{n}"] = value
            sets.append(f"#f{n} = :f{n}")
        if rule.in_queue:
            intent = fields.get("intent")
            if intent:  # a park turned escalation moves to the escalations' queue
                values[":intent_pk"] = keys.queue_intent_pk(account_id, intent)
                sets.append("queue_home_intent_pk = :intent_pk")
                sets.append("queue_intent_pk = :intent_pk")
            else:
                sets.append("queue_intent_pk = queue_home_intent_pk")
            sets.append("queue_pk = queue_home_pk")
        else:
            removes.extend(_QUEUE_ATTRS)
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        return {
            "TableName": self._table,
            "Key": to_attrs(key),
            "UpdateExpression": expression,
            "ConditionExpression": " AND ".join(condition),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": to_attrs(values),
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }

    def _session_update(
        self, account_id: str, session_id: str, handoff_id: str, rule: lifecycle.Rule, status: str | None
    ) -> dict[str, Any]:
        expression = ("SET #status = :status" if status else "SET #status = #status") + (
            " REMOVE active_handoff_id" if rule.frees_session else ""
        )
        return {
            "TableName": self._table,
            "Key": to_attrs(keys.session_key(account_id, session_id)),
            "UpdateExpression": expression,
            "ConditionExpression": "active_handoff_id = :handoff",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": to_attrs({":status": status, ":handoff": handoff_id}),
        }

    def _transact(self, *actions: dict[str, Any]) -> None:
        for action in actions:
            next(iter(action.values())).setdefault("TableName", self._table)
        call(self._client.transact_write_items, TransactItems=list(actions))

    def _explain(
        self, old_item: dict[str, Any] | None, action: Action, actor: User, to_user_id: str | None, error: Exception
    ) -> None:
        if old_item is None:
            raise NotFound("No such handoff in your account.") from error
        handoff = _to_handoff(old_item)
        zone = self.sla_policy(handoff.account_id).time_zone()  # the sentence's times in the account's zone (refusals only)
        refused = lifecycle.refusal(action, handoff, actor, to_user_id, zone)
        # The condition failed, so the rules refuse; None means the item changed between two reads of it.
        raise refused or Conflict("This handoff changed at the same moment; reload and retry.") from error


def _written_already(old_item: dict[str, Any] | None, entry: TimelineEntry) -> bool:
    """True when the item already ends with this very entry (same actor, action and millisecond): a retry by
    the SDK after a timeout, of a write that did happen, fails its condition and must answer as the first did."""
    timeline = (old_item or {}).get("timeline") or []
    return bool(timeline) and timeline[-1] == _entry_attrs(entry)


def _queue_attrs(handoff: Handoff) -> dict[str, str]:
    home = {
        "queue_home_pk": keys.account_pk(handoff.account_id),
        "queue_home_intent_pk": keys.queue_intent_pk(handoff.account_id, handoff.intent),
        "queue_sk": keys.queue_sk(handoff.created_at, handoff.id),
    }
    if handoff.status != lifecycle.RULES[Action.CREATE].target:
        return home
    return {**home, "queue_pk": home["queue_home_pk"], "queue_intent_pk": home["queue_home_intent_pk"]}


def _plain(item: dict[str, Any] | None) -> dict[str, Any]:
    return from_attrs(item) if item else {"sk": ""}


def _entry_attrs(entry: TimelineEntry) -> dict[str, Any]:
    """Stored without `version`: entry n made version n, so it is derived on read."""
    return entry.model_dump(exclude={"version"}, exclude_none=True)


def _session_item(session: Session) -> dict[str, Any]:
    """`intake_content` is the product's own JSON: stored as text, so any JSON document round-trips exactly."""
    fields = session.model_dump(mode="json", exclude={"intake_content"})
    return {
        **keys.session_key(session.account_id, session.id),
        "entity": "session",
        **fields,
        "intake_content_json": json.dumps(session.intake_content, ensure_ascii=False, allow_nan=False),
    }


def handoff_item(handoff: Handoff) -> dict[str, Any]:
    """The stored form of a handoff: keys, index attributes (sparse queue while open), fields."""
    return {
        **keys.handoff_key(handoff.account_id, handoff.session_id, handoff.id),
        "entity": "handoff",
        **_queue_attrs(handoff),
        "changes_pk": keys.account_pk(handoff.account_id),
        "changes_sk": keys.changes_sk(handoff.updated_at, handoff.id),
        "created_pk": keys.account_pk(handoff.account_id),
        "created_sk": keys.created_sk(handoff.created_at, handoff.id),
        **_mine_attrs(handoff),
        **handoff.model_dump(mode="json", exclude={"timeline"}),
        "timeline": [_entry_attrs(entry) for entry in handoff.timeline],
    }


def handoff_from_item(item: dict[str, Any]) -> Handoff:
    """A handoff from a plain (deserialised) item, e.g. a stream record's image."""
    return _to_handoff(item)


def _follow_holder(fields: dict[str, Any], account_id: str, sets: list[str], removes: list[str], values: dict[str, Any]) -> None:
    """The holder's index follows whoever holds the handoff now (nobody after a release)."""
    if "claimed_by" not in fields:
        return
    if fields["claimed_by"] is None:
        removes.append("holder_pk")
    else:
        values[":holder"] = keys.person_pk(account_id, fields["claimed_by"])
        sets.append("holder_pk = :holder")


def _mine_attrs(handoff: Handoff) -> dict[str, str]:
    mine = {
        "creator_pk": keys.person_pk(handoff.account_id, handoff.created_by),
        "mine_sk": keys.mine_sk(handoff.status, handoff.updated_at, handoff.id),
    }
    if handoff.claimed_by:
        mine["holder_pk"] = keys.person_pk(handoff.account_id, handoff.claimed_by)
    return mine


def _mine_cursor_of(item: dict[str, Any]) -> str:
    return cursor.encode({"pk": item["pk"], "sk": item["sk"], "mine_sk": item["mine_sk"]})


def _cursor_of(item: dict[str, Any]) -> str:
    return cursor.encode({"pk": item["pk"], "sk": item["sk"], "queue_sk": item["queue_sk"]})


def _to_session(item: dict[str, Any]) -> Session:
    values = {field: item[field] for field in _SESSION_FIELDS if field in item}
    values["intake_content"] = json.loads(item.get("intake_content_json", "{}"))
    return Session.model_validate(values)


def _to_handoff(item: dict[str, Any]) -> Handoff:
    values = {field: item[field] for field in _HANDOFF_FIELDS if field in item}
    values["timeline"] = [{**entry, "version": n} for n, entry in enumerate(item.get("timeline", []), start=1)]
    return Handoff.model_validate(values)
