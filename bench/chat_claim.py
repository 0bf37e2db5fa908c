"""Click -> claim -> last chat message updated (issue 23), beside the console's claim in the same run.

For Slack (acme's app) and Teams (globex's bot), on the local runtime with their stand-ins: the connector is set up
through the API as an owner would, one senior links their chat user (`/baton link CODE`, `link CODE` to the bot),
and escalations are posted to the channel. Then, one handoff at a time, alternately, the senior presses Pick Up
in the chat (the stand-in sends baton the click as Slack or the Bot Framework does: signed with the app's signing
secret, or with the Bot Framework's bearer token) or another senior claims it in the console (`POST .../claim`).

Each is timed from the click to:
- the claim written: the hook's answer to the click (it answers once the conditional write is done) or the claim
  API's 200;
- the last chat message updated: the stand-in stamps every `chat.update` / activity PUT as it receives it; the
  latest stamp of the handoff's messages once every one of them says "Picked up by" (bench and stand-in share the
  machine's clock).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from baton.domain.models import User
from bench.harness import Runtime, escalate, summary
from local.demo import demo_users

CLAIMED = "Picked up by"
GAP_S = 0.25  # between two clicks: a person's pace, not a burst (row 3's race is the burst)
WAIT_S = 120.0


@dataclass(frozen=True)
class Provider:
    """How the bench drives one chat tool's stand-in and reads what it recorded."""

    name: str
    account_id: str
    chat_user: str  # the senior's user in the chat tool
    connect: Callable[[dict[str, Any]], dict[str, Any]]  # the connector's PUT body, from the stand-in's state
    link_order: Callable[[str, str], dict[str, Any]]  # (chat user, code) -> the stand-in's fire order
    click_order: Callable[[str, dict[str, Any]], dict[str, Any]]  # (chat user, message) -> the fire order
    messages: Callable[[dict[str, Any]], list[dict[str, Any]]]  # the stand-in's state -> every message it holds
    status: Callable[[dict[str, Any]], str]  # a message's status line


def _slack_status(message: dict[str, Any]) -> str:
    return next((b["text"]["text"] for b in message.get("blocks") or [] if b.get("block_id") == "baton_status"), "")


def _teams_status(activity: dict[str, Any]) -> str:
    for attachment in activity.get("attachments") or []:
        for block in (attachment.get("content") or {}).get("body") or []:
            if block.get("id") == "status":
                return str(block.get("text", ""))
    return ""


SLACK = Provider(
    name="slack",
    account_id="acme",
    chat_user="UBENCHSAM",
    connect=lambda state: {
        "settings": {"channel_id": state["apps"]["acme"]["channel_id"]},
        "secrets": {
            "bot_token": state["apps"]["acme"]["bot_token"],
            "signing_secret": state["apps"]["acme"]["signing_secret"],
        },
    },
    link_order=lambda user, code: {"kind": "command", "user": user, "text": f"link {code}"},
    click_order=lambda user, message: {
        "kind": "click",
        "user": user,
        "action": "claim",
        "channel": message["channel"],
        "ts": message["ts"],
    },
    messages=lambda state: list(state["messages"]),
    status=_slack_status,
)

TEAMS = Provider(
    name="teams",
    account_id="globex",
    chat_user="aad-bench-sam",
    connect=lambda state: {
        "settings": {
            "tenant_id": state["bots"]["globex"]["tenant_id"],
            "service_url": state["bots"]["globex"]["service_url"],
            "conversation_id": state["bots"]["globex"]["conversation_id"],
            "openid_metadata_url": f"{state['metadata_base']}/v1/.well-known/openidconfiguration",
        },
        "secrets": {"app_id": state["bots"]["globex"]["app_id"], "app_password": state["bots"]["globex"]["app_password"]},
    },
    link_order=lambda user, code: {"kind": "message", "user": user, "text": f"link {code}"},
    click_order=lambda user, card: {"kind": "click", "user": user, "action": "claim", "activity_id": card["id"]},
    messages=lambda state: [a for a in state["activities"] if a.get("attachments")],
    status=_teams_status,
)

PROVIDERS = (SLACK, TEAMS)


@dataclass(frozen=True)
class Timed:
    """One claim: how it was made (chat or console) and by whom, when, and how long its answer took."""

    handoff_id: str
    way: str  # "chat" or "console"
    claimer: str  # the display name every copy must then show
    clicked_at: float  # epoch seconds
    answer_ms: float
    answered: int  # the answer's HTTP status (the hook's, the claim API's)


def messages_by_handoff(messages: Sequence[Mapping[str, Any]], handoff_ids: Sequence[str]) -> dict[str, list[Mapping[str, Any]]]:
    """Each handoff's messages (a message names its handoff in its buttons and link)."""
    found: dict[str, list[Mapping[str, Any]]] = {handoff_id: [] for handoff_id in handoff_ids}
    for message in messages:
        text = json.dumps(message)
        for handoff_id in handoff_ids:
            if handoff_id in text:
                found[handoff_id].append(message)
    return found


def figures(
    timed: Sequence[Timed], by_handoff: Mapping[str, Sequence[Mapping[str, Any]]], status: Callable[[Any], str]
) -> dict[str, Any]:
    """p50 / p95 / p99 / max, per way: click -> claim written (its answer) and click -> last message updated (the
    stand-in's latest stamp on the handoff's messages, once each says who picked it up). A claim whose messages do
    not all say its claimer did (none, not updated, someone else) is counted, not timed."""
    result: dict[str, Any] = {}
    for way in ("chat", "console"):
        mine = [t for t in timed if t.way == way]
        updated, not_updated = [], 0
        for claim in mine:
            copies = by_handoff.get(claim.handoff_id) or []
            stamps = [stamp for message in copies for stamp in message.get("updates") or []]
            if not copies or not stamps or not all(f"{CLAIMED} {claim.claimer}" in status(m) for m in copies):
                not_updated += 1
                continue
            updated.append((max(stamps) - claim.clicked_at) * 1000)
        result[way] = {
            "claims": len(mine),
            "answered_200": sum(1 for t in mine if t.answered == 200),
            "claim_written_ms": summary([t.answer_ms for t in mine]) if mine else {},
            "last_message_updated_ms": summary(updated) if updated else {},
            "not_updated": not_updated,
        }
    return result


async def _state(http: httpx.AsyncClient, provider: Provider) -> dict[str, Any]:
    return dict((await http.get("/local/connectors")).json()[provider.name]["state"])


async def _fire(http: httpx.AsyncClient, provider: Provider, order: dict[str, Any]) -> dict[str, Any]:
    reply = await http.post(f"/local/connectors/{provider.name}/fire", json={"account_id": provider.account_id, **order})
    reply.raise_for_status()
    return dict(reply.json())


async def _set_up(rt: Runtime, http: httpx.AsyncClient, provider: Provider, people: dict[str, User]) -> None:
    """The connector saved as the owner does, and the senior's chat user linked (which also warms the hook)."""
    owner, senior = people["owner"], people["senior"]
    body = provider.connect(await _state(http, provider))
    saved = await http.put(f"/api/v1/account/connectors/{provider.name}", headers=rt.headers(owner), json=body)
    saved.raise_for_status()
    code = await http.post(f"/api/v1/me/chat-links/{provider.name}", headers=rt.headers(senior))
    code.raise_for_status()
    said = await _fire(http, provider, provider.link_order(provider.chat_user, code.json()["code"]))
    if said["status"] != 200:
        raise RuntimeError(f"{provider.name}: linking the bench's chat user failed: {said}")


async def _until(http: httpx.AsyncClient, provider: Provider, handoff_ids: list[str], done: Callable[[Any], bool]) -> Any:
    """The handoffs' messages, once `done` holds of them (polled every second: it does not time anything)."""
    deadline = time.monotonic() + WAIT_S
    while True:
        found = messages_by_handoff(provider.messages(await _state(http, provider)), handoff_ids)
        if done(found) or time.monotonic() > deadline:
            return found
        await asyncio.sleep(1.0)


def _every_copy_claimed(provider: Provider) -> Callable[[Any], bool]:
    def done(found: Mapping[str, Sequence[dict[str, Any]]]) -> bool:
        return all(copies and all(CLAIMED in provider.status(m) for m in copies) for copies in found.values())

    return done


async def _claims(
    rt: Runtime, http: httpx.AsyncClient, provider: Provider, people: dict[str, User], made: list[tuple[str, str]], posted: Any
) -> list[Timed]:
    """One at a time, alternately: Pick Up in the chat (the linked senior) or in the console (the other senior)."""
    timed = []
    for number, (session_id, handoff_id) in enumerate(made):
        way, who = ("chat", people["senior"]) if number % 2 == 0 else ("console", people["senior2"])
        headers = rt.headers(who)  # signed before the clock starts, as a console holds its token
        clicked_at, started = time.time(), time.perf_counter()
        if way == "chat":
            answered = (await _fire(http, provider, provider.click_order(provider.chat_user, posted[handoff_id][0])))["status"]
        else:
            path = f"/api/v1/ai-sessions/{session_id}/handoffs/{handoff_id}/claim"
            answered = (await http.post(path, headers=headers)).status_code
        elapsed_ms = (time.perf_counter() - started) * 1000
        timed.append(Timed(handoff_id, way, who.display_name, clicked_at, elapsed_ms, answered))
        await asyncio.sleep(GAP_S)
    return timed


async def chat_claim(rt: Runtime, handoffs: int = 100) -> dict[str, Any]:
    """For each chat tool: `handoffs` picked up from the chat and as many from the console, interleaved."""
    result: dict[str, Any] = {"handoffs_each_way": handoffs, "gap_between_clicks_s": GAP_S}
    async with httpx.AsyncClient(base_url=rt.base_url, timeout=60) as http:
        for provider in PROVIDERS:
            people = {u.email.split("@")[0]: u for u in demo_users() if u.account_id == provider.account_id}
            await _set_up(rt, http, provider, people)
            made = [await escalate(http, rt.headers(people["junior"]), "bench") for _ in range(2 * handoffs)]
            ids = [handoff_id for _, handoff_id in made]
            posted = await _until(http, provider, ids, lambda found: all(found.values()))
            if not all(posted.values()):
                missing = sum(1 for copies in posted.values() if not copies)
                raise RuntimeError(f"{provider.name}: {missing} escalations were not posted within {WAIT_S} s")
            timed = await _claims(rt, http, provider, people, made, posted)
            settled = await _until(http, provider, ids, _every_copy_claimed(provider))
            result[provider.name] = figures(timed, settled, provider.status)
            await http.delete(f"/api/v1/account/connectors/{provider.name}", headers=rt.headers(people["owner"]))
    return result
