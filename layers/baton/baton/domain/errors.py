"""One error hierarchy for the whole domain; each handler maps it to its protocol in one place."""

from __future__ import annotations

from typing import Any


class BatonError(Exception):
    """Base of every expected failure. `detail` is a sentence safe to show a client."""

    status_code = 400

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class Invalid(BatonError):
    status_code = 422


class Unauthorized(BatonError):
    status_code = 401


class Forbidden(BatonError):
    status_code = 403


class NotFound(BatonError):
    status_code = 404


class Conflict(BatonError):
    status_code = 409


class Gone(BatonError):
    """The resource existed but can no longer be used (a revoked or expired invitation)."""

    status_code = 410


class Transient(BatonError):
    """A dependency failed in a way a retry may fix (throttling, a timeout)."""

    status_code = 503


class WriteConflict(Transient):
    """A write met another one's on the same items at the same moment, and kept meeting it through the retries: the
    caller retries (503). The API working as designed, so the 5xx alarm leaves it out (it is counted apart)."""
