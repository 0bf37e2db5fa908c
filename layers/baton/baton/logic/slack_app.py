"""Slack app mode: the messages about a handoff (posted, then updated on every change) and Slack's calls to baton
(buttons, the Resolve form, `/baton link CODE`).

Slack waits 3 s for an answer to an interaction: a click is one conditional write and, when it did not win, one
chat.postEphemeral; the copies of the message are updated by the account's chat consumer from the change's event
(the same path as every other change, console or chat), so the hook answers as soon as the write is done.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any, NamedTuple

from baton.connectors import slack_app
from baton.connectors.slack_app import SlackApp
from baton.domain.chat import Click, ClickAnswer
from baton.domain.errors import BatonError
from baton.domain.events import HandoffEvent
from baton.domain.modeling import Model
from baton.logic import chat_actions, chat_copies, chat_links
from baton.logic.channels import announcement
from baton.logic.chat_copies import Delivered
from baton.ports import ChatLinks, ChatMessages, Handoffs, SlackWebApi, Users


class HookAnswer(Model):
    """The HTTP answer to Slack: 200 with a JSON body (a slash command's reply, a form's errors) or an empty one."""

    status: int = 200
    body: dict[str, Any] | None = None


# --- out: the messages --------------------------------------------------------------------------------
def deliver(event: HandoffEvent, app: SlackApp, messages: ChatMessages, api: SlackWebApi, console_url: str) -> Delivered:
    """A new (or newly overdue) escalation is posted to the account's channel (chat.postMessage) and recorded; every
    change of a handoff with messages updates each of them (chat.update) to where it stands now (logic/chat_copies)."""
    body = slack_app.card(announcement(event, console_url), event.handoff)
    return chat_copies.deliver(
        event,
        "slack",
        app.channel_id,
        messages,
        update=lambda ref: api.update_message(app.bot_token, ref.channel, ref.message_id, body),
        post=lambda: api.post_message(app.bot_token, app.channel_id, body),
    )


# --- in: Slack's calls ----------------------------------------------------------------------------------
class Inbound(NamedTuple):
    """What an inbound call needs beyond its body: the stores, Slack's API and the console's address."""

    links: ChatLinks
    users: Users
    handoffs: Handoffs
    api: SlackWebApi
    console_url: str


def receive(account_id: str, body: bytes, app: SlackApp, deps: Inbound) -> HookAnswer:
    """A verified call from the account's Slack app (the hook checked the signature, its age and replays)."""
    try:
        inbound, where = slack_app.read(account_id, body)
    except slack_app.Unreadable as unreadable:
        return handle(slack_app.SlackCall(reply=unreadable.reply), account_id, app, deps)
    return handle(slack_app.SlackCall(inbound=inbound, where=where), account_id, app, deps)


def handle(call: slack_app.SlackCall, account_id: str, app: SlackApp, deps: Inbound) -> HookAnswer:
    """What a call read by the connector does: link, open the Resolve form, or run a click."""
    inbound, where = call.inbound, call.where
    if inbound is None:
        return HookAnswer(body=slack_app.ephemeral_reply(call.reply) if call.reply else None)
    if isinstance(inbound, slack_app.LinkCommand):
        redeemed = chat_links.redeem(account_id, "slack", inbound.external_id, inbound.workspace_id, inbound.code, deps.links)
        return HookAnswer(body=slack_app.ephemeral_reply(redeemed.text))
    if isinstance(inbound, slack_app.OpenResolve):
        return _open_resolve(inbound, where, app, deps)
    return _click(inbound, where, app, deps)


def _open_resolve(opened: slack_app.OpenResolve, where: slack_app.Where, app: SlackApp, deps: Inbound) -> HookAnswer:
    """Resolve asks for the notes first: the form opens for a member who may act; anyone else is told why not."""
    who = chat_actions.clicker(opened.account_id, "slack", opened.external_id, deps.links, deps.users, deps.console_url)
    if isinstance(who, ClickAnswer):
        _tell(deps.api, app, where, opened.external_id, who.text)
        return HookAnswer()
    deps.api.open_view(app.bot_token, opened.trigger_id, slack_app.resolve_modal(opened.session_id, opened.handoff_id))
    return HookAnswer()


def _click(click: Click, where: slack_app.Where, app: SlackApp, deps: Inbound) -> HookAnswer:
    answer, _ = chat_actions.act(click, deps.links, deps.users, deps.handoffs, deps.console_url)
    if answer.outcome == "done":
        return HookAnswer()  # every copy of the message is updated from the change's event
    if where.channel is None:  # the Resolve form: its error shows in the form itself
        return HookAnswer(body={"response_action": "errors", "errors": {slack_app.NOTES_BLOCK: answer.text}})
    _tell(deps.api, app, where, click.external_id, answer.text)
    return HookAnswer()


def _tell(api: SlackWebApi, app: SlackApp, where: slack_app.Where, user: str, text: str) -> None:
    """A private answer in the channel of the click. It is a courtesy: Slack refusing it, or not answering, does not
    turn the click's own answer (the write is done or refused already) into an error."""
    with suppress(BatonError):
        api.post_ephemeral(app.bot_token, where.channel or app.channel_id, user, text)
