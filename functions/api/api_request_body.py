"""What the API accepts as a request body, in one place (the README's Errors section says the same):

- a body over 64 KiB is 413;
- a body is JSON when its Content-Type is `application/json` or a `+json` type (`application/problem+json`),
  in any case, with or without parameters; a body with no Content-Type, or any other, is 415;
- a JSON integer has at most 4,300 digits (Python's own bound for reading one): a longer one is 422.

Powertools then parses every admitted body as JSON: the event it sees says `application/json`, whatever
spelling the client used (it would refuse `APPLICATION/JSON` itself, with an error nothing maps).
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any, NamedTuple

from baton.domain.errors import Invalid

MAX_BODY_BYTES = 64 * 1024
MAX_INTEGER_DIGITS = 4_300
CONTENT_TYPE = "content-type"
# RFC 9110 media types: type "/" subtype, each a token; JSON is application/json or any "+json" suffix (RFC 6839).
_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_JSON_MEDIA_TYPE = re.compile(rf"application/json|{_TOKEN}/{_TOKEN}\+json", re.IGNORECASE)


class Refusal(NamedTuple):
    status: int
    detail: str


def refusal(event: dict[str, Any]) -> Refusal | None:
    """Why this request's body is refused before routing (413, 415), or None."""
    size = _size(event)
    if size > MAX_BODY_BYTES:  # before validation, which would otherwise report the field limits
        return Refusal(413, f"The request body is {size} bytes; the limit is {MAX_BODY_BYTES} bytes (64 KiB).")
    if size and not is_json(_content_type(event)):
        return Refusal(415, "Send the request body as JSON (Content-Type: application/json).")
    return None


def is_json(content_type: str | None) -> bool:
    media_type = (content_type or "").split(";", 1)[0].strip()
    return _JSON_MEDIA_TYPE.fullmatch(media_type) is not None


def as_json(event: dict[str, Any]) -> dict[str, Any]:
    """The event as Powertools must read it: an admitted body (or none) is JSON."""
    headers = {name: value for name, value in (event.get("headers") or {}).items() if name.lower() != CONTENT_TYPE}
    return {**event, "headers": {**headers, CONTENT_TYPE: "application/json"}}


def json_loads(text: str | bytes) -> Any:
    """`json.loads` with integers bounded: a longer one is a 422 that says so, never Python's ValueError (a 500)."""
    return json.loads(text, parse_int=_bounded_int)


def _bounded_int(digits: str) -> int:
    count = len(digits.lstrip("-"))
    if count > MAX_INTEGER_DIGITS:
        problem = f"a number in the body has {count:,} digits; integers may have at most {MAX_INTEGER_DIGITS:,}"
        raise Invalid(f"Invalid body: {problem}.", errors=[{"loc": ["body"], "msg": problem}])
    return int(digits)


def _size(event: dict[str, Any]) -> int:
    body = event.get("body") or ""
    return len(base64.b64decode(body)) if event.get("isBase64Encoded") else len(body.encode())


def _content_type(event: dict[str, Any]) -> str | None:
    headers = event.get("headers") or {}
    return next((str(value) for name, value in headers.items() if name.lower() == CONTENT_TYPE), None)
