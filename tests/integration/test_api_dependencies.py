"""How a route gets who is calling and what it works with: Powertools' `Depends` (`Caller`, `SignedIn`,
`Deps`), resolved before the route runs; what a dependency raises is answered as if the route had raised it."""

from __future__ import annotations

import inspect
from collections.abc import Iterator

import pytest

from baton.domain.models import User
from tests.integration.conftest import ApiClient

# Routes that answer people who are not members (yet): the document, and joining by invitation.
PUBLIC = {("GET", "/api/v1/openapi.json")}
NON_MEMBERS = {("GET", "/api/v1/invitations/mine"), ("POST", "/api/v1/invitations/accept")}


def test_every_route_but_the_document_takes_its_caller_from_a_dependency() -> None:
    # Given every route of the API function
    import api_handler
    from api_common import Caller
    from api_routes_account import SignedIn

    routes = api_handler.app._static_routes + api_handler.app._dynamic_routes
    assert len(routes) > 30
    for route in routes:
        key = (route.method, route.openapi_path)
        # When we read the types its function declares
        declared = [parameter.annotation for parameter in inspect.signature(route.func).parameters.values()]
        # Then a member's route takes `Caller`, an invitation route `SignedIn`, and only the document neither
        if key in PUBLIC:
            assert Caller not in declared and SignedIn not in declared, key
        else:
            assert (SignedIn if key in NON_MEMBERS else Caller) in declared, key


def test_a_request_without_a_subject_is_401_and_a_non_member_is_403(api: ApiClient) -> None:
    # Given claims without a subject, When they ask for a member's route or an invitation route, Then 401
    for path in ("/api/v1/me", "/api/v1/invitations/mine"):
        reply = api.call("GET", path, None, claims={"email": "x@example.com"})
        assert (reply.status, reply.body["detail"]) == (401, "A bearer token with a subject is required."), path
    # Given someone signed in who is no member, When they ask for a member's route, Then 403 with the same sentence
    reply = api.call("GET", "/api/v1/account/users", None, claims={"sub": "idp|nobody"})
    assert reply.status == 403
    assert reply.body["detail"] == (
        "You are signed in, but you are not a member of any baton account; ask an admin of your account for an invitation."
    )


def test_a_refused_body_is_answered_before_the_caller_is_looked_up(api: ApiClient) -> None:
    # Given someone who is no member, When they claim a handoff with a body (claim takes none)
    path = "/api/v1/ai-sessions/00000000-0000-4000-8000-000000000000/handoffs/00000000-0000-4000-8000-000000000001/claim"
    reply = api.call("POST", path, None, {"x": 1}, claims={"sub": "idp|nobody"})
    # Then the body is refused first (422), as when the route checked it before asking who was calling
    assert reply.status == 422 and "no request body" in reply.body["detail"], reply.body


def test_the_log_keys_name_the_callers_account_and_user(api: ApiClient, users: dict[str, User]) -> None:
    # Given a junior engineer, When she asks who she is
    import api_handler

    junior = users["junior@acme.test"]
    api_handler.logger.remove_keys(["account_id", "user_id"])  # whatever an earlier request left
    assert api.call("GET", "/api/v1/me", junior).status == 200
    # Then what the function logs from then on carries her account and user
    keys = api_handler.logger.get_current_keys()
    assert (keys.get("account_id"), keys.get("user_id")) == (junior.account_id, junior.id)


@pytest.fixture
def overrides() -> Iterator[dict[object, object]]:
    import api_handler

    yield api_handler.app.dependency_overrides
    api_handler.app.dependency_overrides.clear()


def test_a_test_can_swap_the_caller(api: ApiClient, users: dict[str, User], overrides: dict[object, object]) -> None:
    # Given the caller dependency swapped for a fixed user (Powertools' dependency_overrides)
    from api_common import current_caller

    senior = users["senior@acme.test"]
    # (Powertools hands an override the original's own dependencies: here `deps`)
    overrides[current_caller] = lambda **_: senior
    # When someone who is no member asks who they are, Then the API answers with the swapped-in user
    reply = api.call("GET", "/api/v1/me", None, claims={"sub": "idp|nobody"})
    assert (reply.status, reply.body["id"]) == (200, senior.id)
