"""The messages posted about a handoff in a chat app (a Slack app's channel, a Teams bot's conversation): a new or
newly overdue escalation is posted and recorded; every change of the handoff updates each recorded copy to where it
stands now. One rule for both tools; each gives its own way to post and to update (logic/slack_app.py,
logic/teams_bot.py).
"""

from __future__ import annotations

from collections.abc import Callable

from baton.domain.chat import ChatMessageRef, ChatProvider
from baton.domain.clock import iso, utc_now
from baton.domain.events import HandoffEvent
from baton.domain.modeling import Model
from baton.logic.channels import is_announced
from baton.ports import ChatMessages


def may_concern(event: HandoffEvent) -> bool:
    """Whether a chat tool can have anything to do with this event. Copies are posted only for announced events, all
    of them of escalations (a new escalation; `handoff_escalated`, whose change makes a park one; `handoff_overdue`,
    which the SLA ladder raises on escalations only), and no action turns an escalation back into a park: the other
    events of a park have neither a message to post nor a copy to update."""
    return is_announced(event) or event.handoff.intent != "park"


class Delivered(Model):
    posted: int = 0
    updated: int = 0
    skipped: int = 0  # copies that already show this version or a newer one


def deliver(
    event: HandoffEvent,
    provider: ChatProvider,
    channel: str,
    messages: ChatMessages,
    update: Callable[[ChatMessageRef], None],
    post: Callable[[], str],
) -> Delivered:
    """Update each copy that shows an older version (a late or repeated event rolls none back), then post to
    `channel` when the event is announced and no copy shows it yet. `post` answers the new message's id. The tool's
    refusals (`Invalid`) and what a retry may fix (`Transient`) are raised to the consumer."""
    result = Delivered()
    known = messages.of_handoff(event.account_id, event.handoff.id)
    for ref in known:
        if ref.version >= event.handoff.version:
            result.skipped += 1
            continue
        update(ref)
        messages.advance(ref, event.handoff.version)
        result.updated += 1
    if is_announced(event) and not any(ref.version >= event.handoff.version for ref in known):
        message_id = post()
        messages.record(
            ChatMessageRef(
                account_id=event.account_id,
                handoff_id=event.handoff.id,
                session_id=event.handoff.session_id,
                provider=provider,
                channel=channel,
                message_id=message_id,
                posted_at=iso(utc_now()),
                version=event.handoff.version,
            )
        )
        result.posted += 1
    return result
