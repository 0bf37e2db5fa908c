"""ConnectWise PSA (Manage) REST API stand-in: `https://127.0.0.1:<port>/v4_6_release/apis/3.0/...`.

What baton calls, answered as ConnectWise's developer guide documents it:
- auth: `Authorization: Basic base64("<company>+<public key>:<private key>")` and a `clientId` header (401 without);
  the keys of each demo company are in `KEYS` (and in `GET /local/connectors`);
- `GET /system/info`; `GET /system/members?page=&pageSize=` (paged); `GET /service/tickets/{id}`;
  `GET|POST /service/tickets/{id}/notes`; `PATCH /service/tickets/{id}` (JSON Patch);
  `POST /system/callbacks`, `DELETE /system/callbacks/{id}`;
- callbacks: `POST` to the registered URL with `{MessageId, FromUrl, CompanyId, MemberId, Action, Type, ID, Entity,
  Metadata: {key_url}}`, signed in `x-content-signature`: base64(HMAC-SHA256(key = SHA-256(signing key), body)),
  the signing key served at `Metadata.key_url` as `{"signing_key": ...}`.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from local.providers.standin import StandIn, not_found, unauthorized

BASE = "/v4_6_release/apis/3.0"
# company id -> (public key, private key): what a user types into baton's ConnectWise settings under `make dev`.
KEYS = {"acme": ("acmepublic", "acmeprivate"), "globex": ("globexpublic", "globexprivate")}
API_MEMBER = "baton"  # the API member the keys belong to (what ConnectWise names as the changer of baton's changes)


def _members(company: str) -> list[dict[str, Any]]:
    people = [("senior", "Sam Senior"), ("senior2", "Sue Senior"), ("junior", "Jo Junior"), ("admin", "Ada Admin")]
    rows = [
        {
            "identifier": f"{company[:1]}{who}",
            "firstName": name.split()[0],
            "lastName": name.split()[1],
            "primaryEmail": f"{who}@{company}.test",
            "inactiveFlag": False,
        }
        for who, name in people
    ]
    rows.append({"identifier": API_MEMBER, "firstName": "baton", "lastName": "API", "primaryEmail": None, "inactiveFlag": False})
    return [{"id": index + 1, **row} for index, row in enumerate(rows)]


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def sign(signing_key: str, body: bytes) -> str:
    """ConnectWise's callback signature."""
    hashed = hashlib.sha256(signing_key.encode()).digest()
    return base64.b64encode(hmac.new(hashed, body, hashlib.sha256).digest()).decode()


@dataclass
class Company:
    members: list[dict[str, Any]]
    tickets: dict[int, dict[str, Any]] = field(default_factory=dict)
    notes: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    callbacks: dict[int, dict[str, Any]] = field(default_factory=dict)


class ConnectWiseStandIn(StandIn):
    name = "connectwise"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.companies = {company: Company(_members(company)) for company in KEYS}
        self.signing_key = secrets.token_urlsafe(24)
        self._ids = 1000

    def _next_id(self) -> int:
        self._ids += 1
        return self._ids

    def state(self) -> dict[str, Any]:
        return {
            "keys": {company: {"public_key": public, "private_key": private} for company, (public, private) in KEYS.items()},
            "api_member": API_MEMBER,
            "companies": {
                name: {"tickets": company.tickets, "notes": company.notes, "callbacks": company.callbacks}
                for name, company in self.companies.items()
            },
        }

    # --- auth ------------------------------------------------------------------------------------------
    def caller(self, request: web.Request) -> str | None:
        if request.path.startswith(f"{BASE}/system/callbackkey/"):
            return "anyone"  # the signing key is fetched without credentials
        if not request.headers.get("clientId"):
            return None
        scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, _, password = base64.b64decode(encoded).decode().partition(":")
        except ValueError:
            return None
        company, _, public = user.partition("+")
        return company if KEYS.get(company) == (public, password) else None

    def _company(self, request: web.Request) -> Company:
        company = self.caller(request)
        if company is None or company not in self.companies:
            raise web.HTTPUnauthorized(
                text=json.dumps(
                    {"code": "Unauthorized", "message": "Authentication failed (company+public key, private key, clientId)."}
                ),
                content_type="application/json",
            )
        return self.companies[company]

    # --- the API -----------------------------------------------------------------------------------------
    def add_routes(self, app: web.Application) -> None:
        app.router.add_get(f"{BASE}/system/info", self.info)
        app.router.add_get(f"{BASE}/system/members", self.members)
        app.router.add_get(f"{BASE}/service/tickets/{{id}}", self.ticket)
        app.router.add_patch(f"{BASE}/service/tickets/{{id}}", self.patch_ticket)
        app.router.add_get(f"{BASE}/service/tickets/{{id}}/notes", self.list_notes)
        app.router.add_post(f"{BASE}/service/tickets/{{id}}/notes", self.add_note)
        app.router.add_post(f"{BASE}/system/callbacks", self.add_callback)
        app.router.add_delete(f"{BASE}/system/callbacks/{{id}}", self.remove_callback)
        app.router.add_get(f"{BASE}/system/callbackkey/{{key}}", self.callback_key)

    async def info(self, request: web.Request) -> web.Response:
        self._company(request)
        return web.json_response({"version": "v2025.1.100000", "isCloud": True, "serverTimeZone": "UTC", "cloudRegion": "NA"})

    async def members(self, request: web.Request) -> web.Response:
        company = self._company(request)
        page, size = int(request.query.get("page", "1")), min(int(request.query.get("pageSize", "25")), 1000)
        rows = company.members[(page - 1) * size : page * size]
        return web.json_response(rows)

    def _ticket(self, company: Company, request: web.Request) -> dict[str, Any]:
        ticket_id = int(request.match_info["id"])
        if ticket_id not in company.tickets:
            raise web.HTTPNotFound(
                text=json.dumps({"code": "NotFound", "message": f"Ticket {ticket_id} not found"}), content_type="application/json"
            )
        return company.tickets[ticket_id]

    async def ticket(self, request: web.Request) -> web.Response:
        return web.json_response(self._ticket(self._company(request), request))

    async def patch_ticket(self, request: web.Request) -> web.Response:
        company = self._company(request)
        ticket = self._ticket(company, request)
        operations = await request.json()
        if not isinstance(operations, list):
            return web.json_response({"code": "InvalidObject", "message": "Send a JSON Patch array."}, status=400)
        for operation in operations:
            if operation.get("op") != "replace" or operation.get("path") not in ("owner", "status"):
                return web.json_response({"code": "InvalidObject", "message": f"Unsupported patch {operation}"}, status=400)
            value = operation.get("value") or {}
            if operation["path"] == "owner" and not any(m["identifier"] == value.get("identifier") for m in company.members):
                return web.json_response({"code": "InvalidObject", "message": "owner: member not found"}, status=400)
            ticket[operation["path"]] = value
        ticket["_info"] = {"lastUpdated": _now(), "updatedBy": API_MEMBER}
        return web.json_response(ticket)

    async def list_notes(self, request: web.Request) -> web.Response:
        company = self._company(request)
        ticket = self._ticket(company, request)
        notes = sorted(company.notes.get(ticket["id"], []), key=lambda note: -note["id"])
        page, size = int(request.query.get("page", "1")), min(int(request.query.get("pageSize", "25")), 1000)
        return web.json_response(notes[(page - 1) * size : page * size])

    async def add_note(self, request: web.Request) -> web.Response:
        company = self._company(request)
        ticket = self._ticket(company, request)
        body = await request.json()
        if not isinstance(body, dict) or not str(body.get("text", "")).strip():
            return web.json_response({"code": "InvalidObject", "message": "text: required"}, status=400)
        if not (body.get("internalAnalysisFlag") or body.get("detailDescriptionFlag") or body.get("resolutionFlag")):
            return web.json_response({"code": "InvalidObject", "message": "a note needs one of its flags"}, status=400)
        note = {
            "id": self._next_id(),
            "ticketId": ticket["id"],
            "text": body["text"],
            "internalAnalysisFlag": bool(body.get("internalAnalysisFlag")),
            "detailDescriptionFlag": bool(body.get("detailDescriptionFlag")),
            "resolutionFlag": bool(body.get("resolutionFlag")),
            "member": {"identifier": API_MEMBER},
            "dateCreated": _now(),
        }
        company.notes.setdefault(ticket["id"], []).append(note)
        return web.json_response(note, status=201)

    async def add_callback(self, request: web.Request) -> web.Response:
        company = self._company(request)
        body = await request.json()
        if not isinstance(body, dict) or not str(body.get("url", "")).startswith(("http://", "https://")):
            return web.json_response({"code": "InvalidObject", "message": "url: required"}, status=400)
        callback = {
            "id": self._next_id(),
            "url": body["url"],
            "description": body.get("description", ""),
            "type": body.get("type", "ticket"),
            "level": body.get("level", "owner"),
            "objectId": body.get("objectId", 1),
            "isSelfSuppressedFlag": bool(body.get("isSelfSuppressedFlag")),
            "inactiveFlag": False,
        }
        company.callbacks[callback["id"]] = callback
        return web.json_response(callback, status=201)

    async def remove_callback(self, request: web.Request) -> web.Response:
        company = self._company(request)
        if company.callbacks.pop(int(request.match_info["id"]), None) is None:
            return not_found("Callback not found")
        return web.Response(status=204)

    async def callback_key(self, request: web.Request) -> web.Response:
        if request.match_info["key"] != "current":
            return not_found("No such key")
        return web.json_response({"signing_key": self.signing_key})

    # --- calling baton -------------------------------------------------------------------------------------
    async def fire(self, order: dict[str, Any], baton_url: str) -> dict[str, Any]:
        """Change a ticket of `account_id`'s company and send ConnectWise's callback about it to baton.

        `{"account_id": "acme", "ticket_id": 101, "status": "Escalate to T2", "member": "ajunior",
        "summary": ..., "description": ..., "company_name": ..., "priority": "Priority 1 - Critical",
        "closed": false}`; to try baton's checks: `"forge": true` (signed with another key), `"key_url_host":
        "evil.example:443"` (a key on another host), `"stale_minutes": 30` (an old change sent again),
        `"message_id"` (repeat a delivery)."""
        account_id = str(order["account_id"])
        company_name = str(order.get("company", account_id))
        company = self.companies[company_name]
        callback = next((c for c in company.callbacks.values() if c["url"].rstrip("/").endswith(f"/{account_id}")), None)
        if callback is None:
            raise ValueError(
                f"no callback of company {company_name!r} points at account {account_id!r}; save the connector first"
            )
        ticket_id = int(order.get("ticket_id", self._next_id()))
        member = str(order.get("member", f"{company_name[:1]}junior"))
        updated = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=float(order.get("stale_minutes", 0)))
        ticket = company.tickets.setdefault(
            ticket_id,
            {
                "id": ticket_id,
                "summary": order.get("summary", f"Ticket {ticket_id}"),
                "initialDescription": order.get("description", ""),
                "company": {"id": 250, "identifier": "Client", "name": order.get("company_name", "Contoso Ltd")},
                "priority": {"id": 4, "name": order.get("priority", "Priority 3 - Normal Response")},
                "board": {"id": 1, "name": "Service Desk"},
                "owner": None,
            },
        )
        ticket["status"] = {"id": 7, "name": order.get("status", "New")}
        ticket["closedFlag"] = bool(order.get("closed", False))
        ticket["_info"] = {"lastUpdated": updated.isoformat(timespec="seconds").replace("+00:00", "Z"), "updatedBy": member}
        key_host = order.get("key_url_host") or self.host
        payload = {
            "MessageId": str(order.get("message_id") or uuid.uuid4()),
            "FromUrl": self.host,
            "CompanyId": company_name,
            "MemberId": member,
            "Action": "updated",
            "Type": "ticket",
            "ID": ticket_id,
            "ProductInstanceId": str(uuid.uuid5(uuid.NAMESPACE_DNS, company_name)),
            "PartnerId": company_name,
            "Entity": json.dumps(ticket),
            "Metadata": {"key_url": f"https://{key_host}{BASE}/system/callbackkey/current"},
            "CallbackObjectRecId": callback["id"],
        }
        body = json.dumps(payload).encode()
        signature = sign("not-the-key" if order.get("forge") else self.signing_key, body)
        answer = await self.post_to_baton(
            callback["url"], body, {"Content-Type": "application/json", "x-content-signature": signature}
        )
        return {**answer, "message_id": payload["MessageId"], "ticket": ticket}


__all__ = ["KEYS", "ConnectWiseStandIn", "sign", "unauthorized"]
