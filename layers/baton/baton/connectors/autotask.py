"""Datto Autotask PSA: internal ticket notes and the assigned resource, and ticket webhooks into baton.

REST base: the zone's URL (`GET https://webservices.autotask.net/atservicesrest/v1.0/zoneInformation?user=...` says
which, e.g. `https://webservices5.autotask.net/atservicesrest/`) + `v1.0`; every call carries the `ApiIntegrationCode`,
`UserName` and `Secret` headers of an API user (API-only security level). Ticket webhooks (`TicketWebhooks`, with the
fields they send and an excluded resource: baton's own API user, so its changes never call back) are signed with the
secret baton sets when it registers them: `X-Hook-Signature: sha1=<base64 HMAC-SHA1(secret, raw body)>`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field

from baton.connectors.declaration import CONNECTOR_SECRETS, Connector, HostAllowlist, Inbound
from baton.connectors.http import HttpReply, HttpRequest, InboundCall
from baton.connectors.psa_api import PsaApi, PsaConfig, PsaMember, TicketChange
from baton.connectors.psa_hooks import answer, changer_of, fresh, made_by, payload, same
from baton.connectors.psa_text import render_note, text_of
from baton.domain.errors import Invalid
from baton.domain.modeling import Model

NAME = "autotask"
MAX_RECORDS = 500
COMPLETE_STATUS = 5  # Autotask's "Complete" ticket status
# TicketNote: noteType 1 (task/ticket summary note), publish 2: shown to internal users only, never the client portal.
NOTE_TYPE, PUBLISH_INTERNAL = 1, 2
# Autotask's priorities: 4 Critical, 1 High, 2 Medium, 3 Low (its defaults), as baton's P1-P4.
PRIORITY = {4: "P1", 1: "P2", 2: "P3", 3: "P4"}
# The ticket fields each webhook call carries (Autotask's TicketWebhookFields ids of the default field list).
WEBHOOK_FIELDS = {"status": 13, "title": 16, "description": 6, "priority": 11, "companyID": 2}


class AutotaskSettings(Model):
    zone_url: str = Field(
        min_length=12,
        max_length=200,
        pattern=r"^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?/atservicesrest/?$",
        description="The zone's REST URL, e.g. https://webservices5.autotask.net/atservicesrest/",
    )
    escalation_status_id: int = Field(ge=1, le=1_000_000, description="The ticket status id that means 'escalate to baton'")
    resource_role_id: int = Field(ge=1, description="The role an assigned resource works the ticket in (required by Autotask)")
    api_resource_id: int | None = Field(default=None, ge=1, description="baton's API user's resource id: excluded from hooks")
    request_budget_per_hour: int = Field(default=2_000, ge=10, le=10_000, description="Shared with every integration: 10,000/h")


class AutotaskSecrets(Model):
    integration_code: str = Field(min_length=1, max_length=200, description="The API tracking identifier (integration code)")
    username: str = Field(min_length=1, max_length=200, description="The API user's user name")
    secret: str = Field(min_length=1, max_length=200)


def _base(config: PsaConfig) -> str:
    return str(config.settings["zone_url"]).rstrip("/") + "/v1.0"


def _headers(config: PsaConfig) -> dict[str, str]:
    return {
        "ApiIntegrationCode": config.secrets["integration_code"],
        "UserName": config.secrets["username"],
        "Secret": config.secrets["secret"],
    }


def check(config: PsaConfig) -> HttpRequest:
    """The API user's request usage this hour (also proves the keys and the zone)."""
    return HttpRequest("GET", f"{_base(config)}/ThresholdInformation", _headers(config))


def members(config: PsaConfig, page: int, previous: HttpReply | None = None) -> HttpRequest:
    """The first page is a query (MaxRecords 500, Autotask's most); each next one is the `pageDetails.nextPageUrl`
    the previous page named, followed only on the configured zone's host over https."""
    if previous is None:
        search = {"filter": [{"op": "eq", "field": "isActive", "value": True}], "MaxRecords": MAX_RECORDS}
        return HttpRequest("GET", f"{_base(config)}/Resources/query", _headers(config), query={"search": json.dumps(search)})
    url = _next_page(previous) or ""
    parts, zone = urlsplit(url), urlsplit(str(config.settings["zone_url"]))
    if parts.scheme != "https" or "@" in parts.netloc or parts.netloc.lower() != zone.netloc.lower():
        raise Invalid(f"Autotask named a next page of resources off its zone ({zone.netloc}); not followed.")
    return HttpRequest("GET", url, _headers(config))


def _next_page(reply: HttpReply) -> str | None:
    body = reply.json()
    details = body.get("pageDetails") if isinstance(body, dict) else None
    url = details.get("nextPageUrl") if isinstance(details, dict) else None
    return url if isinstance(url, str) and url else None


def read_members(reply: HttpReply) -> tuple[list[PsaMember], bool]:
    body = reply.json()
    rows = body.get("items", []) if isinstance(body, dict) else []
    found = [
        PsaMember(
            external_id=str(row["id"]),
            name=f"{row.get('firstName') or ''} {row.get('lastName') or ''}".strip(),
            email=row.get("email") or None,
        )
        for row in rows
        if isinstance(row, dict) and row.get("id") is not None
    ]
    return found, _next_page(reply) is not None


def notes(config: PsaConfig, ticket_id: str) -> HttpRequest:
    return HttpRequest("GET", f"{_base(config)}/Tickets/{ticket_id}/Notes", _headers(config))


def read_notes(reply: HttpReply) -> list[str]:
    body = reply.json()
    rows = body.get("items", []) if isinstance(body, dict) else []
    return [str(row.get("description", "")) for row in rows if isinstance(row, dict)]


def add_note(config: PsaConfig, ticket_id: str, text: str) -> HttpRequest:
    body = {
        "ticketID": int(ticket_id),
        "title": text.splitlines()[0][:250] if text else "baton",
        "description": text[:32_000],
        "noteType": NOTE_TYPE,
        "publish": PUBLISH_INTERNAL,
    }
    return HttpRequest("POST", f"{_base(config)}/Tickets/{ticket_id}/Notes", _headers(config), json_body=body)


def set_owner(config: PsaConfig, ticket_id: str, member: str) -> HttpRequest:
    body = {
        "id": int(ticket_id),
        "assignedResourceID": int(member),
        "assignedResourceRoleID": int(config.settings["resource_role_id"]),
    }
    return HttpRequest("PATCH", f"{_base(config)}/Tickets", _headers(config), json_body=body)


def register_hook(config: PsaConfig, url: str, secret: str) -> HttpRequest:
    body = {
        "name": "baton escalations",
        "webhookUrl": url,
        "deactivationUrl": url,
        "secretKey": secret,
        "isActive": True,
        "isSubscribedToCreateEvents": False,
        "isSubscribedToUpdateEvents": True,
        "isSubscribedToDeleteEvents": False,
        "isReady": True,
        "sendThresholdExceededNotification": True,
    }
    return HttpRequest("POST", f"{_base(config)}/TicketWebhooks", _headers(config), json_body=body)


def read_hook_id(reply: HttpReply) -> str | None:
    body = reply.json()
    return str(body["itemId"]) if isinstance(body, dict) and body.get("itemId") is not None else None


def hook_extras(config: PsaConfig, hook_id: str) -> list[HttpRequest]:
    """The fields each call carries, and baton's API user excluded (its own changes never call back)."""
    base, headers = f"{_base(config)}/TicketWebhooks/{hook_id}", _headers(config)
    extras = [
        HttpRequest(
            "POST",
            f"{base}/Fields",
            headers,
            json_body={
                "webhookID": int(hook_id),
                "fieldID": field,
                "isSubscribedField": name == "status",
                "isDisplayAlwaysField": True,
            },
        )
        for name, field in WEBHOOK_FIELDS.items()
    ]
    if config.settings.get("api_resource_id"):
        body = {"webhookID": int(hook_id), "resourceID": int(config.settings["api_resource_id"])}
        extras.append(HttpRequest("POST", f"{base}/ExcludedResources", headers, json_body=body))
    return extras


def unregister_hook(config: PsaConfig, hook_id: str) -> HttpRequest:
    return HttpRequest("DELETE", f"{_base(config)}/TicketWebhooks/{hook_id}", _headers(config))


def ticket_url(config: PsaConfig, ticket_id: str) -> str:
    """The ticket in Autotask's web UI: the zone's `webservicesN` host is its `wwN` web host."""
    parts = urlsplit(str(config.settings["zone_url"]))
    host = parts.netloc.replace("webservices", "ww", 1)
    return f"https://{host}/Mvc/ServiceDesk/TicketDetail.mvc?workspace=False&ticketId={ticket_id}"


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
    hook_extras=hook_extras,
)


# --- webhook calls into baton ---------------------------------------------------------------------------
def signature(secret: str, body: bytes) -> str:
    return "sha1=" + base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha1).digest()).decode()


def verify(call: InboundCall, secrets: Mapping[str, str], key: bytes | None, now: datetime) -> bool:
    secret, given = secrets.get("hook_secret", ""), call.headers.get("x-hook-signature", "")
    if not secret or not given or not hmac.compare_digest(signature(secret, call.body), given):
        return False
    return fresh(payload(call).get("EventTime"), now)  # an old call sent again is a replay


def delivery_id(call: InboundCall) -> str | None:
    sent = payload(call)
    if not sent.get("Id"):
        return None
    return f"{sent.get('Guid', '')}:{sent['Id']}:{sent.get('SequenceNumber', '')}"


def interpret(call: InboundCall, settings: Mapping[str, Any]) -> TicketChange | None:
    sent = payload(call)
    fields = sent.get("Fields") or {}
    if str(sent.get("EntityType", "")).lower() != "ticket" or not sent.get("Id") or not isinstance(fields, dict):
        return None
    ticket_id = str(sent["Id"])
    status = fields.get("status")
    changer = changer_of(sent.get("PersonID"))
    priority = fields.get("priority")
    return TicketChange(
        connector=NAME,
        ticket_id=ticket_id,
        change_id=f"{ticket_id}#{sent.get('SequenceNumber', '')}",
        url=ticket_url(PsaConfig(settings=settings, secrets={}), ticket_id),
        escalated=same(status, settings.get("escalation_status_id")),
        closed=same(status, COMPLETE_STATUS),
        by_integration=made_by(changer, settings.get("api_resource_id")),
        changed_by=changer,
        summary=text_of(fields.get("title"), 300),
        description=text_of(fields.get("description"), 4000),
        client_name=None,
        priority=PRIORITY.get(int(priority)) if isinstance(priority, int) else None,
    )


CONNECTOR = Connector(
    name=NAME,
    title="Autotask",
    kind="psa",
    settings=AutotaskSettings,
    secret=CONNECTOR_SECRETS,
    allowlist=HostAllowlist("AutotaskHosts", ("*.autotask.net",)),
    render=render_note,
    secrets_model=AutotaskSecrets,
    inbound=Inbound(verify=verify, delivery_id=delivery_id, interpret=interpret, answer=answer),
    psa=API,
)
