"""schemathesis against the API's own OpenAPI document, over real HTTP: no 5xx, every answer one the document
declares (status, content type, body schema), and no request the document calls valid refused as invalid, for an
engineer, a junior and a viewer, and on the account's own operations for an owner (of an account of its own).

Most examples of an operation with ids in its path use real ones, made through the API just before the call in
the state the operation needs, so its 200, 201, 204 and 409 bodies are checked too; the rest keep schemathesis's
random ids, for the 404s. The figures per caller close pytest's output (see `schemathesis_figures`).
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    CheckFunction,
    content_type_conformance,
    not_a_server_error,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup
from schemathesis.schemas import APIOperation

from baton.domain.lifecycle import RULES, Action
from tests.e2e import oidc_client, schemathesis_figures
from tests.e2e.conftest import Stack
from tests.e2e.schemathesis_figures import RoleFigures
from tests.e2e.test_accounts_live import admin_cli

CHECKS: tuple[CheckFunction, ...] = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    positive_data_acceptance,
)
# An engineer, the engineer whose sessions the real ids are, and a viewer (in this order: the senior acts first on
# the junior's handoff). None of them may change or remove users, so real user ids are safe to send.
ROLES = ("senior@acme.test", "junior@acme.test", "viewer@acme.test")
CREATOR, HOLDER, COLLEAGUE, ADMIN = "junior@acme.test", "senior@acme.test", "senior2@acme.test", "admin@acme.test"
# And, on the account's own operations (which the three may not use), the owner of an account of its own: it may
# change its users, policy and channels without touching acme, which every e2e test shares.
OWNER = "owner (own account)"
ACCOUNT_PATHS = ("/api/v1/account", "/api/v1/invitations")
REAL_IDS = {"session_id", "handoff_id", "user_id", "invitation_id"}
WEBHOOK = "/api/v1/account/integrations/{channel}"
POLICY = "/api/v1/account/policy"
CONNECTOR = "/api/v1/account/connectors/{name}"
EXAMPLES = int(os.environ.get("BATON_SCHEMATHESIS_EXAMPLES", "12"))


def _document() -> dict[str, Any]:
    """The document the API function serves, built from the code (no server needed to collect the tests)."""
    import api_handler

    return dict(json.loads(api_handler.openapi().body))


schema = schemathesis.openapi.from_dict(_document())
# One test per operation, each with its own id: `schema.parametrize()` gives every operation the same node id,
# and pytest-xdist then runs only one of them.
OPERATIONS = [result.ok() for result in schema.get_all_operations()]


class Acme:
    """Real resources of acme, made through the API as the junior just before a call, in the state it needs."""

    def __init__(self, stack: Stack) -> None:
        self.clients = {email: stack.client(email) for email in (CREATOR, HOLDER, ADMIN)}
        self.user_id = str(stack.user(CREATOR)["id"])
        self.colleague_id = str(stack.user(COLLEAGUE)["id"])
        self.sessions: set[str] = set()

    def _post(self, email: str, path: str, body: dict[str, Any] | None = None, status: int = 200) -> dict[str, Any]:
        reply = self.clients[email].post(path, json=body)
        assert reply.status_code == status, reply.text
        return dict(reply.json())

    def session(self) -> str:
        session_id = str(self._post(CREATOR, "/api/v1/ai-sessions", {"intake_type": "ticket", "intake_content": {}}, 201)["id"])
        self.sessions.add(session_id)
        return session_id

    def handoff(self, action: Action | None) -> dict[str, str]:
        """A handoff in the state `action` starts from (the lifecycle's own rule); an open escalation to read."""
        rule = RULES[action] if action else None
        session_id = self.session()
        intent = (rule.only_intent if rule else None) or "escalate"
        created = self._post(CREATOR, f"/api/v1/ai-sessions/{session_id}/handoff", {"intent": intent}, 201)
        if rule and rule.sources == ("claimed",):
            self._post(HOLDER, f"/api/v1/ai-sessions/{session_id}/handoffs/{created['id']}/claim")
        return {"session_id": session_id, "handoff_id": str(created["id"])}

    def path_parameters(self, operation: APIOperation) -> dict[str, str]:
        names = {parameter.name for parameter in operation.path_parameters}
        last = operation.path.rsplit("/", 1)[-1]
        if "handoff_id" in names:
            return self.handoff(Action(last) if last in set(Action) else None)
        if last == "handoff":  # a session that has no handoff yet
            return {"session_id": self.session()}
        if "session_id" in names:
            return {"session_id": self.handoff(None)["session_id"]}
        return {"user_id": self.user_id} if "user_id" in names else {}

    def withdraw_what_is_still_open(self) -> None:
        """The runtime is shared by every e2e test: leave no open handoff of ours in acme's queue."""
        admin, ours, params = self.clients[ADMIN], [], {"limit": 200}
        while True:
            page = admin.get("/api/v1/ai-sessions/queue", params=params)
            assert page.status_code == 200, page.text
            ours += [handoff for handoff in page.json() if handoff["session_id"] in self.sessions]
            if not (cursor := page.headers.get("X-Next-Cursor")):
                break
            params = {"limit": 200, "cursor": cursor}
        for handoff in ours:
            path = f"/api/v1/ai-sessions/{handoff['session_id']}/handoffs/{handoff['id']}/withdraw"
            reply = admin.post(path, json={"reason": "test isolation"})
            assert reply.status_code in (200, 409), reply.text  # 409: picked up meanwhile

    def close(self) -> None:
        for client in self.clients.values():
            client.close()


class OwnAccount:
    """An account of its own (made by baton-admin, joined through the local issuer) whose owner is the fourth caller."""

    def __init__(self, stack: Stack) -> None:
        account_id = f"schema-{uuid.uuid4().hex[:8]}"
        email = f"owner@{account_id}.example"
        created = admin_cli(stack, "create-account", "--name", "Schema", "--id", account_id, "--owner-email", email)
        assert created.returncode == 0, created.stderr
        self.headers = {"Authorization": f"Bearer {oidc_client.sign_in(stack.base_url, email)['access_token']}"}
        self.client = httpx.Client(base_url=stack.base_url, headers=self.headers, timeout=30)
        (invitation,) = self.client.get("/api/v1/invitations/mine").json()
        joined = self.client.post("/api/v1/invitations/accept", json={"invitation_id": invitation["id"]})
        assert joined.status_code == 200, joined.text
        self.user_id = str(joined.json()["id"])
        self.receiver = str(stack.health().json()["webhook_receiver"])

    def path_parameters(self, operation: APIOperation, generated: dict[str, str]) -> dict[str, str]:
        """Real ids of this account; for removing or testing a channel, a webhook set on it first."""
        names = {parameter.name for parameter in operation.path_parameters}
        if operation.path.startswith(WEBHOOK) and operation.method.upper() != "PUT":
            channel = generated["channel"]
            reply = self.client.put(f"/api/v1/account/integrations/{channel}", json={"webhook_url": self.webhook_url(channel)})
            assert reply.status_code == 200, reply.text
        if "invitation_id" in names:
            someone = {"email": f"{uuid.uuid4().hex[:8]}@x.test", "role": "viewer"}
            invited = self.client.post("/api/v1/account/invitations", json=someone)
            assert invited.status_code == 201, invited.text
            return {"invitation_id": str(invited.json()["id"])}
        return {"user_id": self.user_id} if "user_id" in names else {}

    def webhook_url(self, channel: str) -> str:
        """An incoming-webhook URL the runtime accepts: its loopback receiver stands in for Teams and Slack."""
        return f"{self.receiver}/{channel}/demo"


@pytest.fixture(scope="module")
def acme(stack: Stack) -> Iterator[Acme]:
    resources = Acme(stack)
    yield resources
    resources.withdraw_what_is_still_open()
    resources.close()


@pytest.fixture(scope="module")
def own_account(stack: Stack) -> Iterator[OwnAccount]:
    account = OwnAccount(stack)
    yield account
    account.client.close()


@pytest.fixture(scope="module")
def callers(stack: Stack, own_account: OwnAccount) -> Iterator[dict[str, tuple[dict[str, str], requests.Session]]]:
    """Each caller's bearer header (a token lasts an hour) and a session that keeps its connection."""
    headers = {**{email: {"Authorization": f"Bearer {stack.token(email)}"} for email in ROLES}, OWNER: own_account.headers}
    sessions = {caller: requests.Session() for caller in headers}
    email_settings = {email: _email_settings(stack, email) for email in ROLES}
    yield {caller: (headers[caller], sessions[caller]) for caller in headers}
    for session in sessions.values():
        session.close()
    # PATCH /me ran with generated settings (email off, say): the runtime is shared, so put each person's back.
    for email, kept in email_settings.items():
        with stack.client(email) as client:
            assert client.patch("/api/v1/me", json=kept).status_code == 200


def _email_settings(stack: Stack, email: str) -> dict[str, Any]:
    with stack.client(email) as client:
        me = client.get("/api/v1/me").json()
    return {name: me[name] for name in ("email_mode", "digest_minutes", "email_when_live")}


def _checks_for(case: schemathesis.Case, real: bool) -> tuple[CheckFunction, ...]:
    without_acceptance = tuple(check for check in CHECKS if check is not positive_data_acceptance)
    if case.query and "cursor" in case.query:
        # A cursor is opaque: the document gives its shape, but only a page's own X-Next-Cursor is a position.
        return without_acceptance
    if case.operation.path == POLICY and isinstance(case.body, dict) and case.body.get("business_hours"):
        # A calendar's sense is the server's, not the document's: spans that end after they start and do not overlap,
        # dates that exist, a time zone this server knows (issue 24's business hours).
        return without_acceptance
    if case.operation.path == WEBHOOK and case.method == "PUT" and not real:
        # The hosts a webhook may be on are the deployment's settings (TEAMS_/SLACK_WEBHOOK_HOSTS), not the document's.
        return without_acceptance
    if case.operation.path == CONNECTOR and case.method == "PUT":
        # A connector's settings and keys are its own model's and the provider's to accept (its site, its keys), not
        # the document's (which lists the connectors' models only by name).
        return without_acceptance
    return CHECKS


def _takes_real_input(operation: APIOperation) -> bool:
    names = {parameter.name for parameter in operation.path_parameters}
    return bool(REAL_IDS & names) or operation.path.startswith(WEBHOOK)


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_every_answer_is_declared_and_none_is_a_server_error(
    operation: APIOperation,
    stack: Stack,
    acme: Acme,
    own_account: OwnAccount,
    callers: dict[str, tuple[dict[str, str], requests.Session]],
    pytestconfig: pytest.Config,
) -> None:
    who = (*ROLES, OWNER) if operation.path.startswith(ACCOUNT_PATHS) else ROLES
    figures = {caller: RoleFigures() for caller in who}
    problems: list[str] = []
    # Three examples in four use real ids (and a real webhook URL) where the operation takes any; the others random ones.
    real_input = st.integers(0, 3).map(bool) if _takes_real_input(operation) else st.just(False)

    @given(case=operation.as_strategy(), real=real_input)
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    def call_as_each_role(case: schemathesis.Case, real: bool) -> None:
        # Given real ids in the path (in the state the operation needs, in each caller's own account) or random ones
        generated = dict(case.path_parameters or {})
        ids = {caller: generated for caller in who}
        if real:
            acme_ids = {**generated, **acme.path_parameters(operation)}
            ids = {caller: acme_ids for caller in ROLES}
            if OWNER in who:
                ids[OWNER] = {**generated, **own_account.path_parameters(operation, generated)}
            if operation.path.endswith("/reassign") and isinstance(case.body, dict):
                case.body = {**case.body, "to_user_id": acme.colleague_id}
            if (operation.path, operation.method.upper()) == (WEBHOOK, "PUT") and isinstance(case.body, dict):
                case.body = {**case.body, "webhook_url": own_account.webhook_url(generated["channel"])}
        for caller in who:
            # When schemathesis calls the operation with input the document calls valid, as each caller
            headers, session = callers[caller]
            case.path_parameters = ids[caller]
            response = case.call(base_url=stack.base_url, headers=headers, session=session)
            figures[caller].cases += 1
            figures[caller].statuses[response.status_code] += 1
            if real and response.status_code == 404:  # the ids were made in the caller's account just now
                problems.append(f"{caller}: real ids {case.path_parameters} answered 404: {response.text}")
            # Then each check holds: no 5xx, the answer is one the document declares, valid input is not refused
            for check in _checks_for(case, real):
                try:
                    case.validate_response(response, checks=[check], headers=headers)
                except FailureGroup as failed:
                    figures[caller].failures[check.__name__] += 1
                    problems.append(f"{caller} {check.__name__}:\n{failed}")

    started = time.monotonic()
    try:
        call_as_each_role()
    finally:
        schemathesis_figures.record(pytestconfig, operation.label, time.monotonic() - started, figures)
    assert not problems, f"{len(problems)} failed checks; the first:\n" + "\n".join(problems[:3])


def test_a_path_that_names_no_channel_is_a_declared_404(stack: Stack, callers: dict[str, Any]) -> None:
    # Given the channel operation, and a channel with a "/" in it (sent encoded: it matches no route)
    put = schema["/api/v1/account/integrations/{channel}"]["PUT"]
    case = put.Case(path_parameters={"channel": "te/ams"}, body={"webhook_url": "https://example.test/hook"})
    headers, session = callers[ROLES[0]]
    # When it is called
    response = case.call(base_url=stack.base_url, headers=headers, session=session)
    # Then the answer is the 404 with a detail that the document declares for it
    assert response.status_code == 404 and response.json()["detail"]
    case.validate_response(response, checks=[status_code_conformance, response_schema_conformance])
