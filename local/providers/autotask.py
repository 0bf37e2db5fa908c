"""Datto Autotask REST API stand-in: `https://127.0.0.1:<port>/atservicesrest/v1.0/...` (the zone URL to set is
`https://127.0.0.1:<port>/atservicesrest/`).

What baton calls, answered with Autotask's shapes: the `ApiIntegrationCode`, `UserName` and `Secret` headers (401
without them; each demo company's in `KEYS`), the API user's hourly threshold (`ThresholdInformation`; over 10,000
requests an hour: 429), `Resources/query` (500 a page at most, then its `pageDetails.nextPageUrl`),
`Tickets/{id}/Notes` (GET, POST), `PATCH Tickets`, `TicketWebhooks` (with their `Fields` and `ExcludedResources`).
Webhook calls carry `X-Hook-Signature: sha1=<base64 HMAC-SHA1(secret key, body)>`; a change made by an excluded
resource is not sent, as Autotask does.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from local.providers.standin import StandIn

BASE = "/atservicesrest/v1.0"
# company -> (integration code, user name, secret)
KEYS = {
    "acme": ("ACMEINTEGRATIONCODE", "baton-api@acme.test", "acmesecret"),
    "globex": ("GLOBEXINTEGRATIONCODE", "baton-api@globex.test", "globexsecret"),
}
THRESHOLD = 10_000
API_RESOURCE = {"acme": 29680099, "globex": 29690099}


def _resources(company: str, first: int) -> list[dict[str, Any]]:
    people = [("senior", "Sam", "Senior"), ("senior2", "Sue", "Senior"), ("junior", "Jo", "Junior"), ("admin", "Ada", "Admin")]
    rows = [
        {"id": first + n, "firstName": a, "lastName": b, "email": f"{who}@{company}.test", "userName": who, "isActive": True}
        for n, (who, a, b) in enumerate(people, start=1)
    ]
    rows.append({"id": API_RESOURCE[company], "firstName": "baton", "lastName": "API", "email": None, "isActive": True})
    return rows


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def sign(secret: str, body: bytes) -> str:
    return "sha1=" + base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha1).digest()).decode()


@dataclass
class Tenant:
    resources: list[dict[str, Any]]
    tickets: dict[int, dict[str, Any]] = field(default_factory=dict)
    notes: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    webhooks: dict[int, dict[str, Any]] = field(default_factory=dict)
    requests_this_hour: int = 0


def _error(status: int, *errors: str) -> web.HTTPException:
    kinds = {400: web.HTTPBadRequest, 401: web.HTTPUnauthorized, 404: web.HTTPNotFound, 429: web.HTTPTooManyRequests}
    return kinds[status](text=json.dumps({"errors": list(errors)}), content_type="application/json")


class AutotaskStandIn(StandIn):
    name = "autotask"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tenants = {company: Tenant(_resources(company, 29680000 if company == "acme" else 29690000)) for company in KEYS}
        self._ids = 5000
        self._pagings: dict[str, tuple[Tenant, list[dict[str, Any]], int, int]] = {}  # nextPageUrl's paging id

    @property
    def zone_url(self) -> str:
        return f"{self.url}/atservicesrest/"

    def _next_id(self) -> int:
        self._ids += 1
        return self._ids

    def state(self) -> dict[str, Any]:
        return {
            "zone_url": self.zone_url,
            "keys": {c: {"integration_code": i, "username": u, "secret": s} for c, (i, u, s) in KEYS.items()},
            "api_resource_id": API_RESOURCE,
            "tenants": {
                name: {"tickets": t.tickets, "notes": t.notes, "webhooks": t.webhooks, "requests_this_hour": t.requests_this_hour}
                for name, t in self.tenants.items()
            },
        }

    def caller(self, request: web.Request) -> str | None:
        if request.path.endswith("/zoneInformation"):
            return "anyone"
        given = (request.headers.get("ApiIntegrationCode"), request.headers.get("UserName"), request.headers.get("Secret"))
        return next((company for company, keys in KEYS.items() if keys == given), None)

    def _tenant(self, request: web.Request) -> Tenant:
        company = self.caller(request)
        if company is None or company not in self.tenants:
            raise _error(401, "Invalid credentials (ApiIntegrationCode, UserName, Secret)")
        tenant = self.tenants[company]
        tenant.requests_this_hour += 1
        if tenant.requests_this_hour > THRESHOLD:
            raise _error(429, f"The request threshold of {THRESHOLD} requests per hour was exceeded")
        return tenant

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get(f"{BASE}/zoneInformation", self.zone)
        app.router.add_get(f"{BASE}/ThresholdInformation", self.threshold)
        app.router.add_get(f"{BASE}/Resources/query", self.resources)
        app.router.add_get(f"{BASE}/Resources/query/next", self.next_resources)
        app.router.add_get(f"{BASE}/Tickets/{{id}}/Notes", self.list_notes)
        app.router.add_post(f"{BASE}/Tickets/{{id}}/Notes", self.add_note)
        app.router.add_patch(f"{BASE}/Tickets", self.patch_ticket)
        app.router.add_post(f"{BASE}/TicketWebhooks", self.add_webhook)
        app.router.add_post(f"{BASE}/TicketWebhooks/{{id}}/Fields", self.add_field)
        app.router.add_post(f"{BASE}/TicketWebhooks/{{id}}/ExcludedResources", self.add_excluded)
        app.router.add_delete(f"{BASE}/TicketWebhooks/{{id}}", self.remove_webhook)

    async def zone(self, request: web.Request) -> web.Response:
        return web.json_response({"zoneName": "Local", "url": self.zone_url, "webUrl": self.url + "/", "ci": 1})

    async def threshold(self, request: web.Request) -> web.Response:
        tenant = self._tenant(request)
        return web.json_response(
            {
                "externalRequestThreshold": THRESHOLD,
                "requestThresholdTimeframe": 60,
                "currentTimeframeRequestCount": tenant.requests_this_hour,
            }
        )

    async def resources(self, request: web.Request) -> web.Response:
        """A query answers up to MaxRecords (at most 500) active resources; when more match, `pageDetails.nextPageUrl`
        says where the next page is (Autotask pages by that URL, not by a page number)."""
        tenant = self._tenant(request)
        try:
            search = json.loads(request.query.get("search", "{}"))
        except ValueError:
            raise _error(400, "search: not JSON") from None
        limit = int(search.get("MaxRecords", MAX_PAGE)) if isinstance(search, dict) else MAX_PAGE
        rows = [r for r in tenant.resources if r["isActive"]]
        return self._resource_page(tenant, rows, 0, max(1, min(limit, MAX_PAGE)))

    async def next_resources(self, request: web.Request) -> web.Response:
        tenant = self._tenant(request)
        paging = self._pagings.get(request.query.get("paging", ""))
        if paging is None or paging[0] is not tenant:
            raise _error(400, "paging: unknown or expired")
        _, rows, offset, size = paging
        return self._resource_page(tenant, rows, offset, size)

    def _resource_page(self, tenant: Tenant, rows: list[dict[str, Any]], offset: int, size: int) -> web.Response:
        page, next_url = rows[offset : offset + size], None
        if offset + size < len(rows):
            paging = uuid.uuid4().hex
            self._pagings[paging] = (tenant, rows, offset + size, size)
            next_url = f"{self.url}{BASE}/Resources/query/next?paging={paging}"
        details = {"count": len(page), "requestCount": size, "prevPageUrl": None, "nextPageUrl": next_url}
        return web.json_response({"items": page, "pageDetails": details})

    def _ticket(self, tenant: Tenant, ticket_id: int) -> dict[str, Any]:
        if ticket_id not in tenant.tickets:
            raise _error(404, f"Ticket {ticket_id} not found")
        return tenant.tickets[ticket_id]

    async def list_notes(self, request: web.Request) -> web.Response:
        tenant = self._tenant(request)
        ticket = self._ticket(tenant, int(request.match_info["id"]))
        return web.json_response({"items": tenant.notes.get(ticket["id"], []), "pageDetails": {"nextPageUrl": None}})

    async def add_note(self, request: web.Request) -> web.Response:
        tenant = self._tenant(request)
        ticket = self._ticket(tenant, int(request.match_info["id"]))
        body = await request.json()
        if not isinstance(body, dict) or not body.get("description") or not body.get("title") or body.get("publish") is None:
            raise _error(400, "title, description, noteType and publish are required")
        note = {
            "id": self._next_id(),
            "ticketID": ticket["id"],
            **{k: body.get(k) for k in ("title", "description", "noteType", "publish")},
        }
        note["createDateTime"] = _now()
        tenant.notes.setdefault(ticket["id"], []).append(note)
        return web.json_response({"itemId": note["id"]})

    async def patch_ticket(self, request: web.Request) -> web.Response:
        tenant = self._tenant(request)
        body = await request.json()
        if not isinstance(body, dict) or "id" not in body:
            raise _error(400, "id is required")
        ticket = self._ticket(tenant, int(body["id"]))
        if "assignedResourceID" in body:
            if not body.get("assignedResourceRoleID"):
                raise _error(400, "assignedResourceRoleID is required with assignedResourceID")
            if not any(r["id"] == body["assignedResourceID"] for r in tenant.resources):
                raise _error(400, "assignedResourceID: no such resource")
        ticket.update({k: v for k, v in body.items() if k != "id"})
        return web.json_response({"itemId": ticket["id"]})

    async def add_webhook(self, request: web.Request) -> web.Response:
        tenant = self._tenant(request)
        body = await request.json()
        if (
            not isinstance(body, dict)
            or not str(body.get("webhookUrl", "")).startswith(("http://", "https://"))
            or not body.get("secretKey")
        ):
            raise _error(400, "webhookUrl and secretKey are required")
        webhook = {**body, "id": self._next_id(), "guid": str(uuid.uuid4()), "fields": [], "excludedResources": []}
        tenant.webhooks[webhook["id"]] = webhook
        return web.json_response({"itemId": webhook["id"]})

    def _webhook(self, tenant: Tenant, request: web.Request) -> dict[str, Any]:
        webhook_id = int(request.match_info["id"])
        if webhook_id not in tenant.webhooks:
            raise _error(404, f"TicketWebhook {webhook_id} not found")
        return tenant.webhooks[webhook_id]

    async def add_field(self, request: web.Request) -> web.Response:
        tenant = self._tenant(request)
        webhook = self._webhook(tenant, request)
        webhook["fields"].append(await request.json())
        return web.json_response({"itemId": self._next_id()})

    async def add_excluded(self, request: web.Request) -> web.Response:
        tenant = self._tenant(request)
        webhook = self._webhook(tenant, request)
        body = await request.json()
        webhook["excludedResources"].append(int(body.get("resourceID", 0)))
        return web.json_response({"itemId": self._next_id()})

    async def remove_webhook(self, request: web.Request) -> web.Response:
        tenant = self._tenant(request)
        webhook = self._webhook(tenant, request)
        del tenant.webhooks[webhook["id"]]
        return web.json_response({"itemId": webhook["id"]})

    async def fire(self, order: dict[str, Any], baton_url: str) -> dict[str, Any]:
        """Change a ticket of `account_id`'s company and call baton's webhook about it as Autotask would.

        `{"account_id": "acme", "ticket_id": 101, "status": 14, "person": "junior", "title": ..., "description": ...,
        "priority": 4}` (`status` 5 completes it); to try baton's checks: `"forge": true`, `"stale_minutes": 30`,
        `"sequence"` (repeat a delivery). A change by an excluded resource (`"person": "api"`) is not sent."""
        account_id = str(order["account_id"])
        company = str(order.get("company", account_id))
        tenant = self.tenants[company]
        webhook = next((w for w in tenant.webhooks.values() if str(w["webhookUrl"]).rstrip("/").endswith(f"/{account_id}")), None)
        if webhook is None:
            raise ValueError(f"no webhook of company {company!r} points at account {account_id!r}; save the connector first")
        ticket_id = int(order.get("ticket_id", self._next_id()))
        person = str(order.get("person", "junior"))
        person_id = (
            API_RESOURCE[company] if person == "api" else next(r["id"] for r in tenant.resources if r.get("userName") == person)
        )
        ticket = tenant.tickets.setdefault(
            ticket_id,
            {"id": ticket_id, "title": order.get("title", f"Ticket {ticket_id}"), "description": order.get("description", ""),
             "priority": int(order.get("priority", 2)), "companyID": 0, "assignedResourceID": None},
        )  # fmt: skip
        ticket["status"] = int(order.get("status", 1))
        if person_id in webhook["excludedResources"]:
            return {"sent": False, "detail": "the change was made by an excluded resource: Autotask sends nothing"}
        sent_at = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=float(order.get("stale_minutes", 0)))
        sequence = int(order.get("sequence") or self._next_id())
        payload = {
            "Guid": webhook["guid"],
            "EntityType": "Ticket",
            "Id": ticket_id,
            "Action": "Update",
            "PersonID": person_id,
            "SequenceNumber": sequence,
            "EventTime": sent_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "Fields": {k: ticket[k] for k in ("status", "title", "description", "priority", "companyID")},
        }
        body = json.dumps(payload).encode()
        signature = sign("not-the-secret" if order.get("forge") else webhook["secretKey"], body)
        answer = await self.post_to_baton(
            webhook["webhookUrl"], body, {"Content-Type": "application/json", "X-Hook-Signature": signature}
        )
        return {**answer, "sequence": sequence, "ticket": ticket}


MAX_PAGE = 500
