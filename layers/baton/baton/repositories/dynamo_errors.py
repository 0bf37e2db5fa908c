"""Every DynamoDB call of a repository goes through `call`: AWS errors become the domain's here.

- throttling and server errors (after botocore's own retries) → `Transient` (503);
- a data store that cannot be reached (refused connection, timeout, connection dropped) → `Transient`;
- a write that met another one's transaction (`TransactionConflictException`, which botocore does
  not retry) and a transaction cancelled by a conflict or by throttling are retried with jittered
  backoff, then → `WriteConflict` (a `Transient`, counted apart from other 5xx);
- a failed condition stays a `ClientError` for the repository to explain from the old item
  (`condition_failure`), read by reason code, never by position.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as EndpointUnreachable

from baton.domain.errors import Transient, WriteConflict

THROTTLING_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionInProgressException",
    }
)
CONFLICT_WITH_A_TRANSACTION = "TransactionConflictException"
RETRYABLE_CANCELLATIONS = frozenset({"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"})
CONDITION_FAILED = "ConditionalCheckFailed"
TRANSACTION_ATTEMPTS = 4
BACKOFF_SECONDS = 0.02


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def call(operation: Callable[..., Any], sleep: Callable[[float], None] = time.sleep, **kwargs: Any) -> Any:
    """Run one DynamoDB operation with the translation above."""
    for attempt in range(TRANSACTION_ATTEMPTS):
        try:
            return operation(**kwargs)
        except (EndpointUnreachable, HTTPClientError) as error:  # after botocore's own retries
            raise Transient("The data store cannot be reached; retry in a moment.") from error
        except ClientError as error:
            if error_code(error) in THROTTLING_CODES:
                raise Transient("The data store is busy; retry in a moment.") from error
            if not _met_another_write(error):
                raise
            if attempt == TRANSACTION_ATTEMPTS - 1:
                raise WriteConflict("Someone else changed this at the same moment; retry in a moment.") from error
            sleep(random.uniform(0, BACKOFF_SECONDS * 2**attempt))  # noqa: S311 (jitter, not crypto)
    raise AssertionError("unreachable")


def condition_failure(error: ClientError) -> list[dict[str, Any] | None] | None:
    """For a write refused by its condition: the ALL_OLD item of each action (None where that action
    passed or the item did not exist). None when the error is not a refused condition."""
    code = error_code(error)
    if code == "ConditionalCheckFailedException":
        old = error.response.get("Item")
        return [dict(old) if isinstance(old, dict) else None]
    if code == "TransactionCanceledException" and CONDITION_FAILED in failed_codes(error):
        return [
            dict(reason["Item"]) if reason.get("Code") == CONDITION_FAILED and "Item" in reason else None
            for reason in error.response.get("CancellationReasons", [])
        ]
    return None


def failed_codes(error: ClientError) -> list[str]:
    reasons = error.response.get("CancellationReasons", [])
    return [str(reason.get("Code", "None")) for reason in reasons]


def _met_another_write(error: ClientError) -> bool:
    if error_code(error) == CONFLICT_WITH_A_TRANSACTION:
        return True
    if error_code(error) != "TransactionCanceledException":
        return False
    codes = set(failed_codes(error))
    return bool(codes & RETRYABLE_CANCELLATIONS) and CONDITION_FAILED not in codes
