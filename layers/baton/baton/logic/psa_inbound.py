"""A PSA's call about a ticket (`TicketChange`, read by the PSA's connector): what it does in baton.

- moved into the account's escalation status: a session (intake from the ticket's summary and description, triage
  fields from the ticket, `psa_ticket` linking it) and an escalation, created by the mapped member who moved it or
  else the account's integration user; once per ticket while its handoff is open or claimed;
- closed in the PSA: the ticket's open handoff is withdrawn, "closed in the PSA";
- made by baton's own API member: ignored (no echo loop).
"""

from __future__ import annotations

from baton.connectors.declaration import Connector
from baton.connectors.psa_api import TicketChange
from baton.domain.connector_state import ConnectorSetup, TicketLink
from baton.domain.errors import BatonError
from baton.domain.models import HandoffDraft, PsaTicket, Role, SessionDraft, User
from baton.logic import handoffs, sessions
from baton.logic.connector_setup import integration_user
from baton.logic.inbound import EXECUTORS, InboundServices, Outcome

CLOSED_REASON = "closed in the PSA"
LIVE = ("open", "claimed")


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
    session = sessions.create_session(actor, draft, services.handoffs)
    notes = change.description or change.summary or f"Escalated from {declared.title} ticket {change.ticket_id}."
    try:
        handoff = handoffs.create_handoff(
            actor, session.id, HandoffDraft(intent="escalate", engineer_notes=notes[:4000]), services.handoffs
        )
    except BatonError:
        services.connectors.link_ticket(_link(setup, change, session.id, None))
        raise
    services.connectors.link_ticket(_link(setup, change, session.id, handoff.id))
    return Outcome("accepted", f"Ticket {change.ticket_id} escalated by {actor.display_name}: handoff {handoff.id}.")


def _link(setup: ConnectorSetup, change: TicketChange, session_id: str, handoff_id: str | None) -> TicketLink:
    return TicketLink(
        account_id=setup.account_id,
        connector=setup.name,
        ticket_id=change.ticket_id,
        session_id=session_id,
        handoff_id=handoff_id,
    )


EXECUTORS[TicketChange] = apply
