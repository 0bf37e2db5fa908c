"""The one shape of a connector (DESIGN §3e): everything baton needs to know about one outside system."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Literal, NamedTuple, Protocol

from baton.connectors.http import HttpAnswer, InboundCall
from baton.connectors.psa_api import PsaApi
from baton.domain.messages import Message
from baton.domain.modeling import Model
from baton.domain.webhook_rules import Classification, ProviderAnswer, classify

# chat: Teams, Slack (announcements to a channel); psa: ConnectWise, Autotask, HaloPSA (notes on the ticket).
ConnectorKind = Literal["chat", "psa"]
# The provider's payload for one message (pure: the caller posts it).
Renderer = Callable[[Message], dict[str, Any]]
# What a provider's answer to a delivery means: delivered, or permanent / retry / rate-limited (with Retry-After).
Classifier = Callable[[ProviderAnswer], Classification]


class InboundVerifier(Protocol):
    """Whether a call the provider made to baton (`POST /hooks/<name>/<account_id>`) is genuine, from the call (its
    headers and raw body), the account's secrets of this connector (including the `hook_secret` baton set when it
    registered its hook) and, when the scheme needs one, the key the hooks function fetched from `Inbound.key_url`
    (raw bytes): no I/O here."""

    def __call__(self, call: InboundCall, secrets: Mapping[str, str], key: bytes | None, now: datetime) -> bool: ...


def no_key(call: InboundCall, settings: Mapping[str, Any]) -> str | None:
    """The scheme needs no fetched key (a shared secret, an HMAC)."""
    return None


class Inbound(NamedTuple):
    """How a connector receives calls at `POST /hooks/<name>/<account_id>` (functions/hooks), in pure steps:

    - `key_url`: the https URL of a verification key to fetch first, or None; it raises `Unauthorized` when the call
      names a key it may not (ConnectWise's `Metadata.key_url` on another host than the configured site);
    - `verify`: is the call genuine (else 401, nothing done);
    - `delivery_id`: the provider's id of this delivery: a second call with it does nothing again (None: no dedup);
    - `interpret`: what the call asks of baton, as a domain intent the use cases know (baton/logic/inbound.py runs it;
      None: nothing to do), from the call and the account's settings of this connector;
    - `answer`: what the provider gets back, from the use case's outcome (chat tools show it to the clicker: it
      must come within 3 s for Slack, 5 s for a Teams invoke)."""

    verify: InboundVerifier
    delivery_id: Callable[[InboundCall], str | None]
    interpret: Callable[[InboundCall, Mapping[str, Any]], object | None]
    answer: Callable[[object | None], HttpAnswer]
    key_url: Callable[[InboundCall, Mapping[str, Any]], str | None] = no_key


class SecretLocation(NamedTuple):
    """Where an account's secret of a connector lives: one SSM SecureString, `<root>/<account_id>/<connector>`.

    `root_setting` names the setting (baton.settings.Settings) that holds `<root>`: the webhooks keep theirs under
    `integrations_parameter_path` (`/<stack>/integrations`, today's storage); connectors with credentials take
    `/<stack>/connectors` (DESIGN §3e), the functions' IAM scoped to the root. `field`: the secret's name in the
    request that sets it (the webhooks': `webhook_url`). The secret is read only to talk to the provider."""

    root_setting: str
    field: str

    @staticmethod
    def parameter_name(root: str, account_id: str, connector: str) -> str:
        return f"{root.rstrip('/')}/{account_id}/{connector}"


# Where every connector with credentials (PSAs, chat apps) keeps its secrets: `/<stack>/connectors/<account>/<name>`,
# one JSON object (its `secrets_model`, plus the `hook_secret` baton chose when it registered its inbound hook).
CONNECTOR_SECRETS = SecretLocation(root_setting="connectors_parameter_path", field="secrets")


class HostAllowlist(NamedTuple):
    """The hosts a connector may call: a template parameter (comma-separated, `*.domain`, `host:port`) whose default
    is `default_hosts`; each function gets it as the environment variable of the same name in upper snake case."""

    parameter: str
    default_hosts: tuple[str, ...]

    @property
    def variable(self) -> str:
        """`TeamsWebhookHosts` -> `TEAMS_WEBHOOK_HOSTS`."""
        return re.sub(r"(?<!^)(?=[A-Z])", "_", self.parameter).upper()


class Connector(NamedTuple):
    """One connector: its name (in paths, stored keys and logs), the provider's name as people know it, its kind,
    the model of its settings as shown and as set (never a secret), where its secrets live and their model, the hosts
    it may call, how it renders a message, how a failed delivery is classified, how it receives calls, and a PSA's
    API."""

    name: str
    title: str
    kind: ConnectorKind
    settings: type[Model]
    secret: SecretLocation
    allowlist: HostAllowlist
    render: Renderer
    classify: Classifier = classify
    # What a PUT of the connector sends as `secrets` (None: the webhook connectors, whose secret is the URL).
    secrets_model: type[Model] | None = None
    # How it receives calls (None: it receives none).
    inbound: Inbound | None = None
    # A PSA's API as pure request builders and readers (baton/connectors/psa_api.py); None for chat tools.
    psa: PsaApi | None = None
    # A chat tool's app mode beside its webhook (a Slack app, a Teams bot): the settings a PUT of the connector must
    # give (the webhook's `settings` model shows both modes); None: the connector has one mode.
    app_settings: type[Model] | None = None
