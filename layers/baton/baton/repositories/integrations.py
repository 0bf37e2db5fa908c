"""An account's chat webhooks (Teams, Slack): the URL in SSM Parameter Store, everything else in the data table.

- The URL is a SecureString parameter `<path>/<account>/<channel>`, where its connector declares it
  (baton/connectors/webhook.py), KMS-encrypted with the AWS-managed `aws/ssm` key; the functions' IAM is
  scoped to `<path>/*`. It is read only to post, never returned.
- The data table's `INTEGRATION#<channel>` item of the account says it is configured (last 4 characters,
  who set it, when) and how the last post went, so listing them needs no decryption and one Query.
Saving writes the parameter first and removing deletes it first: the parameter is what posts use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from baton.connectors.registry import Channel, connector
from baton.domain.errors import Transient
from baton.domain.models import Integration, WebhookDelivery
from baton.repositories import keys
from baton.repositories.codec import from_attrs, to_attrs
from baton.repositories.dynamo_errors import call
from baton.repositories.ttl_cache import TtlCache

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

# SSM answers worth a retry (after botocore's own): the API maps Transient to 503, queues redeliver.
_SSM_TRANSIENT = frozenset({"ThrottlingException", "TooManyUpdates", "InternalServerError", "ServiceUnavailable"})
_FIELDS = tuple(Integration.model_fields)
# How long a webhook URL read from SSM is kept by a warm function. A saved URL has a new `updated_at`, which is part
# of the key, so a replaced webhook is used at once; the TTL bounds how long a deleted parameter could still be used.
SECRET_TTL_S = 60.0


class IntegrationRepository:
    def __init__(
        self, table_name: str, parameter_path: str, dynamodb: DynamoDBClient, ssm: Any, cache: TtlCache[str | None] | None = None
    ) -> None:
        self._table = table_name
        self._path = parameter_path.rstrip("/")
        self._dynamodb = dynamodb
        self._ssm = ssm  # an SSM client (boto3-stubs' ssm extra is not installed)
        self._secrets: TtlCache[str | None] = cache or TtlCache(SECRET_TTL_S)

    def parameter_name(self, account_id: str, channel: Channel) -> str:
        """Where the channel's connector declares its secret (under this repository's path)."""
        return connector(channel).secret.parameter_name(self._path, account_id, channel)

    def list(self, account_id: str) -> list[Integration]:
        page = call(
            self._dynamodb.query,
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues=to_attrs({":pk": keys.account_pk(account_id), ":prefix": keys.INTEGRATION_PREFIX}),
            ConsistentRead=True,
        )
        return [_to_integration(from_attrs(item)) for item in page.get("Items", [])]

    def webhook_url(self, account_id: str, channel: Channel) -> str | None:
        """The channel's URL, or None when the account has no webhook for it. The data table's item says whether
        one is set (an account without that channel costs no SSM read); SSM's answer is kept SECRET_TTL_S."""
        found = call(
            self._dynamodb.get_item,
            TableName=self._table,
            Key=to_attrs(keys.integration_key(account_id, channel)),
            ProjectionExpression="updated_at",
        )
        if "Item" not in found:
            return None
        version = str(from_attrs(found["Item"]).get("updated_at", ""))
        return self._secrets.get_or_read((account_id, channel, version), lambda: self._read_url(account_id, channel))

    def _read_url(self, account_id: str, channel: Channel) -> str | None:
        try:
            found = self._ssm_call(self._ssm.get_parameter, Name=self.parameter_name(account_id, channel), WithDecryption=True)
        except ClientError as error:
            if _code(error) == "ParameterNotFound":
                return None
            raise
        return str(found["Parameter"]["Value"])

    def save(self, integration: Integration, webhook_url: str) -> None:
        self._ssm_call(
            self._ssm.put_parameter,
            Name=self.parameter_name(integration.account_id, integration.channel),
            Value=webhook_url,
            Type="SecureString",
            Overwrite=True,
            Description=f"baton: the {integration.channel} incoming webhook of account {integration.account_id}",
        )
        item = {
            **keys.integration_key(integration.account_id, integration.channel),
            "entity": "integration",
            **integration.model_dump(mode="json", exclude={"last_delivery"}),
        }
        call(self._dynamodb.put_item, TableName=self._table, Item=to_attrs(item))

    def remove(self, account_id: str, channel: Channel) -> bool:
        """False when there was nothing to remove."""
        try:
            self._ssm_call(self._ssm.delete_parameter, Name=self.parameter_name(account_id, channel))
            had_parameter = True
        except ClientError as error:
            if _code(error) != "ParameterNotFound":
                raise
            had_parameter = False
        old = call(
            self._dynamodb.delete_item,
            TableName=self._table,
            Key=to_attrs(keys.integration_key(account_id, channel)),
            ReturnValues="ALL_OLD",
        )
        return had_parameter or bool(old.get("Attributes"))

    def record_delivery(self, account_id: str, channel: Channel, delivery: WebhookDelivery) -> None:
        """How the last post went, on the integration's item (never creates one: a removed webhook stays removed)."""
        try:
            call(
                self._dynamodb.update_item,
                TableName=self._table,
                Key=to_attrs(keys.integration_key(account_id, channel)),
                UpdateExpression="SET last_delivery = :delivery",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues=to_attrs({":delivery": delivery.model_dump(mode="json", exclude_none=True)}),
            )
        except ClientError as error:
            if _code(error) != "ConditionalCheckFailedException":
                raise

    def _ssm_call(self, operation: Any, **kwargs: Any) -> Any:
        try:
            return operation(**kwargs)
        except ClientError as error:
            if _code(error) in _SSM_TRANSIENT:
                raise Transient("The settings store is busy; retry in a moment.") from error
            raise


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _to_integration(item: dict[str, Any]) -> Integration:
    return Integration.model_validate({name: item[name] for name in _FIELDS if name in item})
