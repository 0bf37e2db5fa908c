"""Slack app mode (beside the incoming webhook): Block Kit messages with Pick Up / Release / Resolve buttons, the
Resolve form (a modal), and reading Slack's verified calls (interactivity and the `/baton` slash command).

Pure: no I/O. The Web API calls (chat.postMessage, chat.update, chat.postEphemeral, views.open) are an adapter
(baton/publishers/slack_app.py); what a click does is a use case (baton/logic/chat_actions.py).
Slack's documents: "Block Kit", "Handling user interaction" (block_actions, view_submission), "Implementing slash
commands", "Verifying requests from Slack" (v0 signatures, 5-minute window).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from pydantic import ConfigDict, Field, ValidationError

from baton.connectors.declaration import Inbound
from baton.connectors.http import HttpAnswer, InboundCall
from baton.domain import chat
from baton.domain.chat import Click
from baton.domain.clock import parse_iso
from baton.domain.lifecycle import Action
from baton.domain.messages import Message
from baton.domain.modeling import Model
from baton.domain.models import HandoffFields

ACTION_IDS: dict[Action, str] = {action: f"baton_{action.value}" for action in chat.CHAT_ACTIONS}
_ACTION_OF = {action_id: action for action, action_id in ACTION_IDS.items()}
RESOLVE_CALLBACK = "baton_resolve"
NOTES_BLOCK, NOTES_INPUT = "resolution", "notes"
STATUS_BLOCK = "baton_status"
OPEN_ACTION = "baton_open"
COMMAND = "/baton"
WINDOW_S = 5 * 60  # Slack: refuse a request whose timestamp is more than five minutes from now


CHANNEL_ID = r"^[CGD][A-Z0-9]{2,20}$"


class AppSettings(Model):
    """A Slack app's settings (`PUT /api/v1/account/connectors/slack`): the channel its messages go to."""

    model_config = ConfigDict(extra="forbid")

    channel_id: str = Field(pattern=CHANNEL_ID, description="The channel's id (its details, at the bottom), e.g. C0123456789.")


class AppSecrets(Model):
    """A Slack app's secrets: its bot token (`chat:write`, `commands`) and its signing secret."""

    model_config = ConfigDict(extra="forbid")

    bot_token: str = Field(pattern=r"^xoxb-[A-Za-z0-9-]{1,250}$", description="The Bot User OAuth Token (xoxb-...).")
    signing_secret: str = Field(min_length=8, max_length=128, description="Basic Information > App Credentials.")


class SlackSettings(Model):
    """Slack's settings as shown, in either mode: the webhook's last 4 characters, or the app's channel."""

    last4: str | None = Field(default=None, description="The webhook URL's last 4 characters (webhook mode).")
    channel_id: str | None = Field(default=None, description="The channel the app posts to (app mode).")


class SlackApp(Model):
    """One account's Slack app: the channel its messages go to, its bot token and its signing secret."""

    channel_id: str
    bot_token: str
    signing_secret: str

    @classmethod
    def of(cls, settings: Mapping[str, Any], secrets: Mapping[str, str]) -> SlackApp:
        """From the connector's stored settings and secrets (empty where one is missing)."""
        return cls(
            channel_id=str(settings.get("channel_id", "")),
            bot_token=secrets.get("bot_token", ""),
            signing_secret=secrets.get("signing_secret", ""),
        )


# --- what a message says ------------------------------------------------------------------------------
def _slack_time(at: str) -> str:
    """A time every reader sees in their own zone (Slack's date formatting), with UTC for clients that cannot."""
    epoch = int(parse_iso(at).timestamp())
    return f"<!date^{epoch}^{{time}}|{chat.hhmm(at)}>"


def status_text(handoff: HandoffFields) -> str:
    """Where the handoff stands, one line: what every copy of its message says after each change."""
    if handoff.status == "claimed":
        at = f" at {_slack_time(handoff.claimed_at)}" if handoff.claimed_at else ""
        return f":raising_hand: *Picked up by {_text(handoff.claimed_by_name or 'someone')}*{at}"
    if handoff.status == "resolved":
        at = f" at {_slack_time(handoff.resolved_at)}" if handoff.resolved_at else ""
        return f":white_check_mark: *Resolved*{at}"
    if handoff.status == "withdrawn":
        return ":leftwards_arrow_with_hook: *Withdrawn* by the engineer who handed it off"
    if handoff.version > 1:
        return ":inbox_tray: *Back in the queue*: waiting for a senior"
    return ":inbox_tray: *In the queue*: waiting for a senior"


def _text(text: str) -> str:
    """Slack's mrkdwn reads &, < and > as markup: escape them (Slack's "Formatting text" guide)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def message_blocks(message: Message) -> list[dict[str, Any]]:
    """A message's header, facts (as fields) and notes: what the webhook's message and the app's have in common."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": message.title[:150], "emoji": False}}
    ]
    if message.facts:
        fields = [{"type": "mrkdwn", "text": f"*{label}*\n{_text(value)}"} for label, value in message.facts[:10]]
        blocks.append({"type": "section", "fields": fields})
    blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"*Notes*\n{_text(message.notes)}"}})
    return blocks


def card(message: Message, handoff: HandoffFields) -> dict[str, Any]:
    """chat.postMessage / chat.update arguments (less the channel): the webhook message's blocks, where the handoff
    stands, and the buttons its status allows (each carries the handoff it is about)."""
    blocks = message_blocks(message)
    blocks.append({"type": "section", "block_id": STATUS_BLOCK, "text": {"type": "mrkdwn", "text": status_text(handoff)}})
    elements: list[dict[str, Any]] = []
    value = chat.button_value(handoff.session_id, handoff.id)
    for action in chat.offered(handoff.status):
        button: dict[str, Any] = {
            "type": "button",
            "action_id": ACTION_IDS[action],
            "text": {"type": "plain_text", "text": chat.label(action)},
            "value": value,
        }
        if action is Action.CLAIM:
            button["style"] = "primary"
        elements.append(button)
    if message.link:
        elements.append(
            {
                "type": "button",
                "action_id": OPEN_ACTION,
                "text": {"type": "plain_text", "text": "Open in baton"},
                "url": message.link,
            }
        )
    if elements:
        blocks.append({"type": "actions", "block_id": "baton_actions", "elements": elements})
    return {"text": f"{message.title} ({status_text(handoff)})", "blocks": blocks}


def resolve_modal(session_id: str, handoff_id: str) -> dict[str, Any]:
    """The Resolve form (views.open): the resolution notes, then the same use case as the console's Resolve."""
    return {
        "type": "modal",
        "callback_id": RESOLVE_CALLBACK,
        "private_metadata": chat.button_value(session_id, handoff_id),
        "title": {"type": "plain_text", "text": "Resolve"},
        "submit": {"type": "plain_text", "text": "Mark resolved"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": NOTES_BLOCK,
                "label": {"type": "plain_text", "text": "Resolution notes"},
                "element": {"type": "plain_text_input", "action_id": NOTES_INPUT, "multiline": True, "max_length": 3000},
                "optional": True,
            }
        ],
    }


# --- what Slack sent --------------------------------------------------------------------------------------
class OpenResolve(Model):
    """Resolve was pressed: the form opens first (nothing changes until it is submitted)."""

    account_id: str
    external_id: str
    session_id: str
    handoff_id: str
    trigger_id: str


class LinkCommand(Model):
    """`/baton link CODE`: link the sender to the member who asked for the code."""

    account_id: str
    external_id: str
    workspace_id: str | None
    code: str


class Where(Model):
    """Where the click happened: the channel an ephemeral answer goes to."""

    channel: str | None = None
    message_ts: str | None = None


SlackIntent = Click | OpenResolve | LinkCommand


class Unreadable(Exception):
    """A verified call baton does not act on (another kind of interaction, a command it does not know)."""

    def __init__(self, reply: str) -> None:
        super().__init__(reply)
        self.reply = reply


HELP = "baton understands `/baton link CODE` (the code from your baton profile's “Link Slack”)."


def read(account_id: str, body: bytes) -> tuple[SlackIntent, Where]:
    """A verified call: a button, the Resolve form, or the slash command. `Unreadable` for anything else."""
    form = {key: values[0] for key, values in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}
    if "payload" in form:
        return _interaction(account_id, form["payload"])
    if form.get("command") == COMMAND:
        return _command(account_id, form), Where(channel=form.get("channel_id"))
    raise Unreadable(HELP)


def _interaction(account_id: str, raw: str) -> tuple[SlackIntent, Where]:
    try:
        payload = json.loads(raw)
        kind = payload["type"]
        user = str(payload["user"]["id"])
    except (ValueError, KeyError, TypeError):
        raise Unreadable("baton could not read that interaction.") from None
    if kind == "block_actions":
        return _button(account_id, user, payload)
    if kind == "view_submission" and payload.get("view", {}).get("callback_id") == RESOLVE_CALLBACK:
        view = payload["view"]
        target = chat.parse_button_value(str(view.get("private_metadata", "")))
        if target is None:
            raise Unreadable("baton could not tell which handoff that form was about.")
        notes = view.get("state", {}).get("values", {}).get(NOTES_BLOCK, {}).get(NOTES_INPUT, {}).get("value") or ""
        click = _click(account_id, user, Action.RESOLVE, target, notes=str(notes))
        return click, Where()
    raise Unreadable("baton does not act on that kind of interaction.")


def _button(account_id: str, user: str, payload: dict[str, Any]) -> tuple[SlackIntent, Where]:
    actions = payload.get("actions") or []
    pressed = actions[0] if actions and isinstance(actions[0], dict) else {}
    if pressed.get("action_id") == OPEN_ACTION:
        raise Unreadable("")  # the link button: Slack tells the app of the press too; the browser does the rest
    action = _ACTION_OF.get(str(pressed.get("action_id", "")))
    target = chat.parse_button_value(str(pressed.get("value", "")))
    if action is None or target is None:
        raise Unreadable("baton does not act on that button.")
    where = Where(
        channel=(payload.get("channel") or {}).get("id") or (payload.get("container") or {}).get("channel_id"),
        message_ts=(payload.get("container") or {}).get("message_ts"),
    )
    if action is Action.RESOLVE:
        opened = OpenResolve(
            account_id=account_id,
            external_id=user,
            session_id=target[0],
            handoff_id=target[1],
            trigger_id=str(payload.get("trigger_id", "")),
        )
        return opened, where
    return _click(account_id, user, action, target), where


def _click(account_id: str, user: str, action: Action, target: tuple[str, str], notes: str | None = None) -> Click:
    try:
        return Click(
            provider="slack",
            account_id=account_id,
            external_id=user,
            action=action,
            session_id=target[0],
            handoff_id=target[1],
            notes=notes,
        )
    except ValidationError:
        raise Unreadable("baton could not read that interaction.") from None


def _command(account_id: str, form: Mapping[str, str]) -> LinkCommand:
    words = form.get("text", "").split()
    if len(words) != 2 or words[0].lower() != "link" or not form.get("user_id"):
        raise Unreadable(HELP)
    return LinkCommand(
        account_id=account_id,
        external_id=form["user_id"],
        workspace_id=form.get("team_id") or None,
        code=chat.normalise_code(words[1]),
    )


def ephemeral_reply(text: str) -> dict[str, Any]:
    """A slash command's own answer: only the sender sees it."""
    return {"response_type": "ephemeral", "text": text}


# --- is it Slack -----------------------------------------------------------------------------------------
def verify(headers: Mapping[str, str], body: bytes, secret: str, now: datetime) -> bool:
    """`X-Slack-Signature` v0 over `v0:<timestamp>:<body>` with the app's signing secret (HMAC-SHA256, compared in
    constant time), and the timestamp within five minutes of now: Slack's "Verifying requests from Slack" recipe,
    as slack_sdk's `SignatureVerifier` does it, in the standard library (as the PSA connectors' signatures), so the
    connectors stay pure and only the functions that call Slack's Web API need slack_sdk (layers/slack)."""
    lowered = {key.lower(): value for key, value in headers.items()}
    timestamp, signature = lowered.get("x-slack-request-timestamp"), lowered.get("x-slack-signature")
    if not timestamp or not signature or not secret:
        return False
    try:
        if abs(now.timestamp() - int(timestamp)) > WINDOW_S:
            return False
    except ValueError:  # a timestamp that is not a number
        return False
    signed = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.encode())


def replay_key(headers: Mapping[str, str]) -> str:
    """What makes a call the same call: its timestamp and signature (a replay repeats both)."""
    lowered = {key.lower(): value for key, value in headers.items()}
    return f"{lowered.get('x-slack-request-timestamp', '')}:{lowered.get('x-slack-signature', '')}"


# --- the connector's inbound steps (functions/hooks runs them; logic/chat_inbound.py acts) -----------------------
class SlackCall(Model):
    """What a verified call from Slack asks: a button, the Resolve form or the slash command (`inbound`), where it
    happened, or only a sentence to answer (`reply`: something baton does not act on)."""

    inbound: Click | OpenResolve | LinkCommand | None = None
    where: Where = Where.model_construct()  # no validator built at import for a default
    reply: str = ""


def _verify(call: InboundCall, secrets: Mapping[str, str], key: bytes | None, now: datetime) -> bool:
    return verify(call.headers, call.body, secrets.get("signing_secret", ""), now)


def _delivery_id(call: InboundCall) -> str | None:
    return replay_key(call.headers)


def _interpret(call: InboundCall, settings: Mapping[str, Any]) -> SlackCall:
    try:
        inbound, where = read(call.account_id, call.body)
    except Unreadable as unreadable:
        return SlackCall(reply=unreadable.reply)
    return SlackCall(inbound=inbound, where=where)


def _answer(result: object | None) -> HttpAnswer:
    """Slack shows a slash command's JSON answer to its sender, and a form's `errors` in the form; an interaction
    needs only a 200 within 3 s."""
    if isinstance(result, dict):
        return HttpAnswer.of_json(200, result)
    return HttpAnswer(200)


INBOUND = Inbound(verify=_verify, delivery_id=_delivery_id, interpret=_interpret, answer=_answer)
