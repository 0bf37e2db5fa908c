"""A PSA's call about a ticket (`TicketChange`, read by the PSA's connector): what it does in baton.

- moved into the account's escalation status: a session (intake from the ticket's summary and description, triage
  fields from the ticket, `psa_ticket` linking it) and an escalation, created by the mapped member who moved it or
  else the account's integration user; once per ticket while its handoff is open or claimed;
- closed in the PSA: the ticket's open handoff is withdrawn, "closed in the PSA";
- made by baton's own API member: ignored (no echo loop).

Two calls about one ticket at once (two deliveries of one change, or two changes) make one session: the ticket's
link is claimed with a conditional put before the session is made (its id chosen first), and the call that loses
finds the winner's session and does nothing.
"""

from __future__ import annotations

from datetime import timedelta

from baton.connectors.declaration import Connector
from baton.connectors.psa_api import TicketChange
from baton.domain.clock import iso, new_id, parse_iso, utc_now
from baton.domain.connector_state import ConnectorSetup, TicketLink
from baton.domain.models import HandoffDraft, PsaTicket, Role, SessionDraft, User
from baton.logic import handoffs, sessions
from baton.logic.connector_setup import integration_user
from baton.logic.inbound import EXECUTORS, InboundServices, Outcome

CLOSED_REASON = "closed in the PSA"
LIVE = ("open", "claimed")
# A claim older than this was left by a call that died (the hooks function's timeout is 10 s): it may be taken over.
CLAIM_HELD = timedelta(minutes=2)


def _actor(change: TicketChange, setup: ConnectorSetup, services: InboundServices) -> User:
    """The mapped member who made the change, if they may create handoffs; else the integration user."""
    user_id = setup.user_of(change.changed_by)
    person = services.users.get(user_id) if user_id else None
    if person is not None and person.account_id == setup.account_id and person.role.at_least(Role.ENGINEER):
        return person
    return integration_user(setup.name, setup.account_id)


def apply(change: TicketChange, declared: Connector, setup: ConnectorSetup, services: InboundServices) -> Outcome:
    if change.by_integration:
        return Outcome("ignored", f"A change baton's own {declared.title} member made (no echo).")
    link = services.connectors.ticket_link(setup.account_id, setup.name, change.ticket_id)
    current = (
        services.handoffs.get_handoff(setup.account_id, link.session_id, link.handoff_id)
        if link is not None and link.handoff_id
        else None
    )
    if change.closed:
        if link is None or current is None or current.status != "open":
            return Outcome("ignored", f"Ticket {change.ticket_id} closed; no open handoff of it.")
        actor = integration_user(setup.name, setup.account_id)
        handoffs.withdraw(actor, link.session_id, current.id, CLOSED_REASON, services.handoffs)
        return Outcome("accepted", f"Ticket {change.ticket_id} closed: its handoff is withdrawn.")
    if not change.escalated:
        return Outcome("ignored", f"Ticket {change.ticket_id} is not in the escalation status.")
    if current is not None and current.status in LIVE:
        return Outcome("ignored", f"Ticket {change.ticket_id} is escalated already (handoff {current.id}).")
    if link is not None and _escalating(link):
        return Outcome("ignored", f"Ticket {change.ticket_id} is being escalated by another call (session {link.session_id}).")
    claim = _link(setup, change, new_id(), None).model_copy(update={"escalating_since": iso(utc_now())})
    if not services.connectors.claim_ticket(claim, link):
        winner = services.connectors.ticket_link(setup.account_id, setup.name, change.ticket_id)
        held = winner.session_id if winner is not None else "gone"
        return Outcome("ignored", f"Ticket {change.ticket_id} is escalated by another call (session {held}).")
    actor = _actor(change, setup, services)
    draft = SessionDraft(
        session_type="psa",
        intake_type="ticket",
        intake_content={"ticket_id": change.ticket_id, "summary": change.summary, "description": change.description},
        ticket_ref=change.ticket_id[:64],
        client_name=change.client_name or None,
        subject=change.summary or None,
        priority=change.priority,  # P1-P4 or None, as the connector reads it
        psa_ticket=PsaTicket(connector=setup.name, id=change.ticket_id, url=change.url or None),
    )
    notes = change.description or change.summary or f"Escalated from {declared.title} ticket {change.ticket_id}."
    try:
        session = sessions.create_session(actor, draft, services.handoffs, session_id=claim.session_id)
        handoff = handoffs.create_handoff(
            actor, session.id, HandoffDraft(intent="escalate", engineer_notes=notes[:4000]), services.handoffs
        )
    except Exception:  # the claim is let go: a later change of the ticket may escalate it
        services.connectors.link_ticket(claim.model_copy(update={"escalating_since": None}))
        raise
    services.connectors.link_ticket(claim.model_copy(update={"handoff_id": handoff.id, "escalating_since": None}))
    return Outcome("accepted", f"Ticket {change.ticket_id} escalated by {actor.display_name}: handoff {handoff.id}.")


def _escalating(link: TicketLink) -> bool:
    """Another call claimed the ticket and is making its session and handoff now."""
    since = link.escalating_since
    return link.handoff_id is None and since is not None and utc_now() - parse_iso(since) < CLAIM_HELD


def _link(setup: ConnectorSetup, change: TicketChange, session_id: str, handoff_id: str | None) -> TicketLink:
    return TicketLink(
        account_id=setup.account_id,
        connector=setup.name,
        ticket_id=change.ticket_id,
        session_id=session_id,
        handoff_id=handoff_id,
    )


EXECUTORS[TicketChange] = apply
