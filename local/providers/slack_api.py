"""Slack's stand-in: the Web API calls baton makes, one Slack app per baton account, and pressing baton's buttons as
Slack would (the interaction signed with that app's signing secret).

Web API (POST `<url>/api/<method>`, as slack_sdk calls it: a JSON or form body, `Authorization: Bearer <bot token>`):
`auth.test`, `chat.postMessage`, `chat.update`, `chat.postEphemeral`, `views.open`. Answers follow Slack's documents:
HTTP 200 with `{"ok": true, ...}` or `{"ok": false, "error": "<code>"}` (`not_authed`, `invalid_auth`,
`channel_not_found`, `message_not_found`, `expired_trigger_id`, `invalid_arguments`, `no_text`); an armed fault
(`POST /local/connectors/slack/faults {"status": 429, "retry_after": "1"}`) answers 429 `ratelimited` with
`Retry-After`, as Slack's rate limits do.

Each baton account has an app here (`state()["apps"]`: its bot token, signing secret and channel id, as one copies
them from Slack's app pages into `PUT /api/v1/account/connectors/slack`). `fire` is a user of that workspace acting:
`{"account_id": "acme", "kind": "command", "user": "USAM", "text": "link ABCD2345"}`,
`{"kind": "click", "user": "USAM", "action": "claim", "channel": "C…", "ts": "…"}` (the button of that message;
`action` one of claim, release, resolve) or `{"kind": "submit", "user": "USAM", "notes": "…"}` (the last form
baton opened for that user). To try baton's checks: `"signature": "none" | "wrong"`, `"stale_minutes": 6`,
`"replay": true` (the last fired call again, byte for byte).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import time
from itertools import count
from typing import Any
from urllib.parse import parse_qsl, urlencode

from aiohttp import web

from local.providers.recorder import Recorder
from local.providers.standin import StandIn

TRIGGER_TTL_S = 30  # Slack's trigger ids expire in 3 s; the stand-in is kinder to a slow test machine
_CHANNEL = re.compile(r"^[CGD][A-Z0-9]{2,}$")
METHODS = ("auth.test", "chat.postMessage", "chat.update", "chat.postEphemeral", "views.open")
ACCOUNTS = ("acme", "globex")
TEAM = "T0LOCAL"


def _app(account_id: str) -> dict[str, str]:
    return {
        "bot_token": f"xoxb-local-{account_id}-{secrets.token_hex(6)}",
        "signing_secret": secrets.token_hex(16),
        "channel_id": f"C{account_id.upper()[:6]}ESC",
        "team_id": TEAM,
    }


class SlackStandIn(StandIn):
    name = "slack"

    def __init__(self, recorder: Recorder, port: int) -> None:
        super().__init__(recorder, port)
        self.apps: dict[str, dict[str, str]] = {account: _app(account) for account in ACCOUNTS}
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        self.ephemeral: list[dict[str, Any]] = []
        self.views: dict[str, list[dict[str, Any]]] = {}  # opened for a user, newest last
        self.triggers: dict[str, tuple[float, str]] = {}  # trigger id -> (expiry, user)
        self._last_fired: tuple[str, bytes, dict[str, str]] | None = None
        self._ts = count(1)

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def app_of(self, account_id: str) -> dict[str, str]:
        return self.apps.setdefault(account_id, _app(account_id))

    def _account_of_token(self, token: str) -> str | None:
        return next((account for account, app in self.apps.items() if app["bot_token"] == token), None)

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/api/{method}", self.handle)

    def caller(self, request: web.Request) -> str | None:
        return self._account_of_token(request.headers.get("Authorization", "").removeprefix("Bearer ").strip())

    def state(self) -> dict[str, Any]:
        return {
            "api_url": self.api_url,
            "apps": self.apps,
            "messages": [{"channel": c, "ts": ts, **m} for (c, ts), m in self.messages.items()],
            "ephemeral": self.ephemeral[-200:],
            "views": self.views,
        }

    # --- the Web API -------------------------------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = _arguments(request.content_type, await request.read())
        token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip() or str(args.pop("token", ""))
        if method not in METHODS:
            return web.json_response({"ok": False, "error": "unknown_method"})
        if not token:
            return web.json_response({"ok": False, "error": "not_authed"})
        account = self._account_of_token(token)
        if account is None:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        return web.json_response(getattr(self, "_" + method.replace(".", "_"))(account, args))

    def _auth_test(self, account: str, _: dict[str, Any]) -> dict[str, Any]:
        """Slack's auth.test: whom the bot token is (a bad one never reaches here: `invalid_auth` / `not_authed`)."""
        return {
            "ok": True,
            "url": "https://baton-local.slack.com/",
            "team": "baton local",
            "user": "baton",
            "team_id": TEAM,
            "user_id": "UBATON",
            "bot_id": f"B{account.upper()[:8]}",
            "is_enterprise_install": False,
        }

    def _chat_postMessage(self, account: str, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel", ""))
        if not _CHANNEL.match(channel):
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("text") and not args.get("blocks"):
            return {"ok": False, "error": "no_text"}
        ts = f"{int(time.time())}.{next(self._ts):06d}"
        self.messages[(channel, ts)] = {"account": account, "text": args.get("text"), "blocks": _blocks(args), "updates": []}
        return {"ok": True, "channel": channel, "ts": ts, "message": {"text": args.get("text"), "ts": ts}}

    def _chat_update(self, account: str, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(args.get("channel", "")), str(args.get("ts", ""))
        if not _CHANNEL.match(channel):
            return {"ok": False, "error": "channel_not_found"}
        found = self.messages.get((channel, ts))
        if found is None or found["account"] != account:
            return {"ok": False, "error": "message_not_found"}
        found.update(text=args.get("text"), blocks=_blocks(args))
        found["updates"].append(time.time())
        return {"ok": True, "channel": channel, "ts": ts, "text": args.get("text")}

    def _chat_postEphemeral(self, account: str, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel", ""))
        if not _CHANNEL.match(channel):
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("user"):
            return {"ok": False, "error": "user_not_in_channel"}
        self.ephemeral.append({"at": time.time(), "channel": channel, "user": args["user"], "text": args.get("text")})
        return {"ok": True, "message_ts": f"{int(time.time())}.{next(self._ts):06d}"}

    def _views_open(self, account: str, args: dict[str, Any]) -> dict[str, Any]:
        expiry, user = self.triggers.pop(str(args.get("trigger_id", "")), (0.0, ""))
        if expiry < time.time():
            return {"ok": False, "error": "expired_trigger_id"}
        view = args.get("view")
        view = json.loads(view) if isinstance(view, str) else view
        if not isinstance(view, dict) or view.get("type") != "modal":
            return {"ok": False, "error": "invalid_arguments"}
        self.views.setdefault(user, []).append(view)
        return {"ok": True, "view": {"id": f"V{next(self._ts):08d}", **view}}

    # --- a user acting in the workspace --------------------------------------------------------------------------
    async def fire(self, order: dict[str, Any], baton_url: str) -> dict[str, Any]:
        if order.get("replay"):
            if self._last_fired is None:
                raise ValueError("nothing was fired yet")
            url, body, headers = self._last_fired
            return await self.post_to_baton(url, body, headers)
        account_id = str(order["account_id"])
        app = self.app_of(account_id)
        kind = str(order["kind"])
        user = str(order["user"])
        if kind == "command":
            body = slash_command(user, str(order["text"]), str(order.get("channel", app["channel_id"])))
        elif kind == "click":
            trigger = f"{int(time.time())}.{next(self._ts)}.{secrets.token_hex(4)}"
            self.triggers[trigger] = (time.time() + TRIGGER_TTL_S, user)
            channel, ts = str(order["channel"]), str(order["ts"])
            message = self.messages[(channel, ts)]
            button = _button(message, f"baton_{order['action']}")
            body = button_click(user, button["action_id"], button["value"], channel, ts, trigger)
        elif kind == "submit":
            view = self.views[user][-1]
            body = form_submission(user, view, {"resolution": {"notes": str(order.get("notes", ""))}})
        else:
            raise ValueError(f"kind must be command, click or submit, not {kind!r}")
        stamp = int(time.time() - 60 * float(order.get("stale_minutes", 0)))
        secret = app["signing_secret"] if order.get("signature") != "wrong" else "not-" + app["signing_secret"]
        headers = signed_headers(secret, body, stamp)
        if order.get("signature") == "none":
            headers = {"Content-Type": headers["Content-Type"]}
        url = f"{baton_url}/hooks/slack/{account_id}"
        self._last_fired = (url, body, headers)
        return await self.post_to_baton(url, body, headers)


def _button(message: dict[str, Any], action_id: str) -> dict[str, Any]:
    for block in message.get("blocks") or []:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element.get("action_id") == action_id:
                return dict(element)
    raise ValueError(f"that message has no {action_id} button now")


def _arguments(content_type: str, raw: bytes) -> dict[str, Any]:
    """slack_sdk sends JSON for most methods and forms for some: Slack takes both."""
    if content_type == "application/json":
        try:
            parsed = json.loads(raw or b"{}")
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return dict(parse_qsl(raw.decode("utf-8", "replace")))


def _blocks(args: dict[str, Any]) -> Any:
    blocks = args.get("blocks")
    return json.loads(blocks) if isinstance(blocks, str) else blocks


# --- calls as Slack makes them (also used by the unit tests) -------------------------------------------------------
def signed_headers(signing_secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """Slack's request signature (v0) for `body`, at `timestamp` (now by default)."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(signing_secret.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": f"v0={digest}",
    }


def button_click(
    user: str, action_id: str, value: str, channel: str, message_ts: str, trigger_id: str, team: str = TEAM
) -> bytes:
    """A `block_actions` interaction: a user pressed a button of a message in a channel."""
    payload = {
        "type": "block_actions",
        "user": {"id": user, "team_id": team},
        "team": {"id": team},
        "trigger_id": trigger_id,
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel},
        "channel": {"id": channel},
        "message": {"ts": message_ts},
        "actions": [{"type": "button", "action_id": action_id, "value": value, "action_ts": str(time.time())}],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def form_submission(user: str, view: dict[str, Any], values: dict[str, dict[str, str]], team: str = TEAM) -> bytes:
    """A `view_submission`: the modal `view` submitted with `values` ({block_id: {action_id: text}})."""
    state = {
        block: {action: {"type": "plain_text_input", "value": text} for action, text in inputs.items()}
        for block, inputs in values.items()
    }
    payload = {
        "type": "view_submission",
        "user": {"id": user, "team_id": team},
        "team": {"id": team},
        "view": {**view, "state": {"values": state}},
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def slash_command(user: str, text: str, channel: str, command: str = "/baton", team: str = TEAM) -> bytes:
    return urlencode(
        {
            "command": command,
            "text": text,
            "user_id": user,
            "team_id": team,
            "channel_id": channel,
            "response_url": "https://hooks.slack.com/commands/local",
            "trigger_id": f"{int(time.time())}.local-trigger",
        }
    ).encode()
