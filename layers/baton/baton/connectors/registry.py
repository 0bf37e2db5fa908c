"""Every connector, in one place: the rest of baton reads this, never a connector's name.

A new connector is its module (its `CONNECTOR`) and its line here; the template gives its host allowlist
parameter and its consumer (docs/architecture.md, "A new connector")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal

from baton.connectors import autotask, connectwise, halopsa, slack, teams
from baton.connectors.declaration import Connector
from baton.domain.webhook_rules import parse_hosts

CONNECTORS: tuple[Connector, ...] = (
    teams.CONNECTOR,
    slack.CONNECTOR,
    connectwise.CONNECTOR,
    autotask.CONNECTOR,
    halopsa.CONNECTOR,
)

_BY_NAME = {declared.name: declared for declared in CONNECTORS}
NAMES: tuple[str, ...] = tuple(_BY_NAME)
# The chat tools an account can send its escalations to (an incoming webhook each).
CHANNELS: tuple[str, ...] = tuple(declared.name for declared in CONNECTORS if declared.kind == "chat")
# The PSAs whose tickets a handoff can be linked to (a notes consumer each).
PSAS: tuple[str, ...] = tuple(declared.name for declared in CONNECTORS if declared.psa is not None)

if TYPE_CHECKING:  # a name the registry has; mypy cannot read a Literal built from it
    ConnectorName = str
    Channel = str
else:  # at run time a Literal of the names: pydantic validates a path or a field against it, OpenAPI lists them
    ConnectorName = Literal[NAMES]
    Channel = Literal[CHANNELS]


def connector(name: str) -> Connector:
    """The connector of that name (KeyError for a name the registry does not have: callers take validated names)."""
    return _BY_NAME[name]


def allowed_hosts(settings: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    """Each connector's host allowlist, from its setting by connector name (the value of its template parameter)."""
    return {name: parse_hosts(settings[name]) for name in NAMES}
