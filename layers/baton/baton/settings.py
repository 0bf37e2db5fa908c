"""Typed settings read from the environment the template gives each function.

Every setting is required and non-empty: a function missing one fails its first invocation
with the variable's name, not a later call with an empty table name or topic ARN.
"""

import os
from collections.abc import Sequence
from typing import Annotated, Self

from pydantic import ConfigDict, StringConstraints, ValidationError

from baton.connectors.registry import CONNECTORS, connector
from baton.domain.modeling import Model

Required = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class MissingSettings(RuntimeError):
    """The function's environment lacks settings it needs; the message names each variable."""


class Settings(Model):
    model_config = ConfigDict(frozen=True)

    data_table_name: Required
    connections_table_name: Required
    idempotency_table_name: Required
    events_topic_arn: Required
    websocket_url: Required
    websocket_management_url: Required
    sender_email: Required
    console_url: Required
    stage: Required
    # Chat connectors (logic/channels.py): where the webhook URLs are stored, and by connector name the hosts
    # they may point at (each connector's allowlist parameter, e.g. TEAMS_WEBHOOK_HOSTS; baton/connectors).
    integrations_parameter_path: Required
    connector_hosts: dict[str, Required]
    # Connectors with credentials (PSAs, chat apps): where their secrets are stored (`/<stack>/connectors`).
    connectors_parameter_path: Required
    # Optional: a CA bundle for webhook TLS instead of the default trust store (the local runtime's receiver).
    webhook_ca_bundle: str = ""
    # Optional: the chat apps' API bases (empty: the providers' own; docs/chat.md), e.g. the local stand-ins.
    slack_api_url: str = ""
    bot_connector_url: str = ""
    bot_token_url: str = ""

    @classmethod
    def from_env(cls) -> Self:
        """Each field from its upper-case environment variable (DATA_TABLE_NAME, ...); each connector's hosts from
        its allowlist's variable."""
        values: dict[str, object] = {name: os.environ.get(name.upper(), "") for name in cls.model_fields}
        values["connector_hosts"] = {declared.name: os.environ.get(declared.allowlist.variable, "") for declared in CONNECTORS}
        try:
            return cls.model_validate(values)
        except ValidationError as error:
            names = sorted({_variable(problem["loc"]) for problem in error.errors()})
            raise MissingSettings(f"missing or empty environment variables: {', '.join(names)} (set by template.yaml)") from None


def served_connector(variable: str, allowed: Sequence[str]) -> str:
    """The connector a function deployed once per connector serves (its `variable`, set by template.yaml)."""
    value = os.environ.get(variable, "")
    if value not in allowed:
        raise RuntimeError(f"{variable} must be one of {', '.join(allowed)} (set by template.yaml); it is {value!r}")
    return value


def _variable(loc: tuple[int | str, ...]) -> str:
    """The environment variable a setting comes from."""
    if loc[0] == "connector_hosts":
        return connector(str(loc[1])).allowlist.variable
    return str(loc[0]).upper()


class TimerSettings(Settings):
    """Functions that arm or fire SLA timers (the stream router, the timer function) also need the queue."""

    timer_queue_url: Required


class EmailSettings(Settings):
    """The email function (and the digest function it feeds) also need their queues: the email queue takes back a long
    recipient list in batches, the digest queue carries each digest's timer."""

    email_queue_url: Required
    digest_queue_url: Required


class PushSettings(Settings):
    """The push function also hands parts of a large fan-out to the push parts queue."""

    push_parts_queue_url: Required
