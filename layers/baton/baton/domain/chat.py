"""Chat actions (DESIGN §3e): a chat user linked to a member, the buttons a chat message carries, what a click
may do, and what every copy of a handoff's message says about where it stands.

A button runs the console's own use case (the same conditional write), so the lifecycle table stays the one home
of who may do what; this module only says which of its actions a chat message offers and how a chat answers.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Literal

from baton.domain.clock import parse_iso
from baton.domain.lifecycle import RULES, Action
from baton.domain.modeling import Model
from baton.domain.models import HandoffStatus

# The chat tools whose users can link themselves and click: their connectors' names.
ChatProvider = Literal["slack", "teams"]
CHAT_PROVIDERS: tuple[ChatProvider, ...] = ("slack", "teams")
PROVIDER_TITLES: dict[ChatProvider, str] = {"slack": "Slack", "teams": "Microsoft Teams"}

# The lifecycle actions a chat message offers, in the order of its buttons (their labels are the rules' own).
CHAT_ACTIONS: tuple[Action, ...] = (Action.CLAIM, Action.RELEASE, Action.RESOLVE)
LINK_CODE_MINUTES = 10
# No 0/O, 1/I/L: a code is read off one screen and typed into another.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LINK_CODE_LENGTH = 8


def new_link_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(LINK_CODE_LENGTH))


def normalise_code(text: str) -> str:
    """What a user typed, as stored: upper case, without spaces or dashes."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


def link_code_expiry(now: datetime) -> datetime:
    return now + timedelta(minutes=LINK_CODE_MINUTES)


class LinkCode(Model):
    """A single-use code a member asked for in the console, to send to the bot: it links whoever sends it."""

    code: str
    account_id: str
    user_id: str
    provider: ChatProvider
    expires_at: str


class ChatLink(Model):
    """One chat user (their id in that tool, and the workspace or tenant it belongs to) linked to one member of
    one account. Links are per account: the same chat user may be linked in two accounts to two members."""

    account_id: str
    provider: ChatProvider
    external_id: str
    user_id: str
    linked_at: str
    workspace_id: str | None = None


class ChatMessageRef(Model):
    """One chat message posted about a handoff: where it is, so every later change updates every copy."""

    account_id: str
    handoff_id: str
    session_id: str
    provider: ChatProvider
    channel: str  # Slack's channel id; Teams' conversation id
    message_id: str  # Slack's ts; Teams' activity id
    posted_at: str
    version: int  # the handoff's version the message shows: an older event never rolls it back


class Click(Model):
    """A button pressed in a chat message (or a Resolve form submitted), as the connector read it from the
    provider's verified call."""

    provider: ChatProvider
    account_id: str
    external_id: str  # who clicked, in the chat tool
    action: Action
    session_id: str
    handoff_id: str
    notes: str | None = None  # Resolve's notes


ClickOutcome = Literal["done", "lost", "moved_on", "refused", "unlinked", "not_found"]


class ClickAnswer(Model):
    """What the clicker is told, privately or on the refreshed card: never an error trace."""

    outcome: ClickOutcome
    text: str


def offered(status: HandoffStatus) -> tuple[Action, ...]:
    """The buttons a message about a handoff in this status carries: the chat actions its rules allow from it."""
    return tuple(action for action in CHAT_ACTIONS if status in RULES[action].sources)


def label(action: Action) -> str:
    control = RULES[action].control
    return control.label if control else action.value


def button_value(session_id: str, handoff_id: str) -> str:
    """What a button carries back: the handoff it is about (its account is the hook's path)."""
    return f"{session_id}/{handoff_id}"


def parse_button_value(value: str) -> tuple[str, str] | None:
    session_id, _, handoff_id = value.partition("/")
    if not session_id or not handoff_id or "/" in handoff_id or len(value) > 100:
        return None
    return session_id, handoff_id


def hhmm(at: str | None) -> str:
    """`10:42 UTC` (the chat tools show a local time where they can: the connectors render that)."""
    if not at:
        return ""
    return parse_iso(at).strftime("%H:%M UTC")


def how_to_send(provider: ChatProvider, code: str) -> str:
    """Where a member sends their code."""
    if provider == "slack":
        return f"In Slack, send `/baton link {code}` in any channel where baton's app is."
    return f"In Microsoft Teams, send `link {code}` to the baton bot (a chat with the bot, or @baton in its channel)."


def how_to_link(provider: ChatProvider, console_url: str) -> str:
    how = "send `/baton link CODE` here" if provider == "slack" else "send `link CODE` to the baton bot"
    return (
        f"Your {PROVIDER_TITLES[provider]} user is not linked to a baton member yet: open Chat links in baton "
        f"({console_url.rstrip('/')}/#/profile/chat-links), choose “Link {PROVIDER_TITLES[provider].split()[-1]}”, then {how}."
    )
