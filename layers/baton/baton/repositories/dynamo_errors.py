"""Translate DynamoDB client errors into the domain's error hierarchy."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from baton.errors import Transient

THROTTLING_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
    }
)


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def raise_if_transient(error: ClientError) -> None:
    if error_code(error) in THROTTLING_CODES:
        raise Transient("The data store is busy; retry in a moment.") from error


def cancellation_items(error: ClientError) -> list[dict[str, Any] | None]:
    """For a cancelled transaction: the ALL_OLD item of each action whose condition failed."""
    reasons = error.response.get("CancellationReasons", [])
    return [
        dict(reason["Item"]) if reason.get("Code") == "ConditionalCheckFailed" and "Item" in reason else None
        for reason in reasons
    ]


def failed_codes(error: ClientError) -> list[str]:
    reasons = error.response.get("CancellationReasons", [])
    return [str(reason.get("Code", "None")) for reason in reasons]
