"""Teams bot mode (beside Workflows webhooks): Adaptive Cards 1.5 with `Action.Execute` Pick Up / Release /
Resolve, reading the Bot Framework's activities (an `adaptiveCard/action` invoke, a message to the bot), the invoke's
answer (the refreshed card), and the Bot Framework's token check.

Pure: no I/O. The keys the token is checked with come from the Bot Connector's OpenID metadata (its `jwks_uri`),
fetched by the adapter (baton/publishers/bot_connector.py); the proactive updates of the other copies go through the
Bot Connector REST API from the chat consumer. Microsoft's documents: "Authentication with the Bot Connector API"
(issuer `https://api.botframework.com`, audience = the bot's app id, the `serviceUrl` claim, the keys' endorsements),
"Universal Actions for Adaptive Cards" (the invoke and its response).

The token check uses PyJWT directly, not the Microsoft 365 Agents SDK's `JwtTokenValidator`: that one reads its keys
from fixed Microsoft hosts (no stand-in can be put behind it by configuration) and does not compare the `serviceUrl`
claim with the activity's; the SDK's activity models would bring its hosting stack into every function.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from pydantic import ConfigDict, Field

if TYPE_CHECKING:
    from jwt import PyJWS

from baton.connectors.declaration import Inbound
from baton.connectors.http import HttpAnswer, InboundCall
from baton.domain import chat
from baton.domain.chat import Click
from baton.domain.clock import parse_iso
from baton.domain.lifecycle import Action
from baton.domain.messages import Message
from baton.domain.modeling import Model
from baton.domain.models import HandoffFields

ISSUER = "https://api.botframework.com"
CHANNEL = "msteams"
LEEWAY_S = 300  # the Bot Framework allows five minutes of clock skew
VERBS: dict[Action, str] = {action: f"baton_{action.value}" for action in chat.CHAT_ACTIONS}
_ACTION_OF = {verb: action for action, verb in VERBS.items()}
NOTES_INPUT = "resolution_notes"
CARD_TYPE = "application/vnd.microsoft.card.adaptive"
MESSAGE_TYPE = "application/vnd.microsoft.activity.message"


DEFAULT_METADATA_URL = "https://login.botframework.com/v1/.well-known/openidconfiguration"


class BotSettings(Model):
    """A Teams bot's settings (`PUT /api/v1/account/connectors/teams`): its Entra tenant, the Bot Connector's service
    URL, the conversation (channel) its cards go to, and where the Bot Framework's keys are published."""

    model_config = ConfigDict(extra="forbid")

    tenant_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9.-]*$")
    service_url: str = Field(pattern=r"^https://", max_length=300, description="e.g. https://smba.trafficmanager.net/emea/")
    conversation_id: str = Field(min_length=1, max_length=300, description="The channel's id, 19:...@thread.tacv2")
    openid_metadata_url: str = Field(default=DEFAULT_METADATA_URL, pattern=r"^https://", max_length=300)


class BotSecrets(Model):
    """A Teams bot's secrets: its Entra app registration's id and client secret."""

    model_config = ConfigDict(extra="forbid")

    app_id: str = Field(min_length=1, max_length=64)
    app_password: str = Field(min_length=1, max_length=256)


class TeamsSettings(Model):
    """Teams' settings as shown, in either mode: the webhook's last 4 characters, or the bot's conversation."""

    last4: str | None = Field(default=None, description="The webhook URL's last 4 characters (webhook mode).")
    tenant_id: str | None = None
    service_url: str | None = None
    conversation_id: str | None = None
    openid_metadata_url: str | None = None


class TeamsBot(Model):
    """One account's bot: its tenant, the Bot Connector service URL and the conversation its cards go to, its app id
    and password (Entra app registration, single tenant)."""

    tenant_id: str
    service_url: str
    conversation_id: str
    app_id: str
    app_password: str

    @classmethod
    def of(cls, settings: Mapping[str, Any], secrets: Mapping[str, str]) -> TeamsBot:
        """From the connector's stored settings and secrets (empty where one is missing)."""
        return cls(
            tenant_id=str(settings.get("tenant_id", "")),
            service_url=str(settings.get("service_url", "")),
            conversation_id=str(settings.get("conversation_id", "")),
            app_id=secrets.get("app_id", ""),
            app_password=secrets.get("app_password", ""),
        )


# --- the card -------------------------------------------------------------------------------------------
def _card_time(at: str) -> str:
    """Adaptive Cards show `{{TIME(...)}}` in the reader's own zone (it takes seconds, no fraction, and a Z)."""
    return "{{TIME(" + parse_iso(at).strftime("%Y-%m-%dT%H:%M:%SZ") + ")}}"


def status_text(handoff: HandoffFields) -> str:
    if handoff.status == "claimed":
        at = f" at {_card_time(handoff.claimed_at)}" if handoff.claimed_at else ""
        return f"Picked up by {handoff.claimed_by_name or 'someone'}{at}"
    if handoff.status == "resolved":
        return f"Resolved at {_card_time(handoff.resolved_at)}" if handoff.resolved_at else "Resolved"
    if handoff.status == "withdrawn":
        return "Withdrawn by the engineer who handed it off"
    return "Back in the queue: waiting for a senior" if handoff.version > 1 else "In the queue: waiting for a senior"


def card(message: Message, handoff: HandoffFields, note: str | None = None) -> dict[str, Any]:
    """The Adaptive Card: the facts, where the handoff stands, the buttons its status allows (Resolve shows a form
    for the notes), the console link; `note` is a line for the one who clicked (the refreshed card they get)."""
    data: dict[str, Any] = {"session_id": handoff.session_id, "handoff_id": handoff.id}
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": message.title, "weight": "Bolder", "size": "Medium", "wrap": True, "color": message.accent},
        {"type": "FactSet", "facts": [{"title": label, "value": value} for label, value in message.facts]},
        {"type": "TextBlock", "text": "Notes", "weight": "Bolder", "spacing": "Medium"},
        {"type": "TextBlock", "text": message.notes, "wrap": True},
        {
            "type": "TextBlock",
            "id": "status",
            "text": status_text(handoff),
            "weight": "Bolder",
            "wrap": True,
            "spacing": "Medium",
        },
    ]
    if note:
        body.append({"type": "TextBlock", "text": note, "wrap": True, "isSubtle": True, "color": "Accent"})
    actions: list[dict[str, Any]] = []
    for action in chat.offered(handoff.status):
        if action is Action.RESOLVE:
            form: dict[str, Any] = {
                "type": "AdaptiveCard",
                "body": [
                    {"type": "Input.Text", "id": NOTES_INPUT, "label": "Resolution notes", "isMultiline": True, "maxLength": 4000}
                ],
                "actions": [{"type": "Action.Execute", "title": "Mark resolved", "verb": VERBS[action], "data": data}],
            }
            actions.append({"type": "Action.ShowCard", "title": chat.label(action), "card": form})
        else:
            execute: dict[str, Any] = {"type": "Action.Execute", "title": chat.label(action), "verb": VERBS[action], "data": data}
            if action is Action.CLAIM:
                execute["style"] = "positive"
            actions.append(execute)
    if message.link:
        actions.append({"type": "Action.OpenUrl", "title": "Open in baton", "url": message.link})
    return {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": body,
        "actions": actions,
    }


def activity(card_body: dict[str, Any]) -> dict[str, Any]:
    """A message activity carrying the card (Bot Connector: POST/PUT …/conversations/{id}/activities)."""
    return {"type": "message", "attachments": [{"contentType": CARD_TYPE, "content": card_body}]}


def text_activity(text: str) -> dict[str, Any]:
    return {"type": "message", "text": text, "textFormat": "plain"}


def invoke_card(card_body: dict[str, Any]) -> dict[str, Any]:
    """The answer to an `adaptiveCard/action` invoke: the refreshed card, for the one who clicked."""
    return {"statusCode": 200, "type": CARD_TYPE, "value": card_body}


def invoke_message(text: str) -> dict[str, Any]:
    return {"statusCode": 200, "type": MESSAGE_TYPE, "value": text}


# --- what Teams sent --------------------------------------------------------------------------------------
class LinkMessage(Model):
    """`link CODE` sent to the bot."""

    account_id: str
    external_id: str
    workspace_id: str | None
    code: str
    conversation_id: str
    service_url: str
    activity_id: str


class Unreadable(Exception):
    def __init__(self, reply: str) -> None:
        super().__init__(reply)
        self.reply = reply


HELP = "baton understands `link CODE` (the code from your baton profile's “Link Teams”)."
_MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)


def read(account_id: str, body: bytes) -> Click | LinkMessage:
    """A verified activity: a card's button (an invoke) or a message to the bot. `Unreadable` for anything else."""
    try:
        document = json.loads(body)
        kind = document["type"]
        sender = str(document["from"].get("aadObjectId") or document["from"]["id"])
    except (ValueError, KeyError, TypeError, AttributeError):
        raise Unreadable("baton could not read that activity.") from None
    if kind == "invoke" and document.get("name") == "adaptiveCard/action":
        return _invoke(account_id, sender, document)
    if kind == "message":
        words = _MENTION.sub(" ", str(document.get("text") or "")).split()
        if len(words) == 2 and words[0].lower() == "link":
            return LinkMessage(
                account_id=account_id,
                external_id=sender,
                workspace_id=((document.get("conversation") or {}).get("tenantId") or None),
                code=chat.normalise_code(words[1]),
                conversation_id=str((document.get("conversation") or {}).get("id", "")),
                service_url=str(document.get("serviceUrl", "")),
                activity_id=str(document.get("id", "")),
            )
    raise Unreadable(HELP)


def _invoke(account_id: str, sender: str, document: dict[str, Any]) -> Click:
    action_value = (document.get("value") or {}).get("action") or {}
    action = _ACTION_OF.get(str(action_value.get("verb", "")))
    data = action_value.get("data") or {}
    session_id, handoff_id = str(data.get("session_id", "")), str(data.get("handoff_id", ""))
    if action is None or not session_id or not handoff_id or len(session_id) > 64 or len(handoff_id) > 64:
        raise Unreadable("baton does not act on that button.")
    notes = data.get(NOTES_INPUT)
    return Click(
        provider="teams",
        account_id=account_id,
        external_id=sender,
        action=action,
        session_id=session_id,
        handoff_id=handoff_id,
        notes=str(notes) if isinstance(notes, str) else None,
    )


def service_url_of(body: bytes) -> str | None:
    try:
        value = json.loads(body).get("serviceUrl")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def activity_id_of(body: bytes) -> str | None:
    """The activity's id: a replayed activity (the same id) does nothing the second time."""
    try:
        value = json.loads(body).get("id")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) and value else None


# --- is it the Bot Framework -------------------------------------------------------------------------------
@cache
def _signatures() -> PyJWS:
    """PyJWT parses the token and checks its algorithm against the list; the RS256 signature itself is checked in the
    standard library (connectors/rs256.py), which keeps `cryptography` out of the Lambda layer."""
    import jwt

    from baton.connectors.rs256 import RS256

    signatures = jwt.PyJWS(algorithms=[])
    signatures.register_algorithm("RS256", RS256())
    return signatures


def verify(authorization: str | None, body: bytes, jwks: dict[str, Any], app_id: str, now: datetime) -> bool:
    """The Bot Framework's bearer token: signed by a key of the Bot Connector's JWKS that is endorsed for Teams,
    issued by `https://api.botframework.com` for this bot (audience = its app id), not expired (five minutes' skew),
    and its `serviceUrl` claim is the activity's."""
    if not authorization or not authorization.startswith("Bearer ") or not app_id:
        return False
    # Imported here: PyJWT is milliseconds of the init of every function that declares the connectors (28 with
    # `cryptography`, which the layer no longer ships), and only the hooks function verifies calls.
    import jwt
    from jwt.exceptions import PyJWTError

    from baton.connectors.rs256 import RsaPublicKey

    token = authorization.removeprefix("Bearer ").strip()
    try:
        header = jwt.get_unverified_header(token)
        key = next((k for k in jwks.get("keys", []) if k.get("kid") == header.get("kid")), None)
        if key is None or header.get("alg") != "RS256":
            return False
        endorsements = key.get("endorsements")
        if endorsements is not None and CHANNEL not in endorsements:
            return False
        public_key: Any = RsaPublicKey.of_jwk(key)  # PyJWS's types name cryptography's keys; our RS256 takes this one
        _signatures().decode(token, public_key, algorithms=["RS256"])
        claims = jwt.decode(
            token,
            audience=app_id,
            issuer=ISSUER,
            # the signature was checked just above (_signatures); the times against `now` below, not the machine's clock
            options={
                "verify_signature": False,
                "verify_aud": True,
                "verify_iss": True,
                "require": ["exp", "iss", "aud"],
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
            },
        )
        moment = now.timestamp()
        if float(claims["exp"]) + LEEWAY_S < moment or float(claims.get("nbf", moment)) - LEEWAY_S > moment:
            return False
    except (PyJWTError, ValueError, KeyError, TypeError):
        return False
    return claims.get("serviceUrl") == service_url_of(body)


# --- the connector's inbound steps (functions/hooks runs them; logic/chat_inbound.py acts) -----------------------
class TeamsCall(Model):
    """What a verified activity asks: a button or a message to the bot (`inbound`), or only a sentence (`reply`)."""

    inbound: Click | LinkMessage | None = None
    reply: str = ""


def _key_url(call: InboundCall, settings: Mapping[str, Any]) -> str:
    """The Bot Connector's OpenID metadata (the hooks function follows its `jwks_uri` to the keys)."""
    return str(settings.get("openid_metadata_url") or DEFAULT_METADATA_URL)


def _verify(call: InboundCall, secrets: Mapping[str, str], key: bytes | None, now: datetime) -> bool:
    try:
        jwks = json.loads(key or b"{}")
    except ValueError:
        return False
    return isinstance(jwks, dict) and verify(call.headers.get("authorization"), call.body, jwks, secrets.get("app_id", ""), now)


def _interpret(call: InboundCall, settings: Mapping[str, Any]) -> TeamsCall:
    try:
        return TeamsCall(inbound=read(call.account_id, call.body))
    except Unreadable as unreadable:
        return TeamsCall(reply=unreadable.reply)


def _answer(result: object | None) -> HttpAnswer:
    """An invoke's answer is the refreshed card (or a message) in the body; a message activity gets an empty 200."""
    if isinstance(result, dict):
        return HttpAnswer.of_json(200, result)
    return HttpAnswer(200)


INBOUND = Inbound(
    verify=_verify, delivery_id=lambda call: activity_id_of(call.body), interpret=_interpret, answer=_answer, key_url=_key_url
)
