"""Email about handoffs: what each email says (who gets one is `baton.domain.recipients`), and how a long list of
recipients is split into batches the email queue carries to further invocations."""

from collections.abc import Iterable, Iterator
from datetime import UTC, tzinfo

from pydantic import ConfigDict, Field

from baton.domain import recipients as rule
from baton.domain.clock import local_time
from baton.domain.events import EventHandoff, HandoffEvent
from baton.domain.invitation_events import InvitationEvent
from baton.domain.messages import Email
from baton.domain.modeling import Model
from baton.domain.models import User
from baton.domain.recipients import NotifyPolicy, Recipient

SUBJECT_NOTES_CHARS = 60
BATCH_SCHEMA = "baton.email-batch.v1"
BATCH_SIZE = 10  # recipients one invocation emails; a longer list goes back to the queue in batches of this size


class EmailBatch(Model):
    """Part of one event's recipients, for another invocation of the email function (through its own queue)."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, serialize_by_alias=True)

    schema_: str = Field(default=BATCH_SCHEMA, alias="schema")
    event: HandoffEvent
    recipients: list[Recipient]


def is_emailed(event: HandoffEvent) -> bool:
    return rule.is_emailed(event)


def recipients(event: HandoffEvent, members: Iterable[User], policy: NotifyPolicy) -> list[Recipient]:
    return rule.recipients(event, members, policy)


def batches(event: HandoffEvent, chosen: list[Recipient], size: int = BATCH_SIZE) -> Iterator[EmailBatch]:
    for start in range(0, len(chosen), size):
        yield EmailBatch(event=event, recipients=chosen[start : start + size])


def handoff_link(console_url: str, handoff: EventHandoff) -> str:
    """The console's deep link to a handoff: it opens the handoff context with Pick Up on it (after sign-in)."""
    return f"{console_url.rstrip('/')}/#/handoffs/{handoff.session_id}/{handoff.id}"


def compose(event: HandoffEvent, recipient: User, console_url: str, zone: tzinfo = UTC) -> Email:
    """The email about `event` for `recipient`; times are written for people, in `zone` (the account's)."""
    handoff = event.handoff
    link = handoff_link(console_url, handoff)
    actor = event.actor.name if event.actor else handoff.created_by_name
    triage = handoff.session
    level = handoff.overdue_level
    headline = {
        "handoff_overdue": f"Nobody has picked up {handoff.created_by_name}'s escalation yet (overdue level {level}).",
        "handoff_reassigned": f"{actor} handed you a troubleshooting session.",
        "handoff_escalated": f"{handoff.created_by_name} turned a parked session into an escalation and needs a senior.",
        "handoff_claimed": f"{actor} picked up your {_kind(handoff)}.",
        "handoff_resolved": f"{actor} resolved your {_kind(handoff)}.",
    }.get(event.type, f"{handoff.created_by_name} escalated a troubleshooting session and needs a senior.")
    if event.type == "handoff_resolved":
        facts_extra = [("Resolution", (handoff.resolution_notes or "").strip() or "(no notes)")]
    else:
        facts_extra = []
    reason = event.timeline_entry.reason if event.timeline_entry else None
    facts = [f"{label}: {value}" for label, value in [*triage.facts(), ("Reason", reason), *facts_extra] if value]
    action = "Pick it up" if rule.is_new_escalation(event) or event.type == "handoff_overdue" else "Open it"
    text = "\n".join(
        [
            f"Hi {recipient.display_name},",
            "",
            headline,
            "",
            *facts,
            *([""] if facts else []),
            "Notes:",
            handoff.engineer_notes.strip() or "(no notes)",
            "",
            f"{action}: {link}",
            "",
            f"At {local_time(event.occurred_at, zone)}. You get this because email notifications are on for you in baton.",
        ]
    )
    return Email(to=recipient.email, subject=f"[baton] {summary(event)}", text=text)


def summary(event: HandoffEvent) -> str:
    """What happened, in one line: the subject of its email (after "[baton] ") and its line in a digest."""
    handoff = event.handoff
    first_line = (handoff.engineer_notes.strip().splitlines() or ["(no notes)"])[0]
    if len(first_line) > SUBJECT_NOTES_CHARS:
        first_line = first_line[: SUBJECT_NOTES_CHARS - 1] + "…"
    actor = event.actor.name if event.actor else handoff.created_by_name
    ticket = " ".join(part for part in (handoff.session.priority, handoff.session.ticket_ref) if part)
    kind = {
        "handoff_reassigned": "Handed to you",
        "handoff_overdue": f"Overdue (level {handoff.overdue_level}): escalation",
        "handoff_claimed": "Picked up",
        "handoff_resolved": "Resolved",
    }.get(event.type, "Escalation")
    by = "by" if event.type in ("handoff_claimed", "handoff_resolved") else "from"
    return f"{kind}{' ' + ticket if ticket else ''} {by} {actor}: {first_line}"


def digest_line(event: HandoffEvent, console_url: str) -> str:
    """One entry of a digest: when, what, and the link."""
    return f"{event.occurred_at[:16].replace('T', ' ')} UTC  {summary(event)}\n    {handoff_link(console_url, event.handoff)}"


def compose_digest(recipient: User, lines: list[str], console_url: str) -> Email:
    """Everything a digest reader was not emailed about since their last digest, oldest first."""
    count = len(lines)
    text = "\n".join(
        [
            f"Hi {recipient.display_name},",
            "",
            f"{count} {'thing' if count == 1 else 'things'} happened in baton since your last digest:",
            "",
            *lines,
            "",
            f"Open baton: {console_url.rstrip('/')}/",
            "",
            f"You get one email every {recipient.digest_minutes} minutes because you chose a digest in baton (Profile).",
        ]
    )
    return Email(to=recipient.email, subject=f"[baton] Digest: {count} {'update' if count == 1 else 'updates'}", text=text)


def _kind(handoff: EventHandoff) -> str:
    return "escalation" if handoff.intent == "escalate" else "parked session"


def compose_invitation(event: InvitationEvent, console_url: str) -> Email:
    """The invited address's email: who invited them where, as what, until when, and the console link."""
    invitation = event.invitation
    inviter = invitation.invited_by_name or "The baton operator"
    link = f"{console_url.rstrip('/')}/#/join"
    text = "\n".join(
        [
            "Hello,",
            "",
            f"{inviter} invited you to join {invitation.account_name} on baton as {_article(invitation.role.value)}.",
            "",
            f"Sign in with this address ({invitation.email}) and join: {link}",
            "",
            f"The invitation can be used once and expires on {local_time(invitation.expires_at, UTC)}.",
            "If you did not expect it, ignore this email.",
        ]
    )
    return Email(to=invitation.email, subject=f"[baton] {inviter} invited you to {invitation.account_name}", text=text)


def _article(role: str) -> str:
    return f"an {role}" if role[0] in "aeiou" else f"a {role}"
