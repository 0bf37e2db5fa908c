"""AWS errors become the domain's in one place: throttles and transaction conflicts are retried, then 503."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError, ReadTimeoutError

from baton.domain.errors import Transient
from baton.repositories.dynamo_errors import TRANSACTION_ATTEMPTS, call, condition_failure


def _error(code: str, reasons: list[dict[str, Any]] | None = None) -> ClientError:
    response: dict[str, Any] = {"Error": {"Code": code, "Message": "x"}}
    if reasons is not None:
        response["CancellationReasons"] = reasons
    return ClientError(response, "TransactWriteItems")  # type: ignore[arg-type]


class Flaky:
    """Fails with the given errors, then answers."""

    def __init__(self, *errors: ClientError) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self, **_: Any) -> dict[str, str]:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return {"ok": "yes"}


CONFLICTS = {
    "transaction cancelled by another": lambda: _error(
        "TransactionCanceledException", [{"Code": "None"}, {"Code": "TransactionConflict"}]
    ),
    "write met a transaction": lambda: _error("TransactionConflictException"),  # botocore does not retry this one
}


@pytest.mark.parametrize("conflict_kind", CONFLICTS)
def test_a_transaction_conflict_is_retried_and_then_succeeds(conflict_kind: str) -> None:
    conflict = CONFLICTS[conflict_kind]()
    operation, waits = Flaky(conflict, conflict), []
    assert call(operation, sleep=waits.append) == {"ok": "yes"}
    assert operation.calls == 3 and len(waits) == 2


@pytest.mark.parametrize("conflict_kind", CONFLICTS)
def test_a_conflict_that_outlasts_the_retries_is_a_503_with_a_detail(conflict_kind: str) -> None:
    conflict = CONFLICTS[conflict_kind]()
    operation = Flaky(*[conflict] * TRANSACTION_ATTEMPTS)
    with pytest.raises(Transient, match="retry") as raised:
        call(operation, sleep=lambda _: None)
    assert raised.value.status_code == 503 and operation.calls == TRANSACTION_ATTEMPTS


@pytest.mark.parametrize("code", ["ProvisionedThroughputExceededException", "ThrottlingException", "InternalServerError"])
def test_throttling_after_botocores_own_retries_is_a_503(code: str) -> None:
    with pytest.raises(Transient):
        call(Flaky(_error(code)))


@pytest.mark.parametrize(
    "failure",
    [
        EndpointConnectionError(endpoint_url="http://127.0.0.1:1"),
        ReadTimeoutError(endpoint_url="http://127.0.0.1:1"),
        ConnectionClosedError(endpoint_url="http://127.0.0.1:1"),
    ],
    ids=["refused", "read timeout", "dropped"],
)
def test_a_data_store_that_cannot_be_reached_is_a_503(failure: Exception) -> None:
    def unreachable(**_: Any) -> None:
        raise failure

    with pytest.raises(Transient, match="cannot be reached"):
        call(unreachable)


def test_a_refused_condition_stays_an_error_for_the_repository_to_explain() -> None:
    refused = _error(
        "TransactionCanceledException",
        [{"Code": "ConditionalCheckFailed", "Item": {"sk": {"S": "HANDOFF#1"}}}, {"Code": "TransactionConflict"}],
    )
    with pytest.raises(ClientError) as raised:
        call(Flaky(refused))
    assert condition_failure(raised.value) == [{"sk": {"S": "HANDOFF#1"}}, None]
    assert condition_failure(_error("ValidationException")) is None
