"""Typed settings read from the environment the template gives each function.

Every setting is required and non-empty: a function missing one fails its first invocation
with the variable's name, not a later call with an empty table name or topic ARN.
"""

import os
from typing import Annotated, Self

from pydantic import ConfigDict, StringConstraints, ValidationError

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
    # Teams and Slack (logic/channels.py): where the webhook URLs are stored, and the hosts they may point at.
    integrations_parameter_path: Required
    teams_webhook_hosts: Required
    slack_webhook_hosts: Required
    # Optional: a CA bundle for webhook TLS instead of the default trust store (the local runtime's receiver).
    webhook_ca_bundle: str = ""

    @classmethod
    def from_env(cls) -> Self:
        """Each field from its upper-case environment variable (DATA_TABLE_NAME, ...)."""
        values = {name: os.environ.get(name.upper(), "") for name in cls.model_fields}
        try:
            return cls.model_validate(values)
        except ValidationError as error:
            names = sorted({str(problem["loc"][0]).upper() for problem in error.errors()})
            raise MissingSettings(f"missing or empty environment variables: {', '.join(names)} (set by template.yaml)") from None


class TimerSettings(Settings):
    """Functions that arm or fire SLA timers (the stream router, the timer function) also need the queue."""

    timer_queue_url: Required
