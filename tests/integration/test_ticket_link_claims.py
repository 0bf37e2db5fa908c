"""A PSA ticket's link on moto: claimed with a conditional put that holds only while the link is still exactly what
the caller read (absent; the same session, handoff and claim), so of two calls about one ticket one escalates."""

from __future__ import annotations

import boto3

from baton.domain.connector_state import TicketLink
from baton.repositories.connectors import ConnectorRepository

TICKET = TicketLink(account_id="acme", connector="connectwise", ticket_id="4711", session_id="s1")


def test_a_claim_holds_only_against_the_link_as_it_was_read(aws: dict[str, str]) -> None:
    store = ConnectorRepository("DataTable", "/baton/connectors", boto3.client("dynamodb"), boto3.client("ssm"))
    claim = TICKET.model_copy(update={"escalating_since": "2026-12-07T03:00:00Z"})
    # Given no link yet: the first claim holds, a second one that also read "none" does not
    assert store.claim_ticket(claim, None) is True
    assert store.claim_ticket(claim.model_copy(update={"session_id": "s2"}), None) is False
    assert store.ticket_link("acme", "connectwise", "4711") == claim
    # When the winner links its handoff, a claim made against the claim it saw no longer holds
    done = TICKET.model_copy(update={"handoff_id": "h1"})
    store.link_ticket(done)
    assert store.claim_ticket(TICKET.model_copy(update={"session_id": "s3"}), claim) is False
    # Then a later escalation (the handoff resolved) claims against the link as it is now, once
    again = TICKET.model_copy(update={"session_id": "s4", "escalating_since": "2026-12-07T04:00:00Z"})
    assert store.claim_ticket(again, done) is True
    assert store.claim_ticket(again.model_copy(update={"session_id": "s5"}), done) is False
    assert store.ticket_link("acme", "connectwise", "4711") == again
