"""Write-back: each lifecycle event of a handoff linked to a PSA ticket becomes one internal note on the ticket, and
a claim or a reassign sets the ticket's owner to the mapped member (DESIGN §3e, "PSA bridge").

Exactly one note per event, whatever the retries: the consumer runs this once per event id (Powertools idempotency),
and a redelivery (its first attempt may have reached the PSA and then failed to hear the answer) first looks for
the event's marker among the ticket's notes. What a PSA answers is classified as a webhook's answer is: delivered;
refused for good (401, 403, 404 ticket: recorded as the connector's last delivery, not retried); worth a retry
(5xx, no answer) or rate-limited (429: `Transient` with its Retry-After): the message waits in its queue.
"""

from __future__ import annotations

from typing import Literal

from baton.connectors.http import HttpReply
from baton.connectors.psa_api import PsaConfig, note_marker
from baton.connectors.registry import connector
from baton.domain.clock import iso, utc_now
from baton.domain.connector_state import ConnectorSetup
from baton.domain.errors import Transient
from baton.domain.events import HandoffEvent
from baton.domain.messages import Message
from baton.domain.modeling import Model
from baton.domain.models import WebhookDelivery
from baton.logic.notify import handoff_link
from baton.logic.psa import PsaLink, classified, said
from baton.ports import ConnectorStore, ProviderTransport

# What each event says on the ticket (the overdue ladder and snapshots are no news for the ticket).
SAYS = {
    "handoff_created": "{actor} handed this ticket off in baton ({intent})",
    "handoff_escalated": "{actor} escalated this ticket in baton",
    "handoff_claimed": "{actor} picked this ticket up in baton",
    "handoff_released": "{actor} released this ticket back to baton's queue",
    "handoff_reassigned": "{actor} reassigned this ticket to {to} in baton",
    "handoff_withdrawn": "{actor} withdrew this ticket's handoff in baton",
    "handoff_resolved": "{actor} resolved this ticket in baton",
}
OWNER_EVENTS = ("handoff_claimed", "handoff_reassigned")


class NoteOutcome(Model):
    outcome: Literal["not_linked", "not_configured", "delivered", "rejected", "already_there"]
    provider_status: int | None = None
    detail: str = ""


def note_message(event: HandoffEvent, console_url: str, owner_line: str | None) -> Message:
    handoff, entry = event.handoff, event.timeline_entry
    actor = event.actor.name if event.actor else "baton"
    title = SAYS[event.type].format(actor=actor, intent=handoff.intent, to=handoff.claimed_by_name or "someone")
    facts: list[tuple[str, str]] = []
    if entry is not None and entry.reason:
        facts.append(("Reason", entry.reason))
    if owner_line:
        facts.append(("Owner", owner_line))
    notes = handoff.engineer_notes.strip() or "(no notes)"
    if event.type == "handoff_resolved":
        notes = f"Resolution: {(handoff.resolution_notes or '').strip() or '(none given)'}"
    return Message(
        title=title, facts=facts, notes=notes, link=handoff_link(console_url, handoff), link_label="Open in baton", accent="good"
    )


def is_noted(event: HandoffEvent, name: str) -> bool:
    ticket = event.handoff.session.psa_ticket
    return event.type in SAYS and ticket is not None and ticket.connector == name


def write_back(
    event: HandoffEvent,
    name: str,
    store: ConnectorStore,
    transport: ProviderTransport,
    console_url: str,
    redelivered: bool,
    setup: ConnectorSetup | None = None,
) -> NoteOutcome:
    """`setup`: the account's connector as the consumer read it for this event (read here when not given)."""
    ticket = event.handoff.session.psa_ticket
    if ticket is None or not is_noted(event, name):
        return NoteOutcome(outcome="not_linked")
    declared = connector(name)
    setup = setup or store.get(event.account_id, name)
    secrets = store.secrets(event.account_id, name, setup.updated_at) if setup is not None else None
    if setup is None or secrets is None or declared.psa is None:
        return NoteOutcome(outcome="not_configured")
    api = declared.psa
    link = PsaLink(declared, event.account_id, PsaConfig(setup.settings, secrets), transport, store)
    owner_line: str | None = None
    if event.type in OWNER_EVENTS:
        member = setup.external_id_of(event.handoff.claimed_by)
        holder = event.handoff.claimed_by_name or "The new holder"
        if member is None:
            owner_line = f"{holder} is not mapped to a {declared.title} member: the owner is unchanged (not mapped)."
        else:
            reply = link.send(lambda config: api.set_owner(config, ticket.id, member))
            if (done := _settle(event, name, store, reply)) is not None:
                return done
            owner_line = f"set to {member} ({holder})."
    marker = note_marker(event.event_id)
    if redelivered:  # the first attempt may have written the note and lost the answer
        listed = link.send(lambda config: api.notes(config, ticket.id))
        if listed.ok and any(marker in text for text in api.read_notes(listed)):
            return _recorded(
                event, name, store, "already_there", listed, f"The note of event {event.event_id} was there already."
            )
    text = declared.render(note_message(event, console_url, owner_line))["text"] + "\n\n" + marker
    reply = link.send(lambda config: api.add_note(config, ticket.id, text))
    if (done := _settle(event, name, store, reply)) is not None:
        return done
    return _recorded(event, name, store, "delivered", reply, said(declared, reply))


def _settle(event: HandoffEvent, name: str, store: ConnectorStore, reply: HttpReply) -> NoteOutcome | None:
    """None when the PSA took it; a rejection (recorded, not retried); else `Transient` (recorded as retrying)."""
    verdict = classified(reply)
    detail = said(connector(name), reply)
    if verdict.meaning == "delivered":
        return None
    if verdict.meaning == "rejected":
        return _recorded(event, name, store, "rejected", reply, detail)
    store.record_delivery(event.account_id, name, _delivery("retrying", reply, detail, event.event_id))
    retry_after = {} if verdict.retry_after_s is None else {"retry_after_s": verdict.retry_after_s}
    raise Transient(detail, provider_status=reply.status, verdict=verdict.verdict, **retry_after)


def _recorded(
    event: HandoffEvent,
    name: str,
    store: ConnectorStore,
    outcome: Literal["delivered", "rejected", "already_there"],
    reply: HttpReply,
    detail: str,
) -> NoteOutcome:
    shown: Literal["delivered", "rejected"] = "rejected" if outcome == "rejected" else "delivered"
    store.record_delivery(event.account_id, name, _delivery(shown, reply, detail, event.event_id))
    return NoteOutcome(outcome=outcome, provider_status=reply.status, detail=detail)


def _delivery(
    outcome: Literal["delivered", "rejected", "retrying"], reply: HttpReply, detail: str, event_id: str
) -> WebhookDelivery:
    return WebhookDelivery(at=iso(utc_now()), outcome=outcome, provider_status=reply.status, detail=detail, event_id=event_id)
