"""An account's chat webhooks (Teams, Slack): the URL in SSM Parameter Store, everything else in the data table.

- The URL is a SecureString parameter `<path>/<account>/<channel>`, where its connector declares it
  (baton/connectors/webhook.py); the functions' IAM is scoped to `<path>/*` (repositories/secured_items.py: how a
  secret and its item are kept). It is read only to post, never returned.
- The data table's `INTEGRATION#<channel>` item of the account says it is configured (last 4 characters,
  who set it, when) and how the last post went, so listing them needs no decryption and one Query.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from baton.connectors.registry import Channel, connector
from baton.domain.models import Integration, WebhookDelivery
from baton.repositories import keys
from baton.repositories.codec import from_attrs, to_attrs
from baton.repositories.dynamo_errors import call
from baton.repositories.secured_items import SecuredItems
from baton.repositories.ttl_cache import TtlCache

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

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
        self._secured = SecuredItems(table_name, dynamodb, ssm)
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
        return self._secured.read_secret(self.parameter_name(account_id, channel))

    def save(self, integration: Integration, webhook_url: str) -> None:
        item = {
            **keys.integration_key(integration.account_id, integration.channel),
            "entity": "integration",
            **integration.model_dump(mode="json", exclude={"last_delivery"}),
        }
        description = f"baton: the {integration.channel} incoming webhook of account {integration.account_id}"
        self._secured.save(self.parameter_name(integration.account_id, integration.channel), webhook_url, description, item)

    def remove(self, account_id: str, channel: Channel) -> bool:
        """False when there was nothing to remove."""
        return self._secured.remove(self.parameter_name(account_id, channel), keys.integration_key(account_id, channel))

    def record_delivery(self, account_id: str, channel: Channel, delivery: WebhookDelivery) -> None:
        """How the last post went, on the integration's item (never creates one: a removed webhook stays removed)."""
        self._secured.set_field(
            keys.integration_key(account_id, channel), "last_delivery", delivery.model_dump(mode="json", exclude_none=True)
        )


def _to_integration(item: dict[str, Any]) -> Integration:
    return Integration.model_validate({name: item[name] for name in _FIELDS if name in item})
