"""HaloPSA API stand-in: `https://127.0.0.1:<port>` as a Halo's base URL.

What baton calls: `POST /auth/token` (OAuth client credentials; each demo company's client in `CLIENTS`), then with
`Authorization: Bearer <token>` (401 without a valid one): `GET /api/Status`, `GET /api/Agent` (paged with
`pageinate=true&page_size&page_no`), `GET|POST /api/Actions`
(POST takes a list, as Halo's API does), `POST /api/Tickets` (a list: the agent), `POST /api/Webhook` (a list) and
`DELETE /api/Webhook/{id}`. A webhook call carries the Basic authentication baton set when it registered the webhook,
and the changed ticket.
"""

from __future__ import annotations

import base64
import datetime
import json
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from local.providers.standin import StandIn

# company -> (client id, client secret)
CLIENTS = {"acme": ("acme-client", "acme-client-secret"), "globex": ("globex-client", "globex-client-secret")}
API_AGENT = {"acme": 99, "globex": 199}


def _agents(company: str, first: int) -> list[dict[str, Any]]:
    people = [("senior", "Sam Senior"), ("senior2", "Sue Senior"), ("junior", "Jo Junior"), ("admin", "Ada Admin")]
    rows = [
        {"id": first + n, "name": name, "email": f"{who}@{company}.test", "isdisabled": False}
        for n, (who, name) in enumerate(people, 1)
    ]
    rows.append({"id": API_AGENT[company], "name": "baton API", "email": None, "isdisabled": False})
    return rows


def _error(status: int, message: str) -> web.HTTPException:
    kinds = {400: web.HTTPBadRequest, 401: web.HTTPUnauthorized, 404: web.HTTPNotFound}
    return kinds[status](text=json.dumps({"error": message}), content_type="application/json")


@dataclass
class Instance:
    agents: list[dict[str, Any]]
    tickets: dict[int, dict[str, Any]] = field(default_factory=dict)
    actions: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    webhooks: dict[str, dict[str, Any]] = field(default_factory=dict)


class HaloStandIn(StandIn):
    name = "halopsa"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instances = {company: Instance(_agents(company, 10 if company == "acme" else 110)) for company in CLIENTS}
        self.tokens: dict[str, str] = {}  # token -> company
        self._ids = 9000

    def _next_id(self) -> int:
        self._ids += 1
        return self._ids

    def state(self) -> dict[str, Any]:
        return {
            "base_url": self.url,
            "clients": {c: {"client_id": i, "client_secret": s} for c, (i, s) in CLIENTS.items()},
            "api_agent_id": API_AGENT,
            "instances": {
                n: {"tickets": i.tickets, "actions": i.actions, "webhooks": i.webhooks} for n, i in self.instances.items()
            },
        }

    def caller(self, request: web.Request) -> str | None:
        if request.path == "/auth/token":
            return "anyone"  # checked by the token endpoint itself
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        return self.tokens.get(given) if scheme == "Bearer" else None

    def _instance(self, request: web.Request) -> Instance:
        company = self.caller(request)
        if company is None or company not in self.instances:
            raise _error(401, "invalid or expired token")
        return self.instances[company]

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/auth/token", self.token)
        app.router.add_get("/api/Status", self.statuses)
        app.router.add_get("/api/Agent", self.agents)
        app.router.add_get("/api/Actions", self.list_actions)
        app.router.add_post("/api/Actions", self.add_actions)
        app.router.add_post("/api/Tickets", self.update_tickets)
        app.router.add_post("/api/Webhook", self.add_webhooks)
        app.router.add_delete("/api/Webhook/{id}", self.remove_webhook)

    async def token(self, request: web.Request) -> web.Response:
        form = await request.post()
        given = (str(form.get("client_id", "")), str(form.get("client_secret", "")))
        company = next((c for c, keys in CLIENTS.items() if keys == given), None)
        if form.get("grant_type") != "client_credentials" or company is None:
            return web.json_response({"error": "invalid_client"}, status=401)
        issued = secrets.token_urlsafe(24)
        self.tokens[issued] = company
        return web.json_response({"access_token": issued, "token_type": "Bearer", "expires_in": 3600, "scope": "all"})

    async def statuses(self, request: web.Request) -> web.Response:
        self._instance(request)
        return web.json_response([{"id": 1, "name": "New"}, {"id": 9, "name": "Closed"}, {"id": 21, "name": "Escalate to T2"}])

    async def agents(self, request: web.Request) -> web.Response:
        """Every agent, or with `pageinate=true` the page `page_no` (from 1) of `page_size`, with the record count."""
        agents = self._instance(request).agents
        if request.query.get("pageinate", "").lower() != "true":
            return web.json_response(agents)
        try:
            size, number = int(request.query.get("page_size", "50")), int(request.query.get("page_no", "1"))
        except ValueError:
            raise _error(400, "page_size and page_no are numbers") from None
        if size < 1 or number < 1:
            raise _error(400, "page_size and page_no start at 1")
        page = agents[(number - 1) * size : number * size]
        return web.json_response({"page_no": number, "page_size": size, "record_count": len(agents), "agents": page})

    async def list_actions(self, request: web.Request) -> web.Response:
        instance = self._instance(request)
        ticket_id = int(request.query.get("ticket_id", "0"))
        found = instance.actions.get(ticket_id, [])
        return web.json_response({"record_count": len(found), "actions": found})

    async def add_actions(self, request: web.Request) -> web.Response:
        instance = self._instance(request)
        body = await request.json()
        if not isinstance(body, list) or not body:
            raise _error(400, "send a list of actions")
        made = []
        for action in body:
            ticket_id = int(action.get("ticket_id", 0))
            if ticket_id not in instance.tickets:
                raise _error(404, f"ticket {ticket_id} not found")
            made.append({**action, "id": self._next_id(), "datetime": datetime.datetime.now(datetime.UTC).isoformat()})
            instance.actions.setdefault(ticket_id, []).append(made[-1])
        return web.json_response(made[0] if len(made) == 1 else made, status=201)

    async def update_tickets(self, request: web.Request) -> web.Response:
        instance = self._instance(request)
        body = await request.json()
        if not isinstance(body, list) or not body:
            raise _error(400, "send a list of tickets")
        for change in body:
            ticket_id = int(change.get("id", 0))
            if ticket_id not in instance.tickets:
                raise _error(404, f"ticket {ticket_id} not found")
            if "agent_id" in change and not any(a["id"] == change["agent_id"] for a in instance.agents):
                raise _error(400, "agent_id: no such agent")
            instance.tickets[ticket_id].update({k: v for k, v in change.items() if k != "id"})
        return web.json_response(instance.tickets[int(body[0]["id"])], status=201)

    async def add_webhooks(self, request: web.Request) -> web.Response:
        instance = self._instance(request)
        body = await request.json()
        if not isinstance(body, list) or not body or not str(body[0].get("url", "")).startswith(("http://", "https://")):
            raise _error(400, "send a list with a webhook url")
        hook = {**body[0], "id": str(uuid.uuid4())}
        instance.webhooks[hook["id"]] = hook
        return web.json_response(hook, status=201)

    async def remove_webhook(self, request: web.Request) -> web.Response:
        instance = self._instance(request)
        if instance.webhooks.pop(request.match_info["id"], None) is None:
            raise _error(404, "webhook not found")
        return web.Response(status=200)

    async def fire(self, order: dict[str, Any], baton_url: str) -> dict[str, Any]:
        """Change a ticket of `account_id`'s Halo and call baton's webhook about it.

        `{"account_id": "acme", "ticket_id": 101, "status_id": 21, "agent": "junior", "summary": ..., "details": ...,
        "priority_id": 1}` (`status_id` 9 closes it); to try baton's checks: `"forge": true` (a wrong password),
        `"stale_minutes": 30`, `"event_id"` (repeat a delivery)."""
        account_id = str(order["account_id"])
        company = str(order.get("company", account_id))
        instance = self.instances[company]
        hook = next((h for h in instance.webhooks.values() if str(h["url"]).rstrip("/").endswith(f"/{account_id}")), None)
        if hook is None:
            raise ValueError(f"no webhook of company {company!r} points at account {account_id!r}; save the connector first")
        ticket_id = int(order.get("ticket_id", self._next_id()))
        who = str(order.get("agent", "junior"))
        agent_id = (
            API_AGENT[company]
            if who == "api"
            else next(a["id"] for a in instance.agents if a["email"] == f"{who}@{company}.test")
        )
        fresh = {
            "id": ticket_id,
            "summary": order.get("summary", f"Ticket {ticket_id}"),
            "details": order.get("details", ""),
            "priority_id": int(order.get("priority_id", 3)),
            "client_name": order.get("client_name", "Contoso Ltd"),
            "agent_id": None,
        }
        ticket = instance.tickets.setdefault(ticket_id, fresh)
        ticket["status_id"] = int(order.get("status_id", 1))
        sent_at = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=float(order.get("stale_minutes", 0)))
        payload = {
            "id": str(order.get("event_id") or uuid.uuid4()),
            "event": "ticket_updated",
            "timestamp": sent_at.isoformat(timespec="seconds").replace("+00:00", "Z"),
            "agent_id": agent_id,
            "ticket": ticket,
        }
        password = "not-the-secret" if order.get("forge") else hook["basic_password"]
        authorization = "Basic " + base64.b64encode(f"{hook['basic_username']}:{password}".encode()).decode()
        answer = await self.post_to_baton(
            hook["url"], json.dumps(payload).encode(), {"Content-Type": "application/json", "Authorization": authorization}
        )
        return {**answer, "event_id": payload["id"], "ticket": ticket}
