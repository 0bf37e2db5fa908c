"""schemathesis against the API's own OpenAPI document, over real HTTP: no 5xx, every answer one the document
declares (status, content type, body schema), and no request the document calls valid refused as invalid, for an
engineer, a junior and a viewer.

Most examples of an operation with session, handoff or user ids in its path use real ones, made through the API
just before the call in the state the operation needs, so its 200, 201 and 409 bodies are checked too; the rest keep
schemathesis's random ids, for the 404s. The figures per role are printed in the terminal summary.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from typing import Any

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

from baton.lifecycle import RULES, Action
from tests.e2e import schemathesis_figures
from tests.e2e.conftest import Stack
from tests.e2e.schemathesis_figures import RoleFigures

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
REAL_IDS = {"session_id", "handoff_id", "user_id"}
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


@pytest.fixture(scope="module")
def acme(stack: Stack) -> Iterator[Acme]:
    resources = Acme(stack)
    yield resources
    resources.withdraw_what_is_still_open()
    resources.close()


@pytest.fixture(scope="module")
def callers(stack: Stack) -> Iterator[dict[str, tuple[dict[str, str], requests.Session]]]:
    """Each role's bearer header (a token lasts an hour) and a session that keeps its connection."""
    sessions = {email: requests.Session() for email in ROLES}
    yield {email: ({"Authorization": f"Bearer {stack.token(email)}"}, sessions[email]) for email in ROLES}
    for session in sessions.values():
        session.close()


def _checks_for(case: schemathesis.Case) -> tuple[CheckFunction, ...]:
    if case.query and "cursor" in case.query:
        # A cursor is opaque: the document gives its shape, but only a page's own X-Next-Cursor is a position.
        return tuple(check for check in CHECKS if check is not positive_data_acceptance)
    return CHECKS


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_every_answer_is_declared_and_none_is_a_server_error(
    operation: APIOperation,
    stack: Stack,
    acme: Acme,
    callers: dict[str, tuple[dict[str, str], requests.Session]],
    pytestconfig: pytest.Config,
) -> None:
    figures = {email: RoleFigures() for email in ROLES}
    problems: list[str] = []
    has_real_ids = bool(REAL_IDS & {parameter.name for parameter in operation.path_parameters})
    # Three examples in four use real ids where the path has any; the others keep random ones.
    real_ids = st.integers(0, 3).map(bool) if has_real_ids else st.just(False)

    @given(case=operation.as_strategy(), real=real_ids)
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    def call_as_each_role(case: schemathesis.Case, real: bool) -> None:
        # Given real ids in the path (in the state the operation needs) or random ones, and each role's token
        if real:
            case.path_parameters = {**(case.path_parameters or {}), **acme.path_parameters(operation)}
            if operation.path.endswith("/reassign") and isinstance(case.body, dict):
                case.body = {**case.body, "to_user_id": acme.colleague_id}
        for email in ROLES:
            # When schemathesis calls the operation with input the document calls valid
            headers, session = callers[email]
            response = case.call(base_url=stack.base_url, headers=headers, session=session)
            figures[email].cases += 1
            figures[email].statuses[response.status_code] += 1
            if real and response.status_code == 404:  # the ids were made in the callers' account just now
                problems.append(f"{email}: real ids {case.path_parameters} answered 404: {response.text}")
            # Then each check holds: no 5xx, the answer is one the document declares, valid input is not refused
            for check in _checks_for(case):
                try:
                    case.validate_response(response, checks=[check], headers=headers)
                except FailureGroup as failed:
                    figures[email].failures[check.__name__] += 1
                    problems.append(f"{email} {check.__name__}:\n{failed}")

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
