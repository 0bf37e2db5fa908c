"""HaloPSA: private actions (notes) and the agent on the ticket, and a webhook into baton.

OAuth client credentials (`POST {base_url}/auth/token`, `grant_type=client_credentials`, `scope=all`) give a bearer
token for `{base_url}/api/...`. Notes are `POST /api/Actions` with `hiddenfromuser: true`; the agent is set with
`POST /api/Tickets`; baton registers its webhook with `POST /api/Webhook`, with Basic authentication whose password is
a secret baton chose: a call to baton is genuine when it carries it (and is recent: its `timestamp`).
"""

from __future__ import annotations

import base64
import hmac
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import Field

from baton.connectors.declaration import CONNECTOR_SECRETS, Connector, HostAllowlist, Inbound
from baton.connectors.http import HttpReply, HttpRequest, InboundCall
from baton.connectors.psa_api import PsaApi, PsaConfig, PsaMember, TicketChange
from baton.connectors.psa_hooks import answer, changer_of, fresh, made_by, payload, same
from baton.connectors.psa_text import render_note, text_of
from baton.domain.modeling import Model

NAME = "halopsa"
HOOK_USER = "baton"
PRIORITY = {1: "P1", 2: "P2", 3: "P3", 4: "P4"}
PAGE = 100  # agents a page


class HaloSettings(Model):
    base_url: str = Field(
        min_length=10,
        max_length=200,
        pattern=r"^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?/?$",
        description="Your Halo's address, e.g. https://yourmsp.halopsa.com",
    )
    tenant: str | None = Field(default=None, max_length=100, description="Hosted Halo's tenant name, when it asks for one")
    escalation_status_id: int = Field(ge=1, description="The ticket status id that means 'escalate to baton'")
    closed_status_id: int = Field(default=9, ge=1, description="The status id of a closed ticket (Halo's default: 9)")
    api_agent_id: int | None = Field(
        default=None, ge=1, description="The agent baton's API application acts as: its changes are ignored"
    )
    request_budget_per_hour: int = Field(default=2_000, ge=10, le=100_000)


class HaloSecrets(Model):
    client_id: str = Field(min_length=1, max_length=200)
    client_secret: str = Field(min_length=1, max_length=400)


def _base(config: PsaConfig) -> str:
    return str(config.settings["base_url"]).rstrip("/")


def _headers(config: PsaConfig) -> dict[str, str]:
    return {"Authorization": f"Bearer {config.token or ''}"}


def token(config: PsaConfig) -> HttpRequest:
    form = {
        "grant_type": "client_credentials",
        "client_id": config.secrets["client_id"],
        "client_secret": config.secrets["client_secret"],
        "scope": "all",
    }
    query = {"tenant": str(config.settings["tenant"])} if config.settings.get("tenant") else {}
    return HttpRequest("POST", f"{_base(config)}/auth/token", {}, form=form, query=query)


def read_token(reply: HttpReply) -> str | None:
    body = reply.json()
    value = body.get("access_token") if isinstance(body, dict) else None
    return str(value) if value else None


def check(config: PsaConfig) -> HttpRequest:
    return HttpRequest("GET", f"{_base(config)}/api/Status", _headers(config))


def members(config: PsaConfig, page: int, previous: HttpReply | None = None) -> HttpRequest:
    query = {"includeenabled": "true", "pageinate": "true", "page_size": str(PAGE), "page_no": str(page)}
    return HttpRequest("GET", f"{_base(config)}/api/Agent", _headers(config), query=query)


def read_members(reply: HttpReply) -> tuple[list[PsaMember], bool]:
    """A page of agents: `{page_no, page_size, record_count, agents}` (a plain list when Halo does not page)."""
    body = reply.json()
    rows = body if isinstance(body, list) else body.get("agents", []) if isinstance(body, dict) else []
    found = [
        PsaMember(external_id=str(row["id"]), name=str(row.get("name") or ""), email=row.get("email") or None)
        for row in rows
        if isinstance(row, dict) and row.get("id") is not None and not row.get("isdisabled")
    ]
    if not isinstance(body, dict):
        return found, False
    total, page, size = body.get("record_count"), body.get("page_no"), body.get("page_size")
    if isinstance(total, int) and isinstance(page, int) and isinstance(size, int):
        return found, page * size < total
    return found, len(rows) >= PAGE


def notes(config: PsaConfig, ticket_id: str) -> HttpRequest:
    return HttpRequest(
        "GET", f"{_base(config)}/api/Actions", _headers(config), query={"ticket_id": ticket_id, "excludesys": "true"}
    )


def read_notes(reply: HttpReply) -> list[str]:
    body = reply.json()
    rows = body.get("actions", []) if isinstance(body, dict) else body if isinstance(body, list) else []
    return [str(row.get("note", "")) for row in rows if isinstance(row, dict)]


def add_note(config: PsaConfig, ticket_id: str, text: str) -> HttpRequest:
    action = {"ticket_id": int(ticket_id), "outcome": "Private Note", "note": text, "hiddenfromuser": True}
    return HttpRequest("POST", f"{_base(config)}/api/Actions", _headers(config), json_body=[action])


def set_owner(config: PsaConfig, ticket_id: str, member: str) -> HttpRequest:
    return HttpRequest(
        "POST", f"{_base(config)}/api/Tickets", _headers(config), json_body=[{"id": int(ticket_id), "agent_id": int(member)}]
    )


def register_hook(config: PsaConfig, url: str, secret: str) -> HttpRequest:
    hook = {
        "name": "baton escalations",
        "url": url,
        "authentication_type": "basic",
        "basic_username": HOOK_USER,
        "basic_password": secret,
        "events": ["ticket_updated"],
        "enabled": True,
    }
    return HttpRequest("POST", f"{_base(config)}/api/Webhook", _headers(config), json_body=[hook])


def read_hook_id(reply: HttpReply) -> str | None:
    body = reply.json()
    first = body[0] if isinstance(body, list) and body else body
    return str(first["id"]) if isinstance(first, dict) and first.get("id") is not None else None


def unregister_hook(config: PsaConfig, hook_id: str) -> HttpRequest:
    return HttpRequest("DELETE", f"{_base(config)}/api/Webhook/{hook_id}", _headers(config))


def ticket_url(config: PsaConfig, ticket_id: str) -> str:
    return f"{_base(config)}/ticket?id={ticket_id}"


API = PsaApi(
    check=check,
    members=members,
    read_members=read_members,
    notes=notes,
    read_notes=read_notes,
    add_note=add_note,
    set_owner=set_owner,
    register_hook=register_hook,
    read_hook_id=read_hook_id,
    unregister_hook=unregister_hook,
    ticket_url=ticket_url,
    token=token,
    read_token=read_token,
)


# --- webhook calls into baton ---------------------------------------------------------------------------
def basic_auth(secret: str) -> str:
    return "Basic " + base64.b64encode(f"{HOOK_USER}:{secret}".encode()).decode()


def verify(call: InboundCall, secrets: Mapping[str, str], key: bytes | None, now: datetime) -> bool:
    secret = secrets.get("hook_secret", "")
    if not secret or not hmac.compare_digest(basic_auth(secret), call.headers.get("authorization", "")):
        return False
    return fresh(payload(call).get("timestamp"), now)  # the secret does not sign the body: an old call is refused


def delivery_id(call: InboundCall) -> str | None:
    value = payload(call).get("id")
    return str(value) if value else None


def interpret(call: InboundCall, settings: Mapping[str, Any]) -> TicketChange | None:
    sent = payload(call)
    ticket = sent.get("ticket")
    if not isinstance(ticket, dict) or ticket.get("id") is None:
        return None
    ticket_id = str(ticket["id"])
    status = ticket.get("status_id")
    changer = changer_of(sent.get("agent_id"))
    priority = ticket.get("priority_id")
    return TicketChange(
        connector=NAME,
        ticket_id=ticket_id,
        change_id=f"{ticket_id}@{sent.get('timestamp', '')}",
        url=ticket_url(PsaConfig(settings=settings, secrets={}), ticket_id),
        escalated=same(status, settings.get("escalation_status_id")),
        closed=same(status, settings.get("closed_status_id", 9)),
        by_integration=made_by(changer, settings.get("api_agent_id")),
        changed_by=changer,
        summary=text_of(ticket.get("summary"), 300),
        description=text_of(ticket.get("details"), 4000),
        client_name=text_of(ticket.get("client_name"), 200) or None,
        priority=PRIORITY.get(priority) if isinstance(priority, int) else None,
    )


CONNECTOR = Connector(
    name=NAME,
    title="HaloPSA",
    kind="psa",
    settings=HaloSettings,
    secret=CONNECTOR_SECRETS,
    allowlist=HostAllowlist("HaloPsaHosts", ("*.halopsa.com", "*.haloitsm.com")),
    render=render_note,
    secrets_model=HaloSecrets,
    inbound=Inbound(verify=verify, delivery_id=delivery_id, interpret=interpret, answer=answer),
    psa=API,
)
