"""Opaque pagination cursors: the queue index position, base64url-encoded JSON."""

from __future__ import annotations

import base64
import binascii
import json

from baton.domain.errors import Invalid

# What `encode` gives: unpadded base64url of a JSON object (whose `{"` is `eyJ`). A string of this shape is not
# yet a cursor: only a page's own X-Next-Cursor decodes to a position in the right list.
PATTERN = r"^eyJ[A-Za-z0-9_-]*$"


def encode(position: dict[str, str]) -> str:
    raw = json.dumps(position, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, required: tuple[str, ...]) -> dict[str, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        position = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError) as error:
        raise Invalid("The cursor is not valid; use the X-Next-Cursor value of the previous page.") from error
    if not isinstance(position, dict) or set(position) != set(required) or not all(isinstance(v, str) for v in position.values()):
        raise Invalid("The cursor is not valid; use the X-Next-Cursor value of the previous page.")
    return position
