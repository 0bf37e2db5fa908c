"""The product's own JSON is stored faithfully or refused up front with a clear 4xx, never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api_request_body import MAX_BODY_BYTES, MAX_INTEGER_DIGITS
from baton.domain.models import User
from tests.integration.conftest import ApiClient
from tests.json_strategies import json_documents, refusal

SESSION = {"intake_type": "ticket", "intake_content": {}}


@pytest.mark.parametrize(
    "content",
    [
        {"": "an empty key", "ratio": 0.1, "tiny": 5e-324, "huge": 1.7976931348623157e308},
        {"big": 10**40, "negative": -(10**39), "pi": 3.141592653589793},
        {"unicode": "Ünïcödé ✓ 日本語 \u0000 \U0001f600", "nested": {"a": [[{"": []}]]}},
        {"long": list(range(2_000))},
    ],
)
def test_json_the_product_sends_comes_back_as_it_was_sent(api: ApiClient, users: dict[str, User], content: Any) -> None:
    junior = users["junior@acme.test"]
    created = api.call("POST", "/api/v1/ai-sessions", junior, {**SESSION, "intake_content": content})
    assert created.status == 201, created.body
    read = api.call("GET", f"/api/v1/ai-sessions/{created.body['id']}", junior)
    assert read.body["intake_content"] == content


@given(content=json_documents)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_json_document_round_trips_or_is_refused_up_front(
    api: ApiClient, users: dict[str, User], content: dict[str, Any]
) -> None:
    # When a junior creates a session with any JSON document
    junior = users["junior@acme.test"]
    created = api.call("POST", "/api/v1/ai-sessions", junior, {**SESSION, "intake_content": content})
    # Then it is refused with a 422 that says why (a lone surrogate, too deep), or read back exactly as sent
    if (reason := refusal(content)) is not None:
        assert created.status == 422 and reason in created.body["detail"], created.body
        return
    assert created.status == 201, created.body
    assert api.call("GET", f"/api/v1/ai-sessions/{created.body['id']}", junior).body["intake_content"] == content


@pytest.mark.parametrize(
    ("raw", "status", "detail"),
    [
        (b'{"intake_type": "ticket", "intake_content": {"x": NaN}}', 422, "finite"),
        (b'{"intake_type": "ticket", "intake_content": {"x": 1e400}}', 422, "finite"),
        (b'{"intake_type": "ticket", "intake_content": ' + b'{"a":' * 40 + b"1" + b"}" * 40 + b"}", 422, "nested"),
        (b'{"intake_type": "ticket", "intake_content": ' + b"[" * 20_000 + b"]" * 20_000 + b"}", 400, "nested"),
        (b'{"intake_type": "ticket", "intake_content": {"x": "\\ud800"}}', 422, "lone surrogate"),
        (b'{"intake_type": "ticket", "intake_content": {"\\udfff": [1]}}', 422, "lone surrogate"),
        (b'{"intake_type": "ticket", "intake_content": {}, "subject": "a\\ud800b"}', 422, "lone surrogate"),
    ],
    ids=[
        "NaN",
        "a number too large for a double",
        "nested 40 deep",
        "nested 20,000 deep",
        "a lone surrogate in a value",
        "a lone surrogate in a key",
        "a lone surrogate in a field",
    ],
)
def test_json_that_cannot_round_trip_is_refused_with_a_detail(
    api: ApiClient, users: dict[str, User], raw: bytes, status: int, detail: str
) -> None:
    reply = api.call("POST", "/api/v1/ai-sessions", users["junior@acme.test"], raw_body=raw)
    assert reply.status == status and detail in reply.body["detail"], reply.body


WRAPPER = b'{"intake_type": "ticket", "intake_content": {"n": [%s]}}'
# Every digit count the 64 KiB body limit lets through, with the bound and the small sizes weighted in.
DIGIT_COUNTS = st.one_of(
    st.integers(1, 500),
    st.integers(MAX_INTEGER_DIGITS - 50, MAX_INTEGER_DIGITS + 50),
    st.integers(1, MAX_BODY_BYTES - len(WRAPPER)),
)


def _integer(digits: int, sign: str) -> bytes:
    return (sign + ("1234567890" * (digits // 10 + 1))[:digits]).encode()


@given(digits=DIGIT_COUNTS, sign=st.sampled_from(["", "-"]))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_an_integer_of_any_length_the_body_allows_round_trips_or_is_a_422(
    api: ApiClient, users: dict[str, User], digits: int, sign: str
) -> None:
    # Given an integer of `digits` digits in the product's JSON, in a body within the 64 KiB limit
    raw = WRAPPER % _integer(digits, sign)
    junior = users["junior@acme.test"]
    # When a junior sends it
    created = api.call("POST", "/api/v1/ai-sessions", junior, raw_body=raw)
    # Then up to the bound it is stored and read back intact; past it, a 422 names the bound (never a 500)
    if digits > MAX_INTEGER_DIGITS:
        assert created.status == 422 and f"at most {MAX_INTEGER_DIGITS:,}" in created.body["detail"], created.body
        assert created.body["errors"][0]["loc"] == ["body"]
        return
    assert created.status == 201, created.body
    read = api.call("GET", f"/api/v1/ai-sessions/{created.body['id']}", junior)
    assert read.body["intake_content"] == {"n": [int(_integer(digits, sign))]}


@pytest.mark.parametrize("digits", [400, MAX_INTEGER_DIGITS, MAX_INTEGER_DIGITS + 1, 4_301, 60_000])
def test_the_integer_bound_at_its_edges(api: ApiClient, users: dict[str, User], digits: int) -> None:
    # Given the red team's sizes: 400 digits round-trips, more than 4,300 was a 500 (Python's int-string limit)
    junior = users["junior@acme.test"]
    created = api.call("POST", "/api/v1/ai-sessions", junior, raw_body=WRAPPER % _integer(digits, ""))
    expected = 201 if digits <= MAX_INTEGER_DIGITS else 422
    assert created.status == expected, created.body
    # And a typed field is held to the same bound before its own rules
    owner = users["owner@acme.test"]
    policy = b'{"remind_after_s": %s, "escalate_after_s": 900, "repeat_every_s": 900}' % _integer(digits, "")
    assert api.call("PUT", "/api/v1/account/policy", owner, raw_body=policy).status == 422


@pytest.mark.parametrize(
    "body",
    [
        {"notify_email": "yes"},
        {"notify_email": 1},
        {"role": "Admin"},
        {},
        {"role": None},
        {"role": None, "notify_email": False},
    ],
    ids=["yes", "one", "Admin", "nothing to change", "null role", "null beside a change"],
)
def test_user_patches_are_not_coerced(api: ApiClient, users: dict[str, User], body: dict[str, Any]) -> None:
    reply = api.call("PATCH", f"/api/v1/account/users/{users['senior@acme.test'].id}", users["owner@acme.test"], body)
    assert reply.status == 422 and reply.body["detail"], reply.body
    assert api.call("GET", "/api/v1/me", users["senior@acme.test"]).body["notify_email"] is True


def test_the_document_says_a_user_patch_changes_something_and_never_sends_null(api: ApiClient) -> None:
    # Given the OpenAPI document, When we read the user patch's schema
    schema = api.call("GET", "/api/v1/openapi.json", None).body["components"]["schemas"]["UserPatch"]
    # Then `{}` and nulls are invalid by the schema too, as the server refuses them
    assert schema["minProperties"] == 1 and schema["additionalProperties"] is False
    assert all("null" not in json.dumps(field) for field in schema["properties"].values())


def test_labels_are_the_products_own_words_but_bounded(api: ApiClient, users: dict[str, User]) -> None:
    junior = users["junior@acme.test"]
    ok = {"session_type": "guided", "intake_type": "free_text", "confidence_tier": "discovery", "intake_content": {}}
    assert api.call("POST", "/api/v1/ai-sessions", junior, ok).status == 201
    for bad in ({"confidence_tier": "Very High"}, {"intake_type": "x" * 33}, {"session_type": " "}, {"priority": "P5"}):
        reply = api.call("POST", "/api/v1/ai-sessions", junior, {**ok, **bad})
        assert reply.status == 422 and reply.body["detail"], (bad, reply.body)
    json.dumps(ok)
