"""The one shape of a connector (DESIGN §3e): everything baton needs to know about one outside system."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

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
    """Whether a call the provider made to baton (`POST /hooks/<name>/<account_id>`) is genuine, from its headers
    and raw body, with the account's secret and any key the scheme needs, fetched by the caller: no I/O here."""

    def __call__(self, headers: Mapping[str, str], body: bytes, secret: str, now: datetime) -> bool: ...


@dataclass(frozen=True)
class SecretLocation:
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


@dataclass(frozen=True)
class HostAllowlist:
    """The hosts a connector may call: a template parameter (comma-separated, `*.domain`, `host:port`) whose default
    is `default_hosts`; each function gets it as the environment variable of the same name in upper snake case."""

    parameter: str
    default_hosts: tuple[str, ...]

    @property
    def variable(self) -> str:
        """`TeamsWebhookHosts` -> `TEAMS_WEBHOOK_HOSTS`."""
        return re.sub(r"(?<!^)(?=[A-Z])", "_", self.parameter).upper()


@dataclass(frozen=True)
class Connector:
    """One connector: its name (in paths, stored keys and logs), the provider's name as people know it, its kind,
    the model of its settings as shown (never a secret), where its secret lives, the hosts it may call, how it
    renders a message, how a failed delivery is classified, and, if it receives calls, how it verifies them."""

    name: str
    title: str
    kind: ConnectorKind
    settings: type[Model]
    secret: SecretLocation
    allowlist: HostAllowlist
    render: Renderer
    classify: Classifier = classify
    verify_inbound: InboundVerifier | None = None
