"""HTTP as data: what a connector asks to send (`HttpRequest`), what came back (`HttpReply`), and what baton answers a
provider's call (`InboundCall` in, `HttpAnswer` out). Connectors build and read these without doing I/O; the
transport (baton/publishers/provider_http.py) and the hooks function (functions/hooks) carry them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

NO_ENTRIES: Mapping[str, str] = MappingProxyType({})  # no headers, no query: one shared, read-only, empty mapping


class HttpRequest(NamedTuple):
    """One call to a provider's API. `url` is absolute (the connector joins its base from the account's settings)."""

    method: str
    url: str
    headers: Mapping[str, str] = NO_ENTRIES
    json_body: Any = None
    form: Mapping[str, str] | None = None  # an application/x-www-form-urlencoded body (OAuth token requests)
    query: Mapping[str, str] = NO_ENTRIES


class HttpReply(NamedTuple):
    """The provider's answer, or none (`status` None and `error` says why: timeout, refused, TLS)."""

    status: int | None
    body: str = ""
    headers: Mapping[str, str] = NO_ENTRIES  # lower-case names
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def json(self) -> Any:
        """The body as JSON; None when it is not JSON."""
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None


class InboundCall(NamedTuple):
    """A call a provider made to `POST /hooks/<name>/<account_id>`: the raw body (signatures are over its bytes),
    the headers with lower-case names, the query string's parameters."""

    account_id: str
    headers: Mapping[str, str]
    body: bytes
    query: Mapping[str, str] = NO_ENTRIES

    def json(self) -> Any:
        """The body as JSON; None when it is not JSON."""
        try:
            return json.loads(self.body) if self.body else None
        except (ValueError, UnicodeDecodeError):
            return None


class HttpAnswer(NamedTuple):
    """What baton answers the provider: a status, headers and a body (chat providers show the body to the clicker)."""

    status: int
    body: str = ""
    headers: Mapping[str, str] = NO_ENTRIES

    @staticmethod
    def of_json(status: int, document: Any) -> HttpAnswer:
        return HttpAnswer(status, json.dumps(document), {"Content-Type": "application/json"})

    @staticmethod
    def detail(status: int, sentence: str) -> HttpAnswer:
        return HttpAnswer.of_json(status, {"detail": sentence})
