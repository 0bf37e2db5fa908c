"""A stand-in for Slack's Web API (the calls baton makes), and a way to press baton's buttons as Slack would.

Web API methods (POST `<base>/<method>`, as slack_sdk calls them: form or JSON body, `Authorization: Bearer`):
`auth.test`, `chat.postMessage`, `chat.update`, `chat.postEphemeral`, `views.open`. Answers follow Slack's
documents: HTTP 200 with `{"ok": true, ...}`, or `{"ok": false, "error": "<code>"}` (`not_authed`,
`invalid_auth`, `channel_not_found`, `message_not_found`, `invalid_arguments`, `expired_trigger_id`); an armed
rate limit answers HTTP 429 `{"ok": false, "error": "ratelimited"}` with `Retry-After`. A token is valid when it
starts with `xoxb-` and was not revoked (`revoke`); a channel id is Slack's shape (`C`, `G` or `D` and capitals or
digits). Every call is recorded (method, token's last 4, arguments, answer) for `GET /local/connectors`.

`interaction` / `slash_command` build the form body Slack sends to an app's interactivity and slash-command URLs,
and `signed_headers` signs it as Slack signs (`v0=` HMAC-SHA256 of `v0:<timestamp>:<body>` with the signing secret).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass, field
from itertools import count
from typing import Any
from urllib.parse import parse_qsl, urlencode

from aiohttp import web

MAX_KEPT = 1_000
TRIGGER_TTL_S = 30  # Slack's trigger ids expire in 3 s; the stand-in is kinder to a slow test machine
_CHANNEL = re.compile(r"^[CGD][A-Z0-9]{2,}$")
METHODS = ("auth.test", "chat.postMessage", "chat.update", "chat.postEphemeral", "views.open")


@dataclass
class RateLimit:
    count: int
    retry_after_s: int = 1


@dataclass
class SlackApiStandIn:
    """The workspace as Slack would hold it: messages by channel and ts, open views, issued trigger ids."""

    calls: list[dict[str, Any]] = field(default_factory=list)
    messages: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    views: list[dict[str, Any]] = field(default_factory=list)
    revoked: set[str] = field(default_factory=set)
    triggers: dict[str, float] = field(default_factory=dict)
    rate_limit: RateLimit | None = None
    _ts: count[int] = field(default_factory=lambda: count(1))

    def add_routes(self, app: web.Application, prefix: str = "/slack/api") -> None:
        app.router.add_post(prefix + "/{method}", self.handle)

    def revoke(self, token: str) -> None:
        self.revoked.add(token)

    def issue_trigger(self) -> str:
        trigger = f"{int(time.time())}.{next(self._ts)}.local-trigger"
        self.triggers[trigger] = time.time() + TRIGGER_TTL_S
        return trigger

    def arm_rate_limit(self, times: int, retry_after_s: int = 1) -> None:
        self.rate_limit = RateLimit(times, retry_after_s)

    def recorded(self) -> dict[str, Any]:
        return {"calls": self.calls, "messages": [{"channel": c, "ts": ts, **m} for (c, ts), m in self.messages.items()]}

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _arguments(request)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip() or str(args.pop("token", ""))
        status, answer, headers = self._answer(method, token, args)
        self.calls.append(
            {
                "at": time.time(),
                "method": method,
                "token_last4": token[-4:] if token else None,
                "args": args,
                "status": status,
                "answer": answer,
            }
        )
        del self.calls[:-MAX_KEPT]
        return web.json_response(answer, status=status, headers=headers)

    def _answer(self, method: str, token: str, args: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        if method not in METHODS:
            return 200, {"ok": False, "error": "unknown_method"}, {}
        if self.rate_limit is not None and self.rate_limit.count > 0:
            self.rate_limit.count -= 1
            retry = str(self.rate_limit.retry_after_s)
            return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": retry}
        if not token:
            return 200, {"ok": False, "error": "not_authed"}, {}
        if not token.startswith("xoxb-") or token in self.revoked:
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        return 200, getattr(self, "_" + method.replace(".", "_"))(args), {}

    def _auth_test(self, _: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://baton-local.slack.com/",
            "team": "baton local",
            "team_id": "T0LOCAL",
            "user_id": "UBATONBOT",
        }

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel", ""))
        if not _CHANNEL.match(channel):
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("text") and not args.get("blocks"):
            return {"ok": False, "error": "no_text"}
        ts = f"{int(time.time())}.{next(self._ts):06d}"
        self.messages[(channel, ts)] = {"text": args.get("text"), "blocks": _blocks(args), "updates": 0}
        return {"ok": True, "channel": channel, "ts": ts, "message": {"text": args.get("text"), "ts": ts}}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(args.get("channel", "")), str(args.get("ts", ""))
        if not _CHANNEL.match(channel):
            return {"ok": False, "error": "channel_not_found"}
        found = self.messages.get((channel, ts))
        if found is None:
            return {"ok": False, "error": "message_not_found"}
        found.update(text=args.get("text"), blocks=_blocks(args), updates=found["updates"] + 1, updated_at=time.time())
        return {"ok": True, "channel": channel, "ts": ts, "text": args.get("text")}

    def _chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        if not _CHANNEL.match(str(args.get("channel", ""))):
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("user"):
            return {"ok": False, "error": "user_not_in_channel"}
        return {"ok": True, "message_ts": f"{int(time.time())}.{next(self._ts):06d}"}

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        trigger = str(args.get("trigger_id", ""))
        if self.triggers.pop(trigger, 0) < time.time():
            return {"ok": False, "error": "expired_trigger_id"}
        view = args.get("view")
        view = json.loads(view) if isinstance(view, str) else view
        if not isinstance(view, dict) or view.get("type") != "modal":
            return {"ok": False, "error": "invalid_arguments"}
        self.views.append(view)
        return {"ok": True, "view": {"id": f"V{len(self.views):08d}", **view}}


async def _arguments(request: web.Request) -> dict[str, Any]:
    """slack_sdk sends JSON for most methods and forms for some: Slack takes both."""
    raw = await request.read()
    if request.content_type == "application/json":
        try:
            parsed = json.loads(raw or b"{}")
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return dict(parse_qsl(raw.decode("utf-8", "replace")))


def _blocks(args: dict[str, Any]) -> Any:
    blocks = args.get("blocks")
    return json.loads(blocks) if isinstance(blocks, str) else blocks


# --- calls as Slack makes them ----------------------------------------------------------------------------
def signed_headers(signing_secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """Slack's request signature (v0) for `body`, at `timestamp` (now by default)."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    base = b"v0:" + stamp.encode() + b":" + body
    digest = hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": f"v0={digest}",
    }


def button_click(
    user: str, action_id: str, value: str, channel: str, message_ts: str, trigger_id: str, team: str = "T0LOCAL"
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


def form_submission(user: str, view: dict[str, Any], values: dict[str, dict[str, str]], team: str = "T0LOCAL") -> bytes:
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


def slash_command(user: str, text: str, channel: str, command: str = "/baton", team: str = "T0LOCAL") -> bytes:
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
