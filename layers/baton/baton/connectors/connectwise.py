"""ConnectWise PSA (Manage): internal notes and the owner on the ticket, and ticket callbacks into baton.

REST base `https://{site}/v4_6_release/apis/3.0`; `Authorization: Basic base64("{company_id}+{public_key}:{private_key}")`
and a `clientId` header (ConnectWise's developer guide). Callbacks (`POST /system/callbacks`) are signed:
`x-content-signature` = base64(HMAC-SHA256(key = SHA-256(signing key), raw body)), the signing key fetched from the
payload's `Metadata.key_url`, which baton fetches only over https from the configured site itself.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from pydantic import Field

from baton.connectors.declaration import CONNECTOR_SECRETS, Connector, HostAllowlist, Inbound
from baton.connectors.http import HttpReply, HttpRequest, InboundCall
from baton.connectors.psa_api import PsaApi, PsaConfig, PsaMember, TicketChange
from baton.connectors.psa_hooks import answer, fresh, made_by, payload, same
from baton.connectors.psa_text import priority_label, render_note, text_of
from baton.domain.errors import Unauthorized
from baton.domain.modeling import Model

NAME = "connectwise"
API_PATH = "/v4_6_release/apis/3.0"
PAGE = 100
SITE_PATTERN = r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?$"


class ConnectWiseSettings(Model):
    site: str = Field(
        min_length=3, max_length=253, pattern=SITE_PATTERN, description="The API host, e.g. api-na.myconnectwise.net"
    )
    company_id: str = Field(min_length=1, max_length=64, description="The company id you sign in to ConnectWise with")
    escalation_status: str = Field(
        min_length=1, max_length=100, description="The ticket status that means 'escalate to baton', e.g. Escalate to T2"
    )
    api_member: str | None = Field(
        default=None, max_length=64, description="The API member's identifier: its changes are baton's own, ignored"
    )


class ConnectWiseSecrets(Model):
    public_key: str = Field(min_length=1, max_length=200)
    private_key: str = Field(min_length=1, max_length=200)
    client_id: str = Field(min_length=1, max_length=200, description="Your integration's clientId (developer.connectwise.com)")


# --- the API -------------------------------------------------------------------------------------------
def _base(config: PsaConfig) -> str:
    return f"https://{config.settings['site']}{API_PATH}"


def _headers(config: PsaConfig) -> dict[str, str]:
    user = f"{config.settings['company_id']}+{config.secrets['public_key']}:{config.secrets['private_key']}"
    return {"Authorization": "Basic " + base64.b64encode(user.encode()).decode(), "clientId": config.secrets["client_id"]}


def _get(config: PsaConfig, path: str, query: Mapping[str, str] | None = None) -> HttpRequest:
    return HttpRequest("GET", _base(config) + path, _headers(config), query=dict(query or {}))


def check(config: PsaConfig) -> HttpRequest:
    return _get(config, "/system/info")


def members(config: PsaConfig, page: int, previous: HttpReply | None = None) -> HttpRequest:
    return _get(config, "/system/members", {"page": str(page), "pageSize": str(PAGE), "conditions": "inactiveFlag=false"})


def read_members(reply: HttpReply) -> tuple[list[PsaMember], bool]:
    rows = reply.json()
    rows = rows if isinstance(rows, list) else []
    found = [
        PsaMember(
            external_id=str(row.get("identifier", "")),
            name=f"{row.get('firstName') or ''} {row.get('lastName') or ''}".strip(),
            email=row.get("primaryEmail") or None,
        )
        for row in rows
        if isinstance(row, dict) and row.get("identifier")
    ]
    return found, len(rows) >= PAGE


def notes(config: PsaConfig, ticket_id: str) -> HttpRequest:
    return _get(config, f"/service/tickets/{ticket_id}/notes", {"orderBy": "id desc", "pageSize": str(PAGE)})


def read_notes(reply: HttpReply) -> list[str]:
    rows = reply.json()
    return [str(row.get("text", "")) for row in rows if isinstance(row, dict)] if isinstance(rows, list) else []


def add_note(config: PsaConfig, ticket_id: str, text: str) -> HttpRequest:
    body = {"text": text, "internalAnalysisFlag": True, "detailDescriptionFlag": False, "resolutionFlag": False}
    return HttpRequest("POST", f"{_base(config)}/service/tickets/{ticket_id}/notes", _headers(config), json_body=body)


def set_owner(config: PsaConfig, ticket_id: str, member: str) -> HttpRequest:
    patch = [{"op": "replace", "path": "owner", "value": {"identifier": member}}]
    return HttpRequest("PATCH", f"{_base(config)}/service/tickets/{ticket_id}", _headers(config), json_body=patch)


def register_hook(config: PsaConfig, url: str, _secret: str) -> HttpRequest:
    """A callback on every ticket of the company (level owner); ConnectWise signs it with its own key, and suppresses
    the changes baton's API member makes itself (isSelfSuppressedFlag)."""
    body = {
        "url": url,
        "objectId": 1,
        "type": "ticket",
        "level": "owner",
        "description": "baton: escalations from tickets",
        "isSelfSuppressedFlag": True,
        "inactiveFlag": False,
    }
    return HttpRequest("POST", f"{_base(config)}/system/callbacks", _headers(config), json_body=body)


def read_hook_id(reply: HttpReply) -> str | None:
    body = reply.json()
    return str(body["id"]) if isinstance(body, dict) and body.get("id") is not None else None


def unregister_hook(config: PsaConfig, hook_id: str) -> HttpRequest:
    return HttpRequest("DELETE", f"{_base(config)}/system/callbacks/{hook_id}", _headers(config))


def ticket_url(config: PsaConfig, ticket_id: str) -> str:
    query = urlencode({"service_recid": ticket_id, "companyName": config.settings["company_id"]})
    return f"https://{config.settings['site']}/v4_6_release/services/system_io/Service/fv_sr100_request.rails?{query}"


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
)


# --- callbacks into baton ---------------------------------------------------------------------------------
def _entity(sent: Mapping[str, Any]) -> dict[str, Any]:
    entity = sent.get("Entity")
    if isinstance(entity, str):
        try:
            entity = json.loads(entity)
        except ValueError:
            return {}
    return entity if isinstance(entity, dict) else {}


def key_url(call: InboundCall, settings: Mapping[str, Any]) -> str | None:
    """The signing key's URL, only when it is https on the configured site: a key elsewhere is never fetched."""
    url = (payload(call).get("Metadata") or {}).get("key_url")
    if not isinstance(url, str) or not url:
        raise Unauthorized("The callback names no signing key (Metadata.key_url).")
    parts = urlsplit(url)
    if parts.scheme != "https" or "@" in parts.netloc or parts.netloc.lower() != str(settings.get("site", "")).lower():
        raise Unauthorized("The callback's signing key is not on the configured ConnectWise site over https; not fetched.")
    return url


def verify(call: InboundCall, secrets: Mapping[str, str], key: bytes | None, now: datetime) -> bool:
    try:
        signing_key = json.loads(key or b"{}").get("signing_key")
    except (ValueError, AttributeError):
        return False
    given = call.headers.get("x-content-signature", "")
    if not isinstance(signing_key, str) or not signing_key or not given:
        return False
    hashed = hashlib.sha256(signing_key.encode()).digest()
    expected = base64.b64encode(hmac.new(hashed, call.body, hashlib.sha256).digest()).decode()
    if not hmac.compare_digest(expected, given):
        return False
    return fresh((_entity(payload(call)).get("_info") or {}).get("lastUpdated"), now)  # an old change sent again: a replay


def delivery_id(call: InboundCall) -> str | None:
    message = payload(call).get("MessageId")
    return str(message) if message else None


def interpret(call: InboundCall, settings: Mapping[str, Any]) -> TicketChange | None:
    sent = payload(call)
    entity = _entity(sent)
    if str(sent.get("Type", "")).lower() != "ticket" or not entity.get("id"):
        return None
    info = entity.get("_info") or {}
    changer = str(sent.get("MemberId") or info.get("updatedBy") or "") or None
    ticket_id = str(entity["id"])
    config = PsaConfig(settings=settings, secrets={})
    return TicketChange(
        connector=NAME,
        ticket_id=ticket_id,
        change_id=f"{ticket_id}@{info.get('lastUpdated', '')}",
        url=ticket_url(config, ticket_id),
        escalated=same((entity.get("status") or {}).get("name"), settings.get("escalation_status")),
        closed=bool(entity.get("closedFlag")),
        by_integration=made_by(changer, settings.get("api_member")),
        changed_by=changer,
        summary=text_of(entity.get("summary"), 300),
        description=text_of(entity.get("initialDescription"), 4000),
        client_name=text_of((entity.get("company") or {}).get("name"), 200) or None,
        priority=priority_label((entity.get("priority") or {}).get("name")),
    )


CONNECTOR = Connector(
    name=NAME,
    title="ConnectWise PSA",
    kind="psa",
    settings=ConnectWiseSettings,
    secret=CONNECTOR_SECRETS,
    allowlist=HostAllowlist("ConnectWiseHosts", ("*.myconnectwise.net", "*.connectwisedev.com")),
    render=render_note,
    secrets_model=ConnectWiseSecrets,
    inbound=Inbound(verify=verify, delivery_id=delivery_id, interpret=interpret, answer=answer, key_url=key_url),
    psa=API,
)
