"""schemathesis against the API's own OpenAPI document, over real HTTP: no 5xx, and every answer is one the
document declares (status, content type, body schema), for an engineer, a junior and a viewer."""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.schemas import APIOperation

from tests.e2e.conftest import Stack

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
ROLES = ("senior@acme.test", "junior@acme.test", "viewer@acme.test")
ANSWERS: dict[str, Counter[int]] = defaultdict(Counter)
EXAMPLES = int(os.environ.get("BATON_SCHEMATHESIS_EXAMPLES", "12"))


def _document() -> dict[str, object]:
    """The document the API function serves, built from the code (no server needed to collect the tests)."""
    import json

    import api_handler

    return dict(json.loads(api_handler.openapi().body))


schema = schemathesis.openapi.from_dict(_document())
# One test per operation, each with its own id: `schema.parametrize()` gives every operation the same node id,
# and pytest-xdist then runs only one of them.
OPERATIONS = [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_every_answer_is_declared_and_none_is_a_server_error(operation: APIOperation, stack: Stack) -> None:
    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    def call_as_each_role(case: schemathesis.Case) -> None:
        # Given each role's token, When schemathesis calls the operation with generated input,
        # Then the answer is no 5xx and matches what the document says about it
        for email in ROLES:
            headers = {"Authorization": f"Bearer {stack.token(email)}"}
            response = case.call_and_validate(base_url=stack.base_url, headers=headers, checks=CHECKS)
            ANSWERS[email][response.status_code] += 1

    call_as_each_role()


@pytest.fixture(scope="module", autouse=True)
def _report() -> Iterator[None]:
    """The figures of the run (shown with -s): calls and status codes per role."""
    yield
    for email, statuses in ANSWERS.items():
        print(f"\nschemathesis {email}: {sum(statuses.values())} calls, statuses {dict(sorted(statuses.items()))}")
