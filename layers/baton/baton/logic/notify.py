"""Escalation email: who gets it and what it says."""

from pydantic import BaseModel

from baton.events import HandoffEvent
from baton.models import Role, User

SUBJECT_NOTES_CHARS = 60


class Email(BaseModel):
    to: str
    subject: str
    text: str


def is_emailed(event: HandoffEvent) -> bool:
    """Which events mean an email (the email subscription's filter policy says the same)."""
    return event.type == "handoff_created" and event.handoff.intent == "escalate"


def recipients(event: HandoffEvent, members: list[User]) -> list[User]:
    """Engineers, admins and owners of the account who want email, except the escalation's creator."""
    return [
        user
        for user in members
        if user.account_id == event.account_id
        and user.role.at_least(Role.ENGINEER)
        and user.notify_email
        and user.id != event.handoff.created_by
    ]


def compose(event: HandoffEvent, recipient: User, console_url: str) -> Email:
    handoff = event.handoff
    first_line = (handoff.engineer_notes.strip().splitlines() or ["(no notes)"])[0]
    if len(first_line) > SUBJECT_NOTES_CHARS:
        first_line = first_line[: SUBJECT_NOTES_CHARS - 1] + "…"
    link = f"{console_url.rstrip('/')}/#/handoffs/{handoff.session_id}/{handoff.id}"
    text = "\n".join(
        [
            f"Hi {recipient.display_name},",
            "",
            f"{handoff.created_by_name} escalated a troubleshooting session and needs a senior.",
            "",
            "Notes:",
            handoff.engineer_notes.strip() or "(no notes)",
            "",
            f"Pick it up: {link}",
            "",
            f"Escalated at {handoff.created_at}. You get this because email notifications are on for you in baton.",
        ]
    )
    return Email(to=recipient.email, subject=f"[baton] Escalation from {handoff.created_by_name}: {first_line}", text=text)
