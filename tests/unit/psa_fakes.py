"""In-memory stand-ins for the PSA use cases: the connector store and a transport that answers as a tiny PSA."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from baton.connectors.http import HttpReply, HttpRequest
from baton.domain.connector_state import ConnectorSetup, InboundRecord, MemberLink, TicketLink
from baton.domain.models import WebhookDelivery


class InMemoryConnectors:
    def __init__(self) -> None:
        self.setups: dict[tuple[str, str], ConnectorSetup] = {}
        self.secret: dict[tuple[str, str], dict[str, str]] = {}
        self.deliveries: list[WebhookDelivery] = []
        self.inbound: list[InboundRecord] = []
        self.links: dict[tuple[str, str, str], TicketLink] = {}
        self.budget: dict[tuple[str, str, str], int] = {}

    def get(self, account_id: str, name: str) -> ConnectorSetup | None:
        return self.setups.get((account_id, name))

    def list(self, account_id: str) -> list[ConnectorSetup]:
        return [s for (account, _), s in self.setups.items() if account == account_id]

    def secrets(self, account_id: str, name: str, version: str | None = None) -> dict[str, str] | None:
        return self.secret.get((account_id, name))

    def save(self, setup: ConnectorSetup, secrets: dict[str, str]) -> None:
        self.setups[(setup.account_id, setup.name)] = setup
        self.secret[(setup.account_id, setup.name)] = secrets

    def remove(self, account_id: str, name: str) -> bool:
        self.secret.pop((account_id, name), None)
        return self.setups.pop((account_id, name), None) is not None

    def set_members(self, account_id: str, name: str, members: list[MemberLink]) -> None:
        self.setups[(account_id, name)] = self.setups[(account_id, name)].model_copy(update={"members": members})

    def record_delivery(self, account_id: str, name: str, delivery: WebhookDelivery) -> None:
        self.deliveries.append(delivery)

    def record_inbound(self, account_id: str, name: str, record: InboundRecord) -> None:
        self.inbound.append(record)

    def take_budget(self, account_id: str, name: str, hour: str, limit: int) -> bool:
        used = self.budget.get((account_id, name, hour), 0)
        if used >= limit:
            return False
        self.budget[(account_id, name, hour)] = used + 1
        return True

    def link_ticket(self, link: TicketLink) -> None:
        self.links[(link.account_id, link.connector, link.ticket_id)] = link

    def claim_ticket(self, claim: TicketLink, seen: TicketLink | None) -> bool:
        key = (claim.account_id, claim.connector, claim.ticket_id)
        if self.links.get(key) != seen:
            return False
        self.links[key] = claim
        return True

    def ticket_link(self, account_id: str, name: str, ticket_id: str) -> TicketLink | None:
        return self.links.get((account_id, name, ticket_id))


class TinyPsa:
    """Answers as a PSA would: notes kept per ticket, an owner, members; `fail` scripts answers of the next calls."""

    def __init__(self, members: list[dict[str, Any]] | None = None) -> None:
        self.sent: list[HttpRequest] = []
        self.notes: dict[str, list[str]] = {}
        self.owner: dict[str, str] = {}
        self.members = members or []
        self.fail: list[HttpReply] = []
        self.lose_answer_after: Callable[[HttpRequest], bool] = lambda _: False

    def send(self, connector: str, request: HttpRequest) -> HttpReply:
        self.sent.append(request)
        if self.fail:
            return self.fail.pop(0)
        path = request.url.split("/apis/3.0", 1)[-1]
        ticket = path.split("/service/tickets/", 1)[-1].split("/", 1)[0] if "/service/tickets/" in path else ""
        if request.method == "POST" and path.endswith("/notes"):
            self.notes.setdefault(ticket, []).append(request.json_body["text"])
            if self.lose_answer_after(request):
                return HttpReply(None, error="ReadTimeoutError")
            return HttpReply(201, "{}")
        if request.method == "GET" and path.endswith("/notes"):
            return HttpReply(200, json.dumps([{"text": text} for text in self.notes.get(ticket, [])]))
        if request.method == "PATCH":
            self.owner[ticket] = request.json_body[0]["value"]["identifier"]
            return HttpReply(200, "{}")
        if path.startswith("/system/members"):
            return HttpReply(200, json.dumps(self.members if request.query.get("page") == "1" else []))
        if path == "/system/callbacks" and request.method == "POST":
            return HttpReply(201, '{"id": 9}')
        return HttpReply(200, "{}")
