"""A provider's call to `POST /hooks/<name>/<account_id>` (functions/hooks): is it genuine, and what does it do.

The connector says how its calls are verified and what they mean (`Connector.inbound`: pure); this module fetches
a verification key when the scheme needs one, runs the intent the connector read from the call through the use
case registered for the intent's type (`EXECUTORS`: a PSA's `TicketChange`, a chat tool's button click ...), and
returns the connector's answer. Deduplication by the provider's delivery id wraps `act` in the function.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

from baton.connectors.declaration import Connector, Inbound
from baton.connectors.http import HttpAnswer, HttpRequest, InboundCall
from baton.domain.clock import iso, utc_now
from baton.domain.connector_state import ConnectorSetup, InboundOutcome, InboundRecord
from baton.domain.errors import NotFound, Unauthorized
from baton.ports import BotConnectorApi, ChatLinks, ConnectorStore, Handoffs, ProviderTransport, SlackWebApi, Users

KEY_MAX_BYTES = 16 * 1024


class InboundServices(NamedTuple):
    """What the use cases behind a hook may use (a chat connector's executor may need more: add it here)."""

    connectors: ConnectorStore
    handoffs: Handoffs
    users: Users
    transport: ProviderTransport
    console_url: str
    # The chat apps' (logic/chat_inbound.py): chat links, Slack's Web API, the Bot Connector.
    chat_links: ChatLinks | None = None
    slack: SlackWebApi | None = None
    bots: BotConnectorApi | None = None


class Outcome(NamedTuple):
    """What a use case made of an inbound intent: recorded as the connector's last inbound call, and given to the
    connector's `answer` (`result`: whatever that connector's answer needs, e.g. the claimed handoff)."""

    outcome: InboundOutcome
    detail: str
    result: Any = None


# The use case of each inbound intent type (an executor takes the intent, the connector, the account's setup and the
# services). Registered by the module that owns the intent's use case (logic/psa_inbound.py registers TicketChange).
Executor = Callable[[Any, Connector, ConnectorSetup, InboundServices], Outcome]
EXECUTORS: dict[type, Executor] = {}


def inbound_of(declared: Connector) -> Inbound:
    if declared.inbound is None:
        raise NotFound(f"{declared.title} does not call baton.")
    return declared.inbound


def authenticate(
    call: InboundCall,
    declared: Connector,
    setup: ConnectorSetup,
    secrets: dict[str, str],
    transport: ProviderTransport,
    now: datetime,
) -> None:
    """Raise `Unauthorized` (401, nothing done) unless the call verifies by the connector's scheme."""
    inbound = inbound_of(declared)
    key: bytes | None = None
    url = inbound.key_url(call, setup.settings)  # raises Unauthorized for a key it may not fetch
    if url is not None:
        reply = transport.send(declared.name, HttpRequest("GET", url))
        discovered = reply.json() if reply.ok else None
        if isinstance(discovered, dict) and isinstance(discovered.get("jwks_uri"), str):  # OpenID metadata: its keys
            reply = transport.send(declared.name, HttpRequest("GET", discovered["jwks_uri"]))
        if not reply.ok or len(reply.body) > KEY_MAX_BYTES:
            raise Unauthorized(f"baton could not fetch {declared.title}'s signing key to verify this call.")
        key = reply.body.encode()
    if not inbound.verify(call, secrets, key, now):
        raise Unauthorized(f"This call is not signed as {declared.title} signs the calls of this account's connector.")


def act(call: InboundCall, declared: Connector, setup: ConnectorSetup, services: InboundServices) -> HttpAnswer:
    """Run what a verified call asks, record it as the connector's last inbound call, and answer the provider."""
    inbound = inbound_of(declared)
    intent = inbound.interpret(call, setup.settings)
    if intent is None:
        done = Outcome("ignored", "Nothing for baton in this call.")
    else:
        done = EXECUTORS[type(intent)](intent, declared, setup, services)
    record(services.connectors, setup, done.outcome, done.detail, inbound.delivery_id(call))
    return inbound.answer(done.result if done.result is not None else done.outcome)


def record(store: ConnectorStore, setup: ConnectorSetup, outcome: InboundOutcome, detail: str, delivery_id: str | None) -> None:
    store.record_inbound(
        setup.account_id,
        setup.name,
        InboundRecord(at=iso(utc_now()), outcome=outcome, detail=detail[:500], delivery_id=delivery_id),
    )
