"""Teams bot mode: the cards about a handoff (posted to the account's conversation, then updated on every change
through the Bot Connector) and the Bot Framework's activities (a card's button, `link CODE` sent to the bot).

An invoke is answered with the refreshed card within Teams' 5 s: one conditional write, one read when it did not
win, no outbound call. The other copies are updated by the chat consumer from the change's event.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from baton.connectors import teams_bot
from baton.connectors.teams_bot import TeamsBot
from baton.domain.chat import Click
from baton.domain.clock import iso, utc_now
from baton.domain.events import HandoffEvent
from baton.domain.messages import Message
from baton.domain.modeling import Model
from baton.domain.models import HandoffFields
from baton.logic import chat_actions, chat_copies, chat_links
from baton.logic.channels import announcement
from baton.logic.chat_copies import Delivered
from baton.ports import BotConnectorApi, ChatLinks, ChatMessages, Handoffs, Users


class InvokeAnswer(Model):
    status: int = 200
    body: dict[str, Any] | None = None


def deliver(event: HandoffEvent, bot: TeamsBot, messages: ChatMessages, api: BotConnectorApi, console_url: str) -> Delivered:
    """As Slack's (logic/chat_copies): a new or overdue escalation is posted to the bot's conversation and recorded;
    every change updates each recorded copy through the Bot Connector."""
    body = teams_bot.activity(teams_bot.card(announcement(event, console_url), event.handoff))
    return chat_copies.deliver(
        event,
        "teams",
        bot.conversation_id,
        messages,
        update=lambda ref: api.update_activity(bot, ref.channel, ref.message_id, body),
        post=lambda: api.send_activity(bot, bot.conversation_id, body),
    )


class Inbound(NamedTuple):
    links: ChatLinks
    users: Users
    handoffs: Handoffs
    api: BotConnectorApi
    console_url: str


def receive(account_id: str, body: bytes, bot: TeamsBot, deps: Inbound) -> InvokeAnswer:
    """A verified activity from the account's bot (the hook checked the token and replays)."""
    try:
        return handle(teams_bot.TeamsCall(inbound=teams_bot.read(account_id, body)), account_id, bot, deps)
    except teams_bot.Unreadable as unreadable:
        return handle(teams_bot.TeamsCall(reply=unreadable.reply), account_id, bot, deps)


def handle(call: teams_bot.TeamsCall, account_id: str, bot: TeamsBot, deps: Inbound) -> InvokeAnswer:
    """What an activity read by the connector does: link its sender, or run a click and answer with the card."""
    inbound = call.inbound
    if inbound is None:
        return InvokeAnswer(body=teams_bot.invoke_message(call.reply))
    if isinstance(inbound, teams_bot.LinkMessage):
        redeemed = chat_links.redeem(account_id, "teams", inbound.external_id, inbound.workspace_id, inbound.code, deps.links)
        deps.api.reply(bot, inbound.conversation_id, inbound.activity_id, teams_bot.text_activity(redeemed.text))
        return InvokeAnswer()  # a message activity is acknowledged with an empty 200; the reply went through the API
    return _click(inbound, deps)


def _click(click: Click, deps: Inbound) -> InvokeAnswer:
    answer, handoff = chat_actions.act(click, deps.links, deps.users, deps.handoffs, deps.console_url)
    current: HandoffFields | None = handoff
    if current is None:  # refused before anything was read: the card as the clicker has it cannot be redrawn
        return InvokeAnswer(body=teams_bot.invoke_message(answer.text))
    message = _message_of(current, deps.console_url)
    return InvokeAnswer(body=teams_bot.invoke_card(teams_bot.card(message, current, note=answer.text)))


def _message_of(handoff: HandoffFields, console_url: str) -> Message:
    """The card's facts for a handoff read now (as an escalation's announcement says them)."""
    event = HandoffEvent.model_validate(
        {
            "type": "handoff_created",
            "event_id": "refresh",
            "occurred_at": iso(utc_now()),
            "account_id": handoff.account_id,
            "actor": None,
            "handoff": handoff.model_dump(mode="json"),
            "timeline_entry": None,
        }
    )
    return announcement(event, console_url)
