"""Invitations in the data table: one item per address and account, keyed by the invited address.

The key holds the address, so a caller can only ever reach invitations of their own verified
email (another address's invitation simply does not exist for them), and the account's pending
invitations are a Query on the users_by_account index. Accepting is one transaction: the
invitation (still pending, unexpired, the same id) becomes accepted, the caller's user item is
created only if their `sub` has none (one account per person), and the account's owner count grows
for an owner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from baton.domain.errors import BatonError, Conflict, Gone, NotFound
from baton.domain.invitation_rules import expires_epoch, why_unusable
from baton.domain.models import Invitation, Role, User
from baton.repositories import keys
from baton.repositories.codec import from_attrs, to_attrs
from baton.repositories.dynamo_errors import call, condition_failure
from baton.repositories.users import in_account_index, user_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

_FIELDS = tuple(Invitation.model_fields)


class InvitationRepository:
    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self._table = table_name
        self._client = client

    def create(self, invitation: Invitation, now_epoch: int) -> None:
        """Store a pending invitation; Conflict while a pending, unexpired one for the address and account exists."""
        try:
            call(
                self._client.put_item,
                TableName=self._table,
                Item=to_attrs(_to_item(invitation)),
                ConditionExpression="attribute_not_exists(pk) OR #status <> :pending OR expires_epoch <= :now",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=to_attrs({":pending": "pending", ":now": now_epoch}),
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            refused = condition_failure(error)
            if refused is None:
                raise
            old = refused[0]
            until = f" (until {from_attrs(old)['expires_at']})" if old else ""
            raise Conflict(f"{invitation.email} already has a pending invitation to this account{until}.") from error

    def for_email(self, email: str) -> list[Invitation]:
        """Every invitation of one address, whatever its status (one per account at most)."""
        page = call(
            self._client.query,
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues=to_attrs({":pk": keys.invitee_pk(email), ":prefix": keys.INVITATION_PREFIX}),
            ConsistentRead=True,
        )
        return [_to_invitation(from_attrs(item)) for item in page.get("Items", [])]

    def of_account(self, account_id: str) -> list[Invitation]:
        items = in_account_index(self._client, self._table, account_id, keys.INVITATION_PREFIX)
        return [_to_invitation(item) for item in items]

    def in_account(self, account_id: str, invitation_id: str) -> Invitation | None:
        page = call(
            self._client.query,
            TableName=self._table,
            IndexName=keys.USERS_BY_ACCOUNT_INDEX,
            KeyConditionExpression="gsi1pk = :pk AND gsi1sk = :sk",
            ExpressionAttributeValues=to_attrs(
                {":pk": keys.account_pk(account_id), ":sk": f"{keys.INVITATION_PREFIX}{invitation_id}"}
            ),
        )
        items = page.get("Items", [])
        return _to_invitation(from_attrs(items[0])) if items else None

    def revoke(self, invitation: Invitation, at: str) -> None:
        try:
            call(
                self._client.update_item,
                TableName=self._table,
                Key=to_attrs(keys.invitation_key(invitation.email, invitation.account_id)),
                UpdateExpression="SET #status = :revoked, revoked_at = :at",
                ConditionExpression="id = :id AND #status = :pending",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=to_attrs(
                    {":revoked": "revoked", ":at": at, ":id": invitation.id, ":pending": "pending"}
                ),
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            refused = condition_failure(error)
            if refused is None:
                raise
            old = refused[0]
            if old is None or from_attrs(old).get("id") != invitation.id:
                raise NotFound("No such invitation in your account.") from error
            raise Conflict(f"This invitation is already {from_attrs(old)['status']}.") from error

    def accept(self, invitation: Invitation, user: User, at: str, now_epoch: int) -> None:
        """One transaction; a refusal says why (used 409, revoked or expired 410, already a member 409)."""
        actions: list[dict[str, Any]] = [
            {
                "Update": {
                    "TableName": self._table,
                    "Key": to_attrs(keys.invitation_key(invitation.email, invitation.account_id)),
                    "UpdateExpression": "SET #status = :accepted, accepted_by = :sub, accepted_at = :at",
                    "ConditionExpression": "id = :id AND #status = :pending AND expires_epoch > :now",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": to_attrs(
                        {
                            ":accepted": "accepted",
                            ":sub": user.id,
                            ":at": at,
                            ":id": invitation.id,
                            ":pending": "pending",
                            ":now": now_epoch,
                        }
                    ),
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            },
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_attrs(user_item(user)),
                    "ConditionExpression": "attribute_not_exists(pk)",
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            },
            self._account_still_there(invitation.account_id, user.role),
        ]
        try:
            call(self._client.transact_write_items, TransactItems=actions)
        except ClientError as error:
            refused = condition_failure(error)
            if refused is None:
                raise
            raise _explain_accept(refused, invitation, now_epoch) from error

    def _account_still_there(self, account_id: str, role: Role) -> dict[str, Any]:
        """The account exists; a new owner also counts towards its owners (the last-owner rule reads the count)."""
        key = to_attrs(keys.account_key(account_id))
        if role != Role.OWNER:
            return {"ConditionCheck": {"TableName": self._table, "Key": key, "ConditionExpression": "attribute_exists(pk)"}}
        return {
            "Update": {
                "TableName": self._table,
                "Key": key,
                "UpdateExpression": "ADD owner_count :one",
                "ConditionExpression": "attribute_exists(pk)",
                "ExpressionAttributeValues": to_attrs({":one": 1}),
            }
        }


def _explain_accept(refused: list[dict[str, Any] | None], invitation: Invitation, now_epoch: int) -> BatonError:
    """Read by what each refused item is, not by its position."""
    for old in refused:
        if old is None:
            continue
        item = from_attrs(old)
        if item.get("entity") == "user":
            return Conflict("You are already a member of a baton account; one person belongs to one account.")
        if item.get("entity") == "invitation":
            current = _to_invitation(item)
            if current.id != invitation.id:
                return Gone("This invitation was replaced by a newer one; open the newest invitation.", status="replaced")
            return why_unusable(current, now_epoch) or Conflict("The invitation changed at the same time; retry.")
    return NotFound("The account of this invitation no longer exists.")


def _to_item(invitation: Invitation) -> dict[str, Any]:
    return {
        **keys.invitation_key(invitation.email, invitation.account_id),
        "entity": "invitation",
        "gsi1pk": keys.account_pk(invitation.account_id),
        "gsi1sk": f"{keys.INVITATION_PREFIX}{invitation.id}",
        "expires_epoch": expires_epoch(invitation),
        **invitation.model_dump(mode="json"),
    }


def _to_invitation(item: dict[str, Any]) -> Invitation:
    return Invitation.model_validate({field: item.get(field) for field in _FIELDS if field in item})


def invitation_from_item(item: dict[str, Any]) -> Invitation:
    """For the stream router: an invitation from a plain (decoded) stream image."""
    return _to_invitation(item)
