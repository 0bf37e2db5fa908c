"""Email about handoffs: which events mean one, who gets it and what it says."""

from datetime import UTC, tzinfo

from baton.domain import ladder
from baton.domain.clock import local_time
from baton.domain.events import EventHandoff, HandoffEvent
from baton.domain.invitation_events import InvitationEvent
from baton.domain.messages import Email
from baton.domain.models import Role, User

SUBJECT_NOTES_CHARS = 60


def is_emailed(event: HandoffEvent) -> bool:
    """A new escalation, a park turned escalation, a reassign, each level of the SLA ladder (the email
    subscription's filter policy says the same)."""
    if event.type == "handoff_created":
        return event.handoff.intent == "escalate"
    return event.type in ("handoff_escalated", "handoff_reassigned", "handoff_overdue")


def recipients(event: HandoffEvent, members: list[User]) -> list[User]:
    """Who wants this email: for a reassign, the new holder; for an escalation, every engineer, admin
    and owner of the account except the one who escalated. Only those with email notifications on."""
    entry = event.timeline_entry
    if event.type == "handoff_reassigned":
        wanted = {entry.to_user_id} if entry and entry.to_user_id else set()
        return [u for u in members if u.id in wanted and u.account_id == event.account_id and u.notify_email]
    if event.type == "handoff_overdue":  # level 1: the engineers; level 2 and on: the admins and owners
        told = ladder.audience(event.handoff.overdue_level)
        return [
            user
            for user in members
            if user.account_id == event.account_id
            and user.notify_email
            and user.id != event.handoff.created_by
            and (user.role is Role.ENGINEER if told == "engineers" else user.role.at_least(Role.ADMIN))
        ]
    acting = {event.handoff.created_by, event.actor.id if event.actor else ""}
    return [
        user
        for user in members
        if user.account_id == event.account_id
        and user.role.at_least(Role.ENGINEER)
        and user.notify_email
        and user.id not in acting
    ]


def handoff_link(console_url: str, handoff: EventHandoff) -> str:
    """The console's deep link to a handoff: it opens the handoff context with Pick Up on it (after sign-in)."""
    return f"{console_url.rstrip('/')}/#/handoffs/{handoff.session_id}/{handoff.id}"


def compose(event: HandoffEvent, recipient: User, console_url: str, zone: tzinfo = UTC) -> Email:
    """The email about `event` for `recipient`; times are written for people, in `zone` (the account's)."""
    handoff = event.handoff
    first_line = (handoff.engineer_notes.strip().splitlines() or ["(no notes)"])[0]
    if len(first_line) > SUBJECT_NOTES_CHARS:
        first_line = first_line[: SUBJECT_NOTES_CHARS - 1] + "…"
    link = handoff_link(console_url, handoff)
    actor = event.actor.name if event.actor else handoff.created_by_name
    triage = handoff.session
    ticket = " ".join(part for part in (triage.priority, triage.ticket_ref) if part)
    level = handoff.overdue_level
    headline = {
        "handoff_overdue": f"Nobody has picked up {handoff.created_by_name}'s escalation yet (overdue level {level}).",
        "handoff_reassigned": f"{actor} handed you a troubleshooting session.",
        "handoff_escalated": f"{handoff.created_by_name} turned a parked session into an escalation and needs a senior.",
    }.get(event.type, f"{handoff.created_by_name} escalated a troubleshooting session and needs a senior.")
    reason = event.timeline_entry.reason if event.timeline_entry else None
    facts = [f"{label}: {value}" for label, value in [*triage.facts(), ("Reason", reason)] if value]
    action = "Open it" if event.type == "handoff_reassigned" else "Pick it up"
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
    kind = {"handoff_reassigned": "Handed to you", "handoff_overdue": f"Overdue (level {level}): escalation"}.get(
        event.type, "Escalation"
    )
    prefix = f"[baton] {kind}{' ' + ticket if ticket else ''} from {actor}"
    return Email(to=recipient.email, subject=f"{prefix}: {first_line}", text=text)


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
