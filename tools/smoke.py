"""Post-deploy smoke check: the whole escalation path once, end to end, then everything it made removed.

    python -m tools.smoke --stack baton-dev [--region eu-west-1]   # a deployed stack (your AWS credentials)
    python -m tools.smoke --base-url http://127.0.0.1:3000         # `make dev`

Steps: the API answers; a ticket opens a WebSocket; a junior's test escalation is created and pushed, a
senior claims and resolves it (each pushed); the email function emails the junior the pickup and the resolution
(the senior's console is live, so the escalation itself is not emailed to them); against `make dev`, a configured
connector: acme's ConnectWise PSA (the local stand-in) escalates a ticket and gets the claim's internal note and owner;
a bounce or a deferral fails the check
with what to fix, e.g. verify the sender, leave the SES sandbox. Against a stack, the two test
users are made in the stack's Cognito pool and data table (an account of their own, emails on SES's mailbox
simulator) and deleted at the end with the test session and handoff. Against `make dev`, the demo users of
`acme` are used (the junior emailed at once for the run, whatever they chose; their choice is put back after);
the resolved test handoff stays in the in-memory store until `make dev` stops.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
import httpx
import websockets

from baton.domain.models import Role, User
from baton.repositories import keys
from baton.repositories.users import UserRepository
from tools.stack import stack_outputs

PUSH_TIMEOUT_S = 15
# The creator's pickup email: the email queue, then the function (seconds; a first deploy's cold starts add some).
EMAIL_TIMEOUT_S = 60
SIMULATOR = "simulator.amazonses.com"  # SES's mailbox simulator: delivers (to nobody) even from the sandbox


class SmokeFailed(RuntimeError):
    pass


@dataclass
class Identity:
    token: str
    user_id: str
    email: str


@dataclass
class Target:
    """Where the smoke runs, and how it gets users, checks email and cleans up."""

    api_url: str
    junior: Identity
    senior: Identity
    email_reached: Callable[[str, Identity], Awaitable[bool]]
    cleanups: list[Callable[[], None]] = field(default_factory=list)
    sessions: list[tuple[str, str]] = field(default_factory=list)  # (account_id, session_id) made by the run
    # A PSA connector's round trip (make dev: the ConnectWise stand-in); None where no stand-in answers (a stack).
    connector: Callable[[Target], Awaitable[None]] | None = None


@contextmanager
def timed(name: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    print(f"ok  {name} ({(time.perf_counter() - started) * 1000:.0f} ms)", flush=True)


class Live:
    """A WebSocket opened with a ticket, and the pushes it receives."""

    def __init__(self, socket: Any) -> None:
        self._socket = socket

    async def next_for(self, handoff_id: str, kind: str) -> dict[str, Any]:
        deadline = time.monotonic() + PUSH_TIMEOUT_S
        while (left := deadline - time.monotonic()) > 0:
            message = json.loads(await asyncio.wait_for(self._socket.recv(), left))
            if message.get("type") == kind and message.get("handoff", {}).get("id") == handoff_id:
                return dict(message)
        raise SmokeFailed(f"no {kind} push for handoff {handoff_id} within {PUSH_TIMEOUT_S} s")


@asynccontextmanager
async def opened(api: httpx.AsyncClient, who: Identity) -> AsyncIterator[Live]:
    ticket = _json(await api.post("/api/v1/ws-ticket", headers=_auth(who)), 201)
    async with websockets.connect(ticket["url"]) as socket:
        await socket.send(json.dumps({"action": "hello"}))
        ready = json.loads(await asyncio.wait_for(socket.recv(), PUSH_TIMEOUT_S))
        if ready.get("type") != "ready":
            raise SmokeFailed(f"expected ready after hello, got {ready}")
        yield Live(socket)


async def run(target: Target) -> None:
    async with httpx.AsyncClient(base_url=target.api_url, timeout=30) as api, AsyncExitStack() as stack:
        with timed("the API answers"):
            _json(await api.get("/api/v1/openapi.json"), 200)
        with timed("a ticket opens a WebSocket"):
            live = await stack.enter_async_context(opened(api, target.senior))
        with timed("a test escalation is created and pushed"):
            session, handoff = await _escalate(api, target, live)
        with timed("the senior claims it (pushed)"):
            await _act(api, target, live, session, handoff, "claim", {}, "handoff_claimed")
        with timed("the senior resolves it (pushed)"):
            await _act(api, target, live, session, handoff, "resolve", {"resolution_notes": "smoke check"}, "handoff_resolved")
        with timed("the email path is reached"):
            await _email_reached(target, handoff)
        if target.connector is not None:
            with timed("a configured connector (ConnectWise PSA) escalates a ticket and gets the claim's note"):
                await target.connector(target)


async def _escalate(api: httpx.AsyncClient, target: Target, live: Live) -> tuple[str, str]:
    session = _json(
        await api.post(
            "/api/v1/ai-sessions",
            headers=_auth(target.junior),
            json={"intake_type": "ticket", "intake_content": {"subject": "baton smoke check"}, "confidence_tier": "low"},
        ),
        201,
    )
    target.sessions.append((session["account_id"], session["id"]))
    handoff = _json(
        await api.post(
            f"/api/v1/ai-sessions/{session['id']}/handoff",
            headers=_auth(target.junior),
            json={"intent": "escalate", "engineer_notes": "baton smoke check: ignore, it cleans up after itself"},
        ),
        201,
    )
    await live.next_for(handoff["id"], "handoff_created")
    return str(session["id"]), str(handoff["id"])


async def _act(
    api: httpx.AsyncClient, target: Target, live: Live, session: str, handoff: str, action: str, body: dict[str, str], pushed: str
) -> None:
    path = f"/api/v1/ai-sessions/{session}/handoffs/{handoff}/{action}"
    _json(await api.post(path, headers=_auth(target.senior), json=body or None), 200)  # claim takes no body
    await live.next_for(handoff, pushed)


async def _email_reached(target: Target, handoff: str) -> None:
    deadline = time.monotonic() + EMAIL_TIMEOUT_S
    while time.monotonic() < deadline:
        if await target.email_reached(handoff, target.junior):  # the creator hears of the pickup and the resolution
            return
        await asyncio.sleep(1)
    raise SmokeFailed(f"the email function did not handle handoff {handoff} within {EMAIL_TIMEOUT_S} s")


def _auth(who: Identity) -> dict[str, str]:
    return {"Authorization": f"Bearer {who.token}"}


def _json(reply: httpx.Response, status: int) -> dict[str, Any]:
    if reply.status_code != status:
        raise SmokeFailed(f"{reply.request.method} {reply.request.url.path} answered {reply.status_code}: {reply.text[:300]}")
    return dict(reply.json())


# ---------------------------------------------------------------- against `make dev`
def local_target(base_url: str) -> Target:
    def identity(email: str) -> Identity:
        answer = _json(httpx.post(f"{base_url}/local/token", json={"email": email}), 200)
        return Identity(answer["access_token"], answer["user"]["id"], email)

    async def in_outbox(handoff: str, recipient: Identity) -> bool:
        async with httpx.AsyncClient() as client:
            outbox = (await client.get(f"{base_url}/local/outbox")).json()
        return any(recipient.email in str(mail.get("to")) and handoff in mail.get("text", "") for mail in outbox)

    target = Target(base_url, identity("junior@acme.test"), identity("senior@acme.test"), in_outbox)
    _email_at_once(base_url, target)
    owner = identity("owner@acme.test")
    target.connector = lambda running: _connectwise_round_trip(base_url, running, owner)
    return target


def _email_at_once(base_url: str, target: Target) -> None:
    """The demo junior may have chosen a digest, no email, or have the console open (then a pickup is pushed, not
    emailed): for the run, they are emailed at once, live or not; their own settings come back afterwards."""
    headers = _auth(target.junior)
    mine = _json(httpx.get(f"{base_url}/api/v1/me", headers=headers), 200)
    kept = {name: mine[name] for name in ("email_mode", "digest_minutes", "email_when_live")}
    _json(httpx.patch(f"{base_url}/api/v1/me", headers=headers, json={"email_mode": "immediate", "email_when_live": True}), 200)

    def restore() -> None:
        _json(httpx.patch(f"{base_url}/api/v1/me", headers=headers, json=kept), 200)

    target.cleanups.append(restore)


async def _connectwise_round_trip(base_url: str, target: Target, owner: Identity) -> None:
    """acme's ConnectWise connector on the local stand-in: a ticket moved to the escalation status is in the queue; the
    senior's claim writes one internal note and sets the owner; then the connector is removed again."""
    connector = "/api/v1/account/connectors/connectwise"
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as api:
        site = (await api.get("/local/connectors")).json()["connectwise"]["host"]
        body = {
            "settings": {"site": site, "company_id": "acme", "escalation_status": "Escalate to T2"},
            "secrets": {"public_key": "acmepublic", "private_key": "acmeprivate", "client_id": "baton-smoke"},
        }
        _json(await api.put(connector, headers=_auth(owner), json=body), 200)

        def disconnect() -> None:
            httpx.delete(f"{base_url}{connector}", headers=_auth(owner))

        target.cleanups.append(disconnect)
        ticket = 900_000 + secrets.randbelow(99_999)
        fire = {"account_id": "acme", "ticket_id": ticket, "status": "Escalate to T2", "summary": "baton smoke check"}
        fired = _json(await api.post("/local/connectors/connectwise/fire", json=fire), 200)
        if fired["status"] != 200:
            raise SmokeFailed(f"the stand-in's callback was refused: {fired['status']} {fired['body']}")
        queue = _json_list(await api.get("/api/v1/ai-sessions/queue", headers=_auth(target.senior), params={"limit": 200}))
        handoff = next((h for h in queue if (h["session"].get("psa_ticket") or {}).get("id") == str(ticket)), None)
        if handoff is None:
            raise SmokeFailed(f"ConnectWise ticket {ticket} did not become an escalation in the queue")
        target.sessions.append((handoff["account_id"], handoff["session_id"]))
        path = f"/api/v1/ai-sessions/{handoff['session_id']}/handoffs/{handoff['id']}/claim"
        _json(await api.post(path, headers=_auth(target.senior)), 200)
        deadline = time.monotonic() + PUSH_TIMEOUT_S
        while time.monotonic() < deadline:
            company = (await api.get("/local/connectors")).json()["connectwise"]["state"]["companies"]["acme"]
            notes = company["notes"].get(str(ticket), [])
            if any("picked this ticket up" in note["text"] for note in notes) and company["tickets"][str(ticket)]["owner"]:
                return
            await asyncio.sleep(0.3)
        raise SmokeFailed(f"ConnectWise ticket {ticket} got no internal note or owner within {PUSH_TIMEOUT_S} s")


def _json_list(reply: httpx.Response) -> list[dict[str, Any]]:
    if reply.status_code != 200:
        raise SmokeFailed(f"{reply.request.method} {reply.request.url.path} answered {reply.status_code}: {reply.text[:300]}")
    return list(reply.json())


# ---------------------------------------------------------------- against a deployed stack
def stack_target(stack: str, region: str | None) -> Target:
    aws = boto3.session.Session(region_name=region)
    outputs = stack_outputs(aws, stack)
    if "UserPoolId" not in outputs:
        raise SmokeFailed("the smoke check makes its test users in the stack's Cognito pool; this stack uses its own JwtIssuer")
    cognito = aws.client("cognito-idp")
    table = DataTable(outputs["DataTableName"], aws.client("dynamodb"))
    users = UserRepository(outputs["DataTableName"], aws.client("dynamodb"))
    logs = aws.client("logs")
    run_id = secrets.token_hex(4)
    account_id = f"smoke-{run_id}"
    target = Target(outputs["HttpApiUrl"], _unset(), _unset(), _email_function_logged(logs, stack))
    try:
        users.put_account(account_id, owner_count=0)
        target.cleanups.append(lambda: table.delete(keys.account_key(account_id)))
        target.junior = _cognito_user(cognito, users, table, outputs, target, account_id, "junior", run_id)
        target.senior = _cognito_user(cognito, users, table, outputs, target, account_id, "senior", run_id)
    except Exception:
        clean_up(target)
        raise
    target.cleanups.append(lambda: table.delete_sessions(target.sessions))  # runs first (clean-ups run last to first)
    return target


class DataTable:
    """The few raw item operations clean-up needs (the repositories never delete these items)."""

    def __init__(self, name: str, client: Any) -> None:
        self._name = name
        self._client = client

    def delete(self, key: dict[str, str]) -> None:
        self._client.delete_item(TableName=self._name, Key={name: {"S": value} for name, value in key.items()})

    def delete_sessions(self, sessions: list[tuple[str, str]]) -> None:
        """Each test session with its handoff and whatever else its partition holds."""
        for account_id, session_id in sessions:
            pk = keys.session_pk(account_id, session_id)
            pages = self._client.get_paginator("query").paginate(
                TableName=self._name,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": {"S": pk}},
                ProjectionExpression="pk, sk",
            )
            for page in pages:
                for item in page["Items"]:
                    self.delete({"pk": item["pk"]["S"], "sk": item["sk"]["S"]})


def _unset() -> Identity:
    return Identity("", "", "")


def _cognito_user(
    cognito: Any,
    users: UserRepository,
    table: DataTable,
    outputs: dict[str, str],
    target: Target,
    account_id: str,
    login: str,
    run_id: str,
) -> Identity:
    pool, client_id = outputs["UserPoolId"], outputs["UserPoolClientId"]
    email = f"success+baton-smoke-{login}-{run_id}@{SIMULATOR}"
    password = secrets.token_urlsafe(24) + "aA1!"
    created = cognito.admin_create_user(
        UserPoolId=pool,
        Username=email,
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
    )
    target.cleanups.append(lambda: cognito.admin_delete_user(UserPoolId=pool, Username=email))
    cognito.admin_set_user_password(UserPoolId=pool, Username=email, Password=password, Permanent=True)
    sub = next(attribute["Value"] for attribute in created["User"]["Attributes"] if attribute["Name"] == "sub")
    users.put(User(id=sub, account_id=account_id, email=email, display_name=f"Smoke {login}", role=Role.ENGINEER))
    target.cleanups.append(lambda: table.delete(keys.user_key(sub)))
    tokens = cognito.admin_initiate_auth(
        UserPoolId=pool,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password},
    )["AuthenticationResult"]
    return Identity(tokens["AccessToken"], sub, email)


def _email_function_logged(logs: Any, stack: str) -> Callable[[str, Identity], Awaitable[bool]]:
    """The email function logs one "emailed" summary line per event, with the handoff id (see email_outcome)."""
    started_ms = int(time.time() * 1000) - 60_000

    def lines(handoff: str) -> list[dict[str, Any]]:
        pages = logs.get_paginator("filter_log_events").paginate(
            logGroupName=f"/aws/lambda/{stack}-email", startTime=started_ms, filterPattern=f'"{handoff}"'
        )
        return [line for page in pages for event in page.get("events", []) if (line := _json_line(event["message"]))]

    async def logged(handoff: str, recipient: Identity) -> bool:
        return email_outcome(await asyncio.to_thread(lines, handoff))

    return logged


# What to fix when SES refuses the test email, by SES error code (the email function logs the code).
SES_FIXES = {
    "MessageRejected": (
        "verify SenderEmail (or its domain) in SES in this stack's region, and while the account is in the SES sandbox "
        "only verified addresses and the mailbox simulator receive mail: request production access (docs/deploy.md, section 2)"
    ),
    "MailFromDomainNotVerifiedException": "verify the sender's custom MAIL FROM domain in SES, or remove it",
}


def email_outcome(lines: list[dict[str, Any]]) -> bool:
    """True once the email function's summary for the handoff says the email was sent; a bounce or a deferral
    fails the smoke check with what to fix; False while there is no summary yet."""
    for line in lines:
        if line.get("message") != "emailed":
            continue
        codes = [str(code) for code in line.get("codes") or []]
        if line.get("bounced"):
            fixes = "; ".join(dict.fromkeys(SES_FIXES.get(code, "") for code in codes if code in SES_FIXES))
            raise SmokeFailed(
                f"SES refused the test email ({', '.join(codes) or 'no code'}): "
                + (fixes or "see the email function's 'email bounced' line and docs/deploy.md, section 2")
            )
        if line.get("deferred"):
            raise SmokeFailed(
                f"SES deferred the test email ({', '.join(codes) or 'no code'}): SES throttled it or could not be reached; "
                "check the account's sending quota and status (aws sesv2 get-account) and run the smoke check again"
            )
        if line.get("sent", line.get("recipients")):  # not a summary that emailed nobody (a live console, a digest)
            return True
    return False


def _json_line(message: str) -> dict[str, Any] | None:
    try:
        line = json.loads(message)
    except ValueError:
        return None  # START/END/REPORT lines of Lambda itself
    return line if isinstance(line, dict) else None


def clean_up(target: Target) -> None:
    for cleanup in reversed(target.cleanups):
        try:
            cleanup()
        except Exception as error:  # report and go on: the rest must still be removed
            print(f"!!  clean-up step failed: {error}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--stack", help="a deployed stack's name")
    where.add_argument("--base-url", help="a running `make dev`, e.g. http://127.0.0.1:3000")
    parser.add_argument("--region", help="the stack's region (default: your AWS configuration's)")
    args = parser.parse_args(argv)
    try:
        target = local_target(args.base_url) if args.base_url else stack_target(args.stack, args.region)
    except SmokeFailed as error:
        print(f"FAIL {error}", file=sys.stderr)
        return 1
    try:
        asyncio.run(run(target))
    except (SmokeFailed, TimeoutError, httpx.HTTPError, websockets.WebSocketException) as error:
        print(f"FAIL {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    finally:
        clean_up(target)
        if target.cleanups:
            print("ok  cleaned up (test users, account, session and handoff)")
    print(f"smoke check passed: {target.api_url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
