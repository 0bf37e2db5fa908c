"""What the PSA connectors share: a note's plain text, and the small readers of their payloads."""

from __future__ import annotations

import re
from typing import Any

from baton.domain.messages import Message

_PRIORITY = re.compile(r"\b(?:P|Priority\s*)([1-4])\b", re.IGNORECASE)


def render_note(message: Message) -> dict[str, Any]:
    """A PSA note is plain text: the title, the facts, the notes, the link (each PSA posts `text` its own way)."""
    lines = [message.title, ""]
    lines += [f"{label}: {value}" for label, value in message.facts]
    lines += ["", message.notes]
    if message.link:
        lines += ["", f"{message.link_label}: {message.link}"]
    return {"text": "\n".join(lines).strip()}


def priority_label(name: str | None) -> str | None:
    """`Priority 1 - Critical`, `P2`, `1 - High` ... as baton's P1-P4, when it says one."""
    if not name:
        return None
    found = _PRIORITY.search(name) or re.match(r"^\s*([1-4])\b", name)
    return f"P{found.group(1)}" if found else None


def text_of(value: Any, limit: int) -> str:
    return str(value or "").strip()[:limit]
