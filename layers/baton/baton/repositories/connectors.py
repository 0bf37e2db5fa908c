"""An account's connectors with credentials (PSAs; chat apps): settings in the data table, secrets in SSM.

- The secrets (API keys, client secrets, and the `hook_secret` baton chose when it registered its inbound hook) are
  one SecureString parameter `<root>/<account>/<connector>` holding a JSON object (repositories/secured_items.py:
  how a secret and its item are kept); the functions' IAM is scoped to `<root>/*` (`/<stack>/connectors`).
- The data table's `CONNECTOR#<name>` item of the account holds the settings, the hook's id, the member map and how
  the last delivery and the last inbound call went: listing needs no decryption and one Query.
- `BUDGET#<name>#<hour>` counts the requests of an hour (one conditional update each);
  `PSA_TICKET#<name>#<ticket>` remembers which session a ticket became; it is claimed with a conditional put before
  the session is made, so two calls about one ticket at once make one session.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from baton.connectors.registry import connector
from baton.domain.connector_state import ConnectorSetup, InboundRecord, MemberLink, TicketLink
from baton.domain.models import WebhookDelivery
from baton.repositories import keys
from baton.repositories.codec import from_attrs, to_attrs
from baton.repositories.dynamo_errors import call
from baton.repositories.integrations import SECRET_TTL_S
from baton.repositories.secured_items import SecuredItems, error_code
from baton.repositories.ttl_cache import TtlCache

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

_FIELDS = tuple(ConnectorSetup.model_fields)
BUDGET_KEPT_SECONDS = 2 * 3600


class ConnectorRepository:
    def __init__(
        self, table_name: str, parameter_root: str, dynamodb: DynamoDBClient, ssm: Any, cache: TtlCache[str | None] | None = None
    ) -> None:
        self._table = table_name
        self._root = parameter_root.rstrip("/")
        self._dynamodb = dynamodb
        self._secured = SecuredItems(table_name, dynamodb, ssm)
        self._secrets: TtlCache[str | None] = cache or TtlCache(SECRET_TTL_S)

    def parameter_name(self, account_id: str, name: str) -> str:
        return connector(name).secret.parameter_name(self._root, account_id, name)

    # --- settings ------------------------------------------------------------------------------------
    def get(self, account_id: str, name: str) -> ConnectorSetup | None:
        found = call(
            self._dynamodb.get_item,
            TableName=self._table,
            Key=to_attrs(keys.connector_key(account_id, name)),
            ConsistentRead=True,
        )
        item = found.get("Item")
        return _to_setup(from_attrs(item)) if item else None

    def list(self, account_id: str) -> list[ConnectorSetup]:
        page = call(
            self._dynamodb.query,
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues=to_attrs({":pk": keys.account_pk(account_id), ":prefix": keys.CONNECTOR_PREFIX}),
            ConsistentRead=True,
        )
        return [_to_setup(from_attrs(item)) for item in page.get("Items", [])]

    def secrets(self, account_id: str, name: str, version: str | None = None) -> dict[str, str] | None:
        """Read from SSM; with the setup's `version` (its `updated_at`), kept SECRET_TTL_S by a warm function, as a
        webhook's URL is (a saved connector has a new version, so its new secrets are read at once; a removed one
        has no setup, so its secrets are never asked for)."""
        parameter = self.parameter_name(account_id, name)
        if version is None:
            found = self._secured.read_secret(parameter)
        else:
            found = self._secrets.get_or_read((account_id, name, version), lambda: self._secured.read_secret(parameter))
        value = json.loads(found) if found is not None else None
        return {str(key): str(item) for key, item in value.items()} if isinstance(value, dict) else None

    def save(self, setup: ConnectorSetup, secrets: dict[str, str]) -> None:
        item = {
            **keys.connector_key(setup.account_id, setup.name),
            "entity": "connector",
            **setup.model_dump(mode="json", exclude={"last_delivery", "last_inbound"}),
        }
        description = f"baton: the {setup.name} connector's secrets of account {setup.account_id}"
        self._secured.save(self.parameter_name(setup.account_id, setup.name), json.dumps(secrets), description, item)

    def remove(self, account_id: str, name: str) -> bool:
        """False when there was nothing to remove."""
        return self._secured.remove(self.parameter_name(account_id, name), keys.connector_key(account_id, name))

    def set_members(self, account_id: str, name: str, members: Sequence[MemberLink]) -> None:
        self._update(account_id, name, "members", [link.model_dump(mode="json", exclude_none=True) for link in members])

    def record_delivery(self, account_id: str, name: str, delivery: WebhookDelivery) -> None:
        self._update(account_id, name, "last_delivery", delivery.model_dump(mode="json", exclude_none=True))

    def record_inbound(self, account_id: str, name: str, record: InboundRecord) -> None:
        self._update(account_id, name, "last_inbound", record.model_dump(mode="json", exclude_none=True))

    def _update(self, account_id: str, name: str, field: str, value: Any) -> None:
        self._secured.set_field(keys.connector_key(account_id, name), field, value)

    # --- the request budget ----------------------------------------------------------------------------
    def take_budget(self, account_id: str, name: str, hour: str, limit: int) -> bool:
        try:
            call(
                self._dynamodb.update_item,
                TableName=self._table,
                Key=to_attrs(keys.budget_key(account_id, name, hour)),
                UpdateExpression="ADD #used :one SET #entity = if_not_exists(#entity, :entity)",
                ConditionExpression="attribute_not_exists(#used) OR #used < :limit",
                ExpressionAttributeNames={"#used": "used", "#entity": "entity"},
                ExpressionAttributeValues=to_attrs({":one": 1, ":limit": limit, ":entity": "budget"}),
            )
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    # --- tickets and sessions ----------------------------------------------------------------------------
    def link_ticket(self, link: TicketLink) -> None:
        call(self._dynamodb.put_item, TableName=self._table, Item=to_attrs(_ticket_item(link)))

    def claim_ticket(self, claim: TicketLink, seen: TicketLink | None) -> bool:
        """A conditional put: the link must still be exactly what `seen` read (None: absent)."""
        expected: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(pk)"}
        if seen is not None:
            condition, values = "session_id = :session_id", {":session_id": seen.session_id}
            for field in ("handoff_id", "escalating_since"):
                value = getattr(seen, field)
                condition += f" AND {field} = :{field}" if value is not None else f" AND attribute_not_exists({field})"
                values.update({f":{field}": value} if value is not None else {})
            expected = {"ConditionExpression": condition, "ExpressionAttributeValues": to_attrs(values)}
        try:
            call(self._dynamodb.put_item, TableName=self._table, Item=to_attrs(_ticket_item(claim)), **expected)
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def ticket_link(self, account_id: str, name: str, ticket_id: str) -> TicketLink | None:
        found = call(
            self._dynamodb.get_item,
            TableName=self._table,
            Key=to_attrs(keys.ticket_key(account_id, name, ticket_id)),
            ConsistentRead=True,
        )
        item = found.get("Item")
        if not item:
            return None
        values = from_attrs(item)
        return TicketLink.model_validate({field: values[field] for field in TicketLink.model_fields if field in values})


def _ticket_item(link: TicketLink) -> dict[str, Any]:
    item = {**keys.ticket_key(link.account_id, link.connector, link.ticket_id), "entity": "ticket_link", **link.model_dump()}
    return {key: value for key, value in item.items() if value is not None}


def _to_setup(item: dict[str, Any]) -> ConnectorSetup:
    return ConnectorSetup.model_validate({name: item[name] for name in _FIELDS if name in item})
