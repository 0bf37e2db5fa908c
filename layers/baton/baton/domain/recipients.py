"""Who is emailed about a handoff event, and how: the one home of the rule (DESIGN §3c, "Who is notified").

- The account's policy (`NotifyPolicy`, part of the SLA policy) names who hears of a new escalation (`on_create`,
  also a park turned escalation), of level 1 of the SLA ladder (`on_level_1`) and of level 2 and every level after
  (`on_level_2`): each a set of `engineers`, `engineers_without_live_console`, `admins`, `owners`, `creator`.
- A pickup and a resolution are told to the handoff's creator; a reassign to the new holder.
- Nobody is emailed about what they did themselves, and viewers never are. The creator of a handoff is in a set as
  `creator` only (not as one of the engineers, say).
- Each person's `email_mode`: `immediate`, `digest` (one email every `digest_minutes`) or `none`.
- Every handoff event is pushed to every live console of the account, so a person with a live console is not
  emailed about it, unless they asked for that (`email_when_live`). `engineers_without_live_console` never emails a
  live engineer, whatever they asked.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import ConfigDict, Field, field_serializer

from baton.domain.events import HandoffEvent
from baton.domain.modeling import Model
from baton.domain.models import Role, User

Audience = Literal["engineers", "engineers_without_live_console", "admins", "owners", "creator"]
Delivery = Literal["immediate", "digest"]
# The events that may mean an email (the email subscription's filter policy in template.yaml says the same).
EMAILED_TYPES = (
    "handoff_created",
    "handoff_escalated",
    "handoff_overdue",
    "handoff_reassigned",
    "handoff_claimed",
    "handoff_resolved",
)
_ROLE_OF: dict[Audience, Role] = {"engineers": Role.ENGINEER, "admins": Role.ADMIN, "owners": Role.OWNER}


class NotifyPolicy(Model):
    """Who the account's emails go to, at creation and at each level of the SLA ladder."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    on_create: frozenset[Audience] = Field(
        default=frozenset({"engineers", "admins"}), description="A new escalation (or a park turned escalation)."
    )
    on_level_1: frozenset[Audience] = Field(default=frozenset({"engineers"}), description="Level 1 of the SLA ladder.")
    on_level_2: frozenset[Audience] = Field(
        default=frozenset({"admins", "owners"}), description="Level 2 of the SLA ladder, and every level after it."
    )

    @field_serializer("on_create", "on_level_1", "on_level_2")
    def _sorted(self, audiences: frozenset[Audience]) -> list[str]:
        return sorted(audiences)

    def audiences(self, event: HandoffEvent) -> frozenset[Audience]:
        """The sets the policy names for this event (none for an event the policy does not speak of)."""
        if event.type == "handoff_overdue":
            return self.on_level_1 if event.handoff.overdue_level <= 1 else self.on_level_2
        if is_new_escalation(event):
            return self.on_create
        return frozenset()


DEFAULT_NOTIFY = NotifyPolicy.model_construct()  # its defaults, without building the validator at import


class Recipient(Model):
    """Someone the event is for, before we know whether their console is live."""

    model_config = ConfigDict(frozen=True)

    user_id: str
    unless_live: bool = Field(description="Not emailed when they have a live console (the event was pushed to it).")


def is_new_escalation(event: HandoffEvent) -> bool:
    return event.type == "handoff_escalated" or (event.type == "handoff_created" and event.handoff.intent == "escalate")


def is_emailed(event: HandoffEvent) -> bool:
    """Whether the event can mean an email at all (who gets it is `recipients`)."""
    if event.type == "handoff_created":
        return event.handoff.intent == "escalate"
    return event.type in EMAILED_TYPES


def recipients(event: HandoffEvent, members: Iterable[User], policy: NotifyPolicy) -> list[Recipient]:
    """Everyone of the event's account this event is for, and whether a live console spares them the email.
    Members whose `email_mode` is `none` are left out here."""
    actor = event.actor.id if event.actor else None
    handoff = event.handoff
    entry = event.timeline_entry
    audiences = policy.audiences(event)
    chosen: list[Recipient] = []
    for member in members:
        if member.account_id != event.account_id or member.role == Role.VIEWER or member.id == actor:
            continue
        if member.email_mode == "none":
            continue
        if event.type in ("handoff_claimed", "handoff_resolved"):
            matched: set[str] = {"creator"} if member.id == handoff.created_by else set()
        elif event.type == "handoff_reassigned":
            matched = {"assignee"} if entry is not None and member.id == entry.to_user_id else set()
        else:
            matched = {audience for audience in audiences if _in_audience(member, audience, handoff.created_by)}
        if matched:
            # A set that would email them while live (any but engineers_without_live_console) and their own wish decide.
            unless_live = matched == {"engineers_without_live_console"} or not member.email_when_live
            chosen.append(Recipient(user_id=member.id, unless_live=unless_live))
    return chosen


def delivery(member: User, recipient: Recipient, live: bool) -> Delivery | None:
    """How this member gets it now: at once, in their next digest, or not at all (live console, or email off)."""
    if recipient.unless_live and live:
        return None
    if member.email_mode == "none":
        return None
    return "digest" if member.email_mode == "digest" else "immediate"


def _in_audience(member: User, audience: Audience, creator: str) -> bool:
    """The creator is told only as `creator`: "nobody picked up your escalation" is not a call to pick it up."""
    if audience == "creator" or member.id == creator:
        return audience == "creator" and member.id == creator
    if audience == "engineers_without_live_console":
        return member.role == Role.ENGINEER
    return member.role == _ROLE_OF[audience]
