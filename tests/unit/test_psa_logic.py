"""The PSA use cases with in-memory stores and a tiny PSA: write-back (one note per event whatever the retries, the
owner on claim and reassign, unmapped claimers, refusals, rate limits, the request budget), inbound ticket changes
(escalate once, close withdraws, echoes ignored) and setting a connector up (checked, hooked, members matched)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from baton.connectors.http import HttpReply
from baton.connectors.psa_api import TicketChange
from baton.connectors.registry import connector
from baton.domain.clock import iso, utc_now
from baton.domain.connector_state import ConnectorSetup, MemberLink, TicketLink
from baton.domain.errors import Invalid, Transient
from baton.domain.events import HandoffEvent
from baton.domain.models import PsaTicket, Role, Triage
from baton.logic import connector_setup, psa_inbound, psa_notes
from baton.logic.inbound import InboundServices
from tests.unit.fakes import InMemoryHandoffs, InMemoryUsers, person
from tests.unit.psa_fakes import InMemoryConnectors, TinyPsa
from tests.unit.test_channels import _event

CONSOLE = "https://console.example/"
SENIOR = person(Role.ENGINEER, name="senior")
JUNIOR = person(Role.ENGINEER, name="junior")
SETTINGS = {"site": "api-na.myconnectwise.net", "company_id": "acme", "escalation_status": "Escalate to T2"}


def _store(**setup: Any) -> InMemoryConnectors:
    store = InMemoryConnectors()
    store.save(
        ConnectorSetup(
            account_id="acme",
            name="connectwise",
            settings={**SETTINGS, **setup},
            hook_id="9",
            members=[MemberLink(user_id=SENIOR.id, external_id="ssenior", matched_by="email")],
            updated_at="t",
            updated_by="u",
            updated_by_name="U",
        ),
        {"public_key": "p", "private_key": "k", "client_id": "c"},
    )
    return store


def _linked(kind: str, claimed_by: str | None = None, connector_name: str = "connectwise") -> HandoffEvent:
    event = _event(kind)
    session = Triage(ticket_ref="4711", psa_ticket=PsaTicket(connector=connector_name, id="4711")).model_dump()
    handoff = {**event.handoff.model_dump(), "session": session, "claimed_by": claimed_by, "claimed_by_name": "Sam"}
    return HandoffEvent.model_validate(
        {**event.model_dump(by_alias=True), "handoff": handoff, "actor": {"id": "u", "name": "Sam"}}
    )


def test_a_claim_sets_the_owner_and_writes_one_internal_note_with_the_event_marker() -> None:
    store, psa = _store(), TinyPsa()
    done = psa_notes.write_back(_linked("handoff_claimed", SENIOR.id), "connectwise", store, psa, CONSOLE, redelivered=False)
    assert done.outcome == "delivered"
    assert psa.owner == {"4711": "ssenior"}
    [note] = psa.notes["4711"]
    assert "Sam picked this ticket up" in note and "set to ssenior" in note and "[baton event e1]" in note
    assert store.deliveries[-1].outcome == "delivered"


def test_a_redelivery_whose_first_attempt_landed_writes_no_second_note() -> None:
    # Given a PSA that stores the note and then loses its answer (the first attempt fails for the consumer)
    store, psa = _store(), TinyPsa()
    psa.lose_answer_after = lambda _: True
    event = _linked("handoff_resolved")
    with pytest.raises(Transient):
        psa_notes.write_back(event, "connectwise", store, psa, CONSOLE, redelivered=False)
    # When the queue redelivers the event
    psa.lose_answer_after = lambda _: False
    done = psa_notes.write_back(event, "connectwise", store, psa, CONSOLE, redelivered=True)
    # Then it finds its note on the ticket and writes none (one note per event, whatever the retries)
    assert done.outcome == "already_there"
    assert len(psa.notes["4711"]) == 1


def test_an_unmapped_claimer_still_gets_a_note_that_says_so_and_the_owner_stays() -> None:
    store, psa = _store(), TinyPsa()
    done = psa_notes.write_back(_linked("handoff_claimed", JUNIOR.id), "connectwise", store, psa, CONSOLE, redelivered=False)
    assert done.outcome == "delivered" and psa.owner == {}
    assert "not mapped" in psa.notes["4711"][0]


@pytest.mark.parametrize("status", [401, 403, 404])
def test_a_permanent_refusal_is_recorded_and_not_retried(status: int) -> None:
    store, psa = _store(), TinyPsa()
    psa.fail = [HttpReply(status, '{"message": "no"}')]
    done = psa_notes.write_back(_linked("handoff_withdrawn"), "connectwise", store, psa, CONSOLE, redelivered=False)
    assert done.outcome == "rejected" and done.provider_status == status
    assert store.deliveries[-1].outcome == "rejected" and store.deliveries[-1].provider_status == status


def test_a_429_waits_for_its_retry_after_and_a_500_is_retried() -> None:
    store, psa = _store(), TinyPsa()
    psa.fail = [HttpReply(429, "", {"retry-after": "7"})]
    with pytest.raises(Transient) as raised:
        psa_notes.write_back(_linked("handoff_released"), "connectwise", store, psa, CONSOLE, redelivered=False)
    assert raised.value.extra == {"provider_status": 429, "verdict": "rate_limited", "retry_after_s": 7}
    psa.fail = [HttpReply(500, "")]
    with pytest.raises(Transient):
        psa_notes.write_back(_linked("handoff_released"), "connectwise", store, psa, CONSOLE, redelivered=False)
    assert [d.outcome for d in store.deliveries] == ["retrying", "retrying"]


def test_a_spent_budget_sends_nothing_and_waits_for_the_next_hour() -> None:
    store, psa = _store(request_budget_per_hour=1), TinyPsa()
    psa_notes.write_back(_linked("handoff_created"), "connectwise", store, psa, CONSOLE, redelivered=False)
    sent = len(psa.sent)
    with pytest.raises(Transient) as raised:
        psa_notes.write_back(_linked("handoff_released"), "connectwise", store, psa, CONSOLE, redelivered=False)
    assert raised.value.extra["verdict"] == "rate_limited" and 0 < raised.value.extra["retry_after_s"] <= 3600
    assert len(psa.sent) == sent


def test_an_event_of_another_connector_or_none_calls_nothing() -> None:
    store, psa = _store(), TinyPsa()
    assert (
        psa_notes.write_back(
            _linked("handoff_claimed", connector_name="autotask"), "connectwise", store, psa, CONSOLE, False
        ).outcome
        == "not_linked"
    )
    assert psa_notes.write_back(_event("handoff_claimed"), "connectwise", store, psa, CONSOLE, False).outcome == "not_linked"
    assert psa_notes.write_back(_linked("handoff_overdue"), "connectwise", store, psa, CONSOLE, False).outcome == "not_linked"
    assert psa.sent == []


# --- inbound ---------------------------------------------------------------------------------------------
def _change(**fields: Any) -> TicketChange:
    values: dict[str, Any] = {
        "connector": "connectwise",
        "ticket_id": "4711",
        "change_id": "4711@t1",
        "url": "https://psa.example/4711",
        "escalated": True,
        "closed": False,
        "by_integration": False,
        "changed_by": "ssenior",
        "summary": "VPN down",
        "description": "Tunnel flaps",
        "client_name": "Contoso",
        "priority": "P1",
    }
    return TicketChange(**{**values, **fields})


def _services(store: InMemoryConnectors, handoffs: InMemoryHandoffs) -> InboundServices:
    return InboundServices(store, handoffs, InMemoryUsers(SENIOR, JUNIOR), TinyPsa(), CONSOLE)


def test_a_ticket_moved_to_the_escalation_status_creates_one_escalation_by_the_mapped_member() -> None:
    store, handoffs = _store(), InMemoryHandoffs()
    services, setup = _services(store, handoffs), store.get("acme", "connectwise")
    assert setup is not None
    done = psa_inbound.apply(_change(), connector("connectwise"), setup, services)
    assert done.outcome == "accepted"
    [session] = handoffs.sessions.values()
    assert session.psa_ticket == PsaTicket(connector="connectwise", id="4711", url="https://psa.example/4711")
    assert (session.subject, session.client_name, session.priority, session.user_id) == ("VPN down", "Contoso", "P1", SENIOR.id)
    [[handoff]] = handoffs.handoffs.values()
    assert handoff.intent == "escalate" and handoff.status == "open" and handoff.created_by == SENIOR.id
    # And another change of the ticket while its handoff is open creates nothing more
    assert psa_inbound.apply(_change(change_id="4711@t2"), connector("connectwise"), setup, services).outcome == "ignored"
    assert len(handoffs.sessions) == 1


def test_an_unmapped_changer_escalates_as_the_integration_user_and_closing_withdraws() -> None:
    store, handoffs = _store(), InMemoryHandoffs()
    services, setup = _services(store, handoffs), store.get("acme", "connectwise")
    assert setup is not None
    psa_inbound.apply(_change(changed_by="someone"), connector("connectwise"), setup, services)
    [[handoff]] = handoffs.handoffs.values()
    assert handoff.created_by == "connector:connectwise" and handoff.created_by_name == "ConnectWise PSA"
    done = psa_inbound.apply(_change(escalated=False, closed=True), connector("connectwise"), setup, services)
    assert done.outcome == "accepted"
    [[withdrawn]] = handoffs.handoffs.values()
    assert withdrawn.status == "withdrawn" and withdrawn.timeline[-1].reason == "closed in the PSA"


def test_baton_s_own_change_is_ignored() -> None:
    store, handoffs = _store(), InMemoryHandoffs()
    setup = store.get("acme", "connectwise")
    assert setup is not None
    assert (
        psa_inbound.apply(_change(by_integration=True), connector("connectwise"), setup, _services(store, handoffs)).outcome
        == "ignored"
    )
    assert handoffs.sessions == {}


def test_a_ticket_another_call_is_escalating_is_left_to_it_unless_that_call_died() -> None:
    # Given a claim on the ticket by a call still making its session (no handoff yet)
    store, handoffs = _store(), InMemoryHandoffs()
    services, setup = _services(store, handoffs), store.get("acme", "connectwise")
    assert setup is not None
    just_now = TicketLink(account_id="acme", connector="connectwise", ticket_id="4711", session_id="s-other")
    store.links[("acme", "connectwise", "4711")] = just_now.model_copy(update={"escalating_since": iso(utc_now())})
    # When another change of the ticket arrives, Then it makes nothing and names the other call's session
    done = psa_inbound.apply(_change(change_id="4711@t2"), connector("connectwise"), setup, services)
    assert done.outcome == "ignored" and "s-other" in done.detail and handoffs.sessions == {}
    # But a claim older than a call can live was left by one that died: the next change takes it over
    stale = iso(utc_now() - psa_inbound.CLAIM_HELD - timedelta(seconds=1))
    store.links[("acme", "connectwise", "4711")] = just_now.model_copy(update={"escalating_since": stale})
    assert psa_inbound.apply(_change(change_id="4711@t3"), connector("connectwise"), setup, services).outcome == "accepted"
    link = store.links[("acme", "connectwise", "4711")]
    assert len(handoffs.sessions) == 1 and link.handoff_id is not None and link.escalating_since is None


def test_a_failed_escalation_lets_its_claim_go() -> None:
    # Given a data store that fails when the handoff is created
    store, handoffs = _store(), InMemoryHandoffs()
    services, setup = _services(store, handoffs), store.get("acme", "connectwise")
    assert setup is not None

    def busy(handoff: Any) -> None:
        raise Transient("The data store is busy; retry in a moment.")

    handoffs.create_handoff = busy  # type: ignore[method-assign]
    with pytest.raises(Transient):
        psa_inbound.apply(_change(), connector("connectwise"), setup, services)
    # Then the ticket is not held: its link names the session, no handoff and no claim, and a retry may escalate it
    link = store.links[("acme", "connectwise", "4711")]
    assert link.handoff_id is None and link.escalating_since is None


# --- set-up ------------------------------------------------------------------------------------------------
def _setup_services(store: InMemoryConnectors, psa: TinyPsa) -> connector_setup.SetupServices:
    users = InMemoryUsers(SENIOR, JUNIOR, person(Role.OWNER, name="owner"))
    return connector_setup.SetupServices(store, psa, users, None, None, {}, CONSOLE)  # type: ignore[arg-type]


def test_saving_checks_the_keys_registers_the_hook_and_matches_members_by_email() -> None:
    store = InMemoryConnectors()
    psa = TinyPsa(members=[{"identifier": "ssenior", "firstName": "Sam", "lastName": "S", "primaryEmail": "SENIOR@acme.test"}])
    owner = person(Role.OWNER, name="owner")
    secrets = {"public_key": "p", "private_key": "k", "client_id": "c"}
    setup = connector_setup.save(owner, "connectwise", SETTINGS, secrets, "https://api.example", _setup_services(store, psa))
    assert setup is not None and setup.hook_id == "9"
    assert [(m.user_id, m.external_id, m.matched_by) for m in setup.members] == [(SENIOR.id, "ssenior", "email")]
    registered = next(r for r in psa.sent if r.url.endswith("/system/callbacks"))
    assert registered.json_body["url"] == "https://api.example/hooks/connectwise/acme"
    stored = store.secrets("acme", "connectwise")
    assert stored is not None and stored["private_key"] == "k" and len(stored["hook_secret"]) > 30


def test_saving_with_keys_the_psa_refuses_is_a_422_naming_its_answer_and_stores_nothing() -> None:
    store, psa = InMemoryConnectors(), TinyPsa()
    psa.fail = [HttpReply(401, '{"code": "Unauthorized"}')]
    owner = person(Role.OWNER, name="owner")
    with pytest.raises(Invalid, match="ConnectWise PSA answered 401"):
        connector_setup.save(
            owner,
            "connectwise",
            SETTINGS,
            {"public_key": "p", "private_key": "bad", "client_id": "c"},
            "https://x",
            _setup_services(store, psa),
        )
    assert store.setups == {}
    with pytest.raises(Invalid, match="settings"):
        connector_setup.save(owner, "connectwise", {"site": "x y"}, {}, "https://x", _setup_services(store, psa))
