"""The account's SLA policy, kept on the account item (`sla_policy`); an account without one has the defaults."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from baton.domain.errors import NotFound
from baton.domain.ladder import Policy, default_policy
from baton.repositories import keys
from baton.repositories.codec import from_attrs, to_attrs
from baton.repositories.dynamo_errors import call, condition_failure

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient


class PolicyRepository:
    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self._table = table_name
        self._client = client

    def get(self, account_id: str) -> Policy:
        found = call(
            self._client.get_item,
            TableName=self._table,
            Key=to_attrs(keys.account_key(account_id)),
            ProjectionExpression="sla_policy",
            ConsistentRead=True,
        )
        return policy_of(from_attrs(found["Item"]) if "Item" in found else None)

    def put(self, account_id: str, policy: Policy) -> Policy:
        try:
            call(
                self._client.update_item,
                TableName=self._table,
                Key=to_attrs(keys.account_key(account_id)),
                UpdateExpression="SET sla_policy = :policy",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues=to_attrs({":policy": policy.model_dump(mode="json")}),
            )
        except ClientError as error:
            if condition_failure(error) is None:
                raise
            raise NotFound("No such account.") from error
        return policy


def policy_of(account_item: dict[str, Any] | None) -> Policy:
    """The policy an account item holds (the defaults when it holds none, or there is no item). A v1 policy (three
    steps) reads as v2 with the defaults for the rest."""
    stored = (account_item or {}).get("sla_policy")
    return Policy.model_validate(stored) if stored else default_policy()  # from_attrs made its numbers whole
