"""The PSA bridge under the local runtime, for each PSA (ConnectWise PSA, Autotask, HaloPSA): the product's own functions call
the loopback stand-in over HTTPS, and the stand-in calls baton's hook as the PSA does (signed as it signs).

A ticket moved into the escalation status appears in the senior's queue (pushed); the claim writes one internal
note and sets the owner; a reassign and a resolve write theirs; the PSA closing a second ticket withdraws its
handoff; the stand-in saw exactly one note per event, with correct auth. Then the faults: 500 for a while (the note
arrives after, once), 429 with Retry-After (honoured), 401 (not retried, shown as the last delivery), forged and
replayed calls (401, nothing created), the consumer failing while push and email flow, and another account never
reaching the stand-in.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Stack, eventually
from tests.e2e.live import Live

OWNER, JUNIOR, SENIOR, SENIOR2 = "owner@acme.test", "junior@acme.test", "senior@acme.test", "senior2@acme.test"


@dataclass(frozen=True)
class Psa:
    """What differs between the PSAs in these tests: how to connect, what a ticket change is, where notes are."""

    name: str
    connect: Callable[[dict[str, Any], str], dict[str, Any]]  # (stand-in's state, account) -> the PUT body
    escalate: dict[str, Any]  # `fire` fields: moved into the escalation status by the junior
    details: dict[str, Any]  # `fire` fields: summary, description, client, priority 1
    close: dict[str, Any]
    again: Callable[[dict[str, Any]], dict[str, Any]]  # the same delivery once more, from what the first fire said
    notes: Callable[[dict[str, Any], int], list[dict[str, Any]]]  # acme's notes of a ticket
    text: Callable[[dict[str, Any]], str]
    internal: Callable[[dict[str, Any]], bool]
    owner: Callable[[dict[str, Any], int], str | None]  # acme's ticket's owner (external id)
    member: dict[str, str]  # baton email -> external id
    notes_path: Callable[[int], str]  # a path part only this ticket's note calls have (for faults)
    is_note_post: Callable[[dict[str, Any], int], bool]  # whether a recorded call posted a note to this ticket


def _cw_state(state: dict[str, Any], ticket: int) -> dict[str, Any]:
    return dict(state["companies"]["acme"]["tickets"][str(ticket)])


CONNECTWISE = Psa(
    name="connectwise",
    connect=lambda state, account: {
        "settings": {"site": state["site"], "company_id": account, "escalation_status": "Escalate to T2"},
        "secrets": {"public_key": f"{account}public", "private_key": f"{account}private", "client_id": "baton-local-test"},
    },
    escalate={"status": "Escalate to T2", "member": "ajunior"},
    details={
        "summary": "VPN down at Contoso",
        "description": "Tunnel flaps every 5 minutes",
        "priority": "Priority 1 - Critical",
    },
    close={"status": "Closed", "closed": True},
    again=lambda fired: {"message_id": fired["message_id"]},
    notes=lambda state, ticket: list(state["companies"]["acme"]["notes"].get(str(ticket), [])),
    text=lambda note: str(note["text"]),
    internal=lambda note: bool(note["internalAnalysisFlag"]),
    owner=lambda state, ticket: (_cw_state(state, ticket).get("owner") or {}).get("identifier"),
    member={SENIOR: "asenior", SENIOR2: "asenior2"},
    notes_path=lambda ticket: f"/service/tickets/{ticket}/notes",
    is_note_post=lambda call, ticket: call["method"] == "POST" and call["path"].endswith(f"/service/tickets/{ticket}/notes"),
)

AUTOTASK = Psa(
    name="autotask",
    connect=lambda state, account: {
        "settings": {
            "zone_url": state["zone_url"],
            "escalation_status_id": 14,
            "resource_role_id": 29683459,
            "api_resource_id": state["api_resource_id"][account],
        },
        "secrets": state["keys"][account],
    },
    escalate={"status": 14, "person": "junior"},
    details={"title": "VPN down at Contoso", "description": "Tunnel flaps every 5 minutes", "priority": 4},
    close={"status": 5},
    again=lambda fired: {"sequence": fired["sequence"]},
    notes=lambda state, ticket: list(state["tenants"]["acme"]["notes"].get(str(ticket), [])),
    text=lambda note: str(note["description"]),
    internal=lambda note: note["publish"] == 2,
    owner=lambda state, ticket: (
        str(owner) if (owner := state["tenants"]["acme"]["tickets"][str(ticket)].get("assignedResourceID")) else None
    ),
    member={SENIOR: "29680001", SENIOR2: "29680002"},
    notes_path=lambda ticket: f"/Tickets/{ticket}/Notes",
    is_note_post=lambda call, ticket: call["method"] == "POST" and call["path"].endswith(f"/Tickets/{ticket}/Notes"),
)

HALOPSA = Psa(
    name="halopsa",
    connect=lambda state, account: {
        "settings": {"base_url": state["base_url"], "escalation_status_id": 21, "api_agent_id": state["api_agent_id"][account]},
        "secrets": state["clients"][account],
    },
    escalate={"status_id": 21, "agent": "junior"},
    details={"summary": "VPN down at Contoso", "details": "Tunnel flaps every 5 minutes", "priority_id": 1},
    close={"status_id": 9},
    again=lambda fired: {"event_id": fired["event_id"]},
    notes=lambda state, ticket: list(state["instances"]["acme"]["actions"].get(str(ticket), [])),
    text=lambda note: str(note["note"]),
    internal=lambda note: note["hiddenfromuser"] is True,
    owner=lambda state, ticket: (
        str(agent) if (agent := state["instances"]["acme"]["tickets"][str(ticket)].get("agent_id")) else None
    ),
    member={SENIOR: "11", SENIOR2: "12"},
    notes_path=lambda ticket: "/api/Actions",  # Halo's actions are one collection: every ticket's note calls
    is_note_post=lambda call, ticket: (
        call["method"] == "POST"
        and call["path"] == "/api/Actions"
        and any(action.get("ticket_id") == ticket for action in call["body"] or [])
    ),
)
PSAS = [CONNECTWISE, AUTOTASK, HALOPSA]


def _standin(stack: Stack, psa: Psa) -> dict[str, Any]:
    found = dict(httpx.get(f"{stack.base_url}/local/connectors").json()[psa.name])
    found["state"]["site"] = found["host"]
    return found


def _notes(stack: Stack, psa: Psa, ticket: int) -> list[dict[str, Any]]:
    return psa.notes(_standin(stack, psa)["state"], ticket)


def _fire(stack: Stack, psa: Psa, **order: Any) -> dict[str, Any]:
    reply = httpx.post(f"{stack.base_url}/local/connectors/{psa.name}/fire", json={"account_id": "acme", **order}, timeout=30)
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def _arm(stack: Stack, psa: Psa, **fault: Any) -> None:
    reply = httpx.post(f"{stack.base_url}/local/connectors/{psa.name}/faults", json=fault)
    assert reply.status_code == 200, reply.text


def _connect(stack: Stack, psa: Psa) -> dict[str, Any]:
    with stack.client(OWNER) as owner:
        reply = owner.put(f"/api/v1/account/connectors/{psa.name}", json=psa.connect(_standin(stack, psa)["state"], "acme"))
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def _disconnect(stack: Stack, psa: Psa) -> None:
    httpx.delete(f"{stack.base_url}/local/connectors/{psa.name}/faults")
    with stack.client(OWNER) as owner:
        owner.delete(f"/api/v1/account/connectors/{psa.name}")


@pytest.fixture(params=PSAS, ids=[psa.name for psa in PSAS])
def psa(request: pytest.FixtureRequest, stack: Stack) -> Iterator[Psa]:
    chosen: Psa = request.param
    _connect(stack, chosen)
    yield chosen
    _disconnect(stack, chosen)


@pytest.fixture(params=PSAS, ids=[psa.name for psa in PSAS])
def faulty_psa(request: pytest.FixtureRequest, faulty: Stack) -> Iterator[Psa]:
    chosen: Psa = request.param
    _connect(faulty, chosen)
    yield chosen
    _disconnect(faulty, chosen)


def _ticket(offset: int) -> int:
    return int(time.time() * 1000) % 1_000_000 + offset


def _handoff_of_ticket(stack: Stack, ticket: int) -> dict[str, Any] | None:
    with stack.client(SENIOR) as senior:
        queue = senior.get("/api/v1/ai-sessions/queue", params={"limit": 200}).json()
    return next((h for h in queue if (h["session"].get("psa_ticket") or {}).get("id") == str(ticket)), None)


def _act(stack: Stack, email: str, handoff: dict[str, Any], action: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    path = f"/api/v1/ai-sessions/{handoff['session_id']}/handoffs/{handoff['id']}/{action}"
    with stack.client(email) as client:
        reply = client.post(path, json=body) if body is not None else client.post(path)
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def _note_posts(stack: Stack, psa: Psa, ticket: int) -> list[dict[str, Any]]:
    return [call for call in _standin(stack, psa)["received"] if psa.is_note_post(call, ticket)]


def test_a_ticket_escalated_in_the_psa_is_pushed_claimed_reassigned_resolved_with_one_note_each(stack: Stack, psa: Psa) -> None:
    # Given acme's connector, saved: checked with the stand-in, its hook registered, members matched by email
    with stack.client(OWNER) as owner:
        members = owner.get(f"/api/v1/account/connectors/{psa.name}/members").json()
    mapped = {row["email"]: row["external_id"] for row in members["members"]}
    assert mapped[SENIOR] == psa.member[SENIOR] and mapped[SENIOR2] == psa.member[SENIOR2] and mapped["viewer@acme.test"] is None
    ticket = _ticket(0)
    calls_before = len(_standin(stack, psa)["received"])

    async def scenario() -> dict[str, Any]:
        async with Live(stack, SENIOR) as senior:
            # When a PSA member moves a ticket into the escalation status (a signed call)
            fired = await asyncio.to_thread(_fire, stack, psa, ticket_id=ticket, **psa.escalate, **psa.details)
            assert fired["status"] == 200 and fired["body"] == {"outcome": "accepted"}, fired
            # Then the senior's console is told at once
            while True:
                pushed = await senior.next("handoff_created", timeout=10)
                if pushed["handoff"]["session"]["psa_ticket"] and pushed["handoff"]["session"]["psa_ticket"]["id"] == str(ticket):
                    return dict(pushed["handoff"])

    pushed = asyncio.run(scenario())
    assert pushed["session"]["priority"] == "P1" and pushed["session"]["psa_ticket"]["connector"] == psa.name
    assert pushed["created_by"] == stack.user(JUNIOR)["id"]  # the mapped member who moved it
    handoff = _handoff_of_ticket(stack, ticket)
    assert handoff is not None and handoff["session"]["subject"] == "VPN down at Contoso"
    assert handoff["engineer_notes"] == "Tunnel flaps every 5 minutes"
    eventually(lambda: len(_notes(stack, psa, ticket)) == 1, 15, "the note of the new escalation")

    # When the senior claims it: one internal note, and the ticket's owner is the senior's PSA member
    _act(stack, SENIOR, handoff, "claim")
    eventually(lambda: len(_notes(stack, psa, ticket)) == 2, 15, "the claim's note")
    assert psa.owner(_standin(stack, psa)["state"], ticket) == psa.member[SENIOR]
    # And a reassign to senior2 moves the owner and writes its note, a resolve writes the resolution
    _act(stack, SENIOR, handoff, "reassign", {"to_user_id": stack.user(SENIOR2)["id"], "reason": "network team"})
    eventually(lambda: len(_notes(stack, psa, ticket)) == 3, 15, "the reassign's note")
    assert psa.owner(_standin(stack, psa)["state"], ticket) == psa.member[SENIOR2]
    _act(stack, SENIOR2, handoff, "resolve", {"resolution_notes": "Replaced the firewall's IPsec profile"})
    notes = eventually(lambda: len(_notes(stack, psa, ticket)) == 4 and _notes(stack, psa, ticket), 15, "the resolution note")
    texts = [psa.text(note) for note in notes]
    assert "picked this ticket up" in texts[1] and "reassigned this ticket to" in texts[2] and "network team" in texts[2]
    assert "Replaced the firewall's IPsec profile" in texts[3]
    assert all(psa.internal(note) for note in notes)  # internal: never customer-visible
    # And the stand-in saw exactly one note per event, every call with the right credentials
    time.sleep(1.5)
    assert len(_note_posts(stack, psa, ticket)) == 4
    assert all(call["auth_ok"] for call in _standin(stack, psa)["received"][calls_before:])


def test_the_psa_closing_a_ticket_withdraws_its_handoff(stack: Stack, psa: Psa) -> None:
    # Given a second ticket escalated from the PSA, open in the queue
    ticket = _ticket(1)
    assert _fire(stack, psa, ticket_id=ticket, **psa.escalate)["body"] == {"outcome": "accepted"}
    handoff = eventually(lambda: _handoff_of_ticket(stack, ticket), 10, "the ticket's handoff")
    # When the PSA closes the ticket
    assert _fire(stack, psa, ticket_id=ticket, **psa.close)["body"] == {"outcome": "accepted"}
    # Then its handoff is withdrawn, "closed in the PSA", and out of the queue
    with stack.client(SENIOR) as senior:
        context = senior.get(f"/api/v1/ai-sessions/{handoff['session_id']}/handoffs/{handoff['id']}").json()
    assert context["handoff"]["status"] == "withdrawn"
    assert context["timeline"][-1]["reason"] == "closed in the PSA"
    assert _handoff_of_ticket(stack, ticket) is None


def test_the_same_delivery_twice_creates_one_escalation(stack: Stack, psa: Psa) -> None:
    ticket = _ticket(2)
    first = _fire(stack, psa, ticket_id=ticket, **psa.escalate)
    again = _fire(stack, psa, ticket_id=ticket, **psa.escalate, **psa.again(first))
    assert first["body"] == again["body"] == {"outcome": "accepted"}
    later = _fire(stack, psa, ticket_id=ticket, **psa.escalate)  # a new change while its handoff is open
    assert later["body"] == {"outcome": "ignored"}
    with stack.client(SENIOR) as senior:
        queue = senior.get("/api/v1/ai-sessions/queue", params={"limit": 200}).json()
    assert len([h for h in queue if (h["session"].get("psa_ticket") or {}).get("id") == str(ticket)]) == 1


@pytest.mark.parametrize("order", [{"forge": True}, {"stale_minutes": 30}], ids=["forged", "replayed"])
def test_an_unverified_call_is_401_and_creates_nothing(stack: Stack, psa: Psa, order: dict[str, Any]) -> None:
    ticket = _ticket(3)
    # When a call arrives that is forged, or an old one sent again
    fired = _fire(stack, psa, ticket_id=ticket, **psa.escalate, **order)
    # Then it is refused with 401, saying why, and no handoff exists for the ticket
    assert fired["status"] == 401 and "not signed" in fired["body"]["detail"], fired
    assert _handoff_of_ticket(stack, ticket) is None
    with stack.client(OWNER) as owner:
        listed = {c["name"]: c for c in owner.get("/api/v1/account/connectors").json()}
    assert listed[psa.name]["last_inbound"]["outcome"] == "refused"


def test_a_connectwise_signing_key_on_another_host_is_never_fetched(stack: Stack) -> None:
    _connect(stack, CONNECTWISE)
    try:
        ticket = _ticket(4)
        fired = _fire(stack, CONNECTWISE, ticket_id=ticket, **CONNECTWISE.escalate, key_url_host="127.0.0.1:9")
        assert fired["status"] == 401 and "not on the configured ConnectWise site" in fired["body"]["detail"], fired
        assert _handoff_of_ticket(stack, ticket) is None
    finally:
        _disconnect(stack, CONNECTWISE)


def test_the_psa_answering_500_then_429_gets_each_note_once_after_it_recovers(faulty: Stack, faulty_psa: Psa) -> None:
    psa = faulty_psa
    ticket = _ticket(5)
    assert _fire(faulty, psa, ticket_id=ticket, **psa.escalate)["body"] == {"outcome": "accepted"}
    handoff = eventually(lambda: _handoff_of_ticket(faulty, ticket), 10, "the ticket's handoff")
    eventually(lambda: len(_notes(faulty, psa, ticket)) == 1, 15, "the first note")
    # Given the PSA answering 500 to the next three note calls
    _arm(faulty, psa, status=500, count=3, path_contains=psa.notes_path(ticket))
    # When the senior claims
    _act(faulty, SENIOR, handoff, "claim")
    # Then the note arrives once the PSA recovers, exactly once
    eventually(lambda: len(_notes(faulty, psa, ticket)) == 2, 30, "the claim's note after the 500s")
    # Given a 429 with Retry-After: 3 on the next note call
    _arm(faulty, psa, status=429, count=1, retry_after="3", path_contains=psa.notes_path(ticket))
    started = time.monotonic()
    _act(faulty, SENIOR, handoff, "release", {"reason": "need the network team"})
    # Then the note waits at least the Retry-After, and arrives once
    eventually(lambda: len(_notes(faulty, psa, ticket)) == 3, 30, "the release's note after the 429")
    assert time.monotonic() - started >= 3
    time.sleep(2)
    assert len(_notes(faulty, psa, ticket)) == 3


def test_the_psa_refusing_with_401_is_not_retried_and_shows_as_the_last_delivery(faulty: Stack, faulty_psa: Psa) -> None:
    psa = faulty_psa
    ticket = _ticket(6)
    # Given the PSA refusing the credentials (401) for this ticket's notes from now on
    _arm(faulty, psa, status=401, count=100, path_contains=psa.notes_path(ticket))
    # When a ticket is escalated from the PSA (its note is refused)
    assert _fire(faulty, psa, ticket_id=ticket, **psa.escalate)["body"] == {"outcome": "accepted"}

    # Then the refusal is the connector's last delivery, and it is not retried
    def refused() -> dict[str, Any] | None:
        with faulty.client(OWNER) as owner:
            last = {c["name"]: c for c in owner.get("/api/v1/account/connectors").json()}[psa.name]["last_delivery"]
        return last if last and last["outcome"] == "rejected" else None

    last = eventually(refused, 15, "the refusal shown")
    assert last["provider_status"] == 401
    time.sleep(5)  # more than two redeliveries of the fault runtime
    assert len(_note_posts(faulty, psa, ticket)) == 1


def test_push_and_email_flow_while_the_psa_consumer_fails_and_its_note_comes_after(faulty: Stack, faulty_psa: Psa) -> None:
    psa = faulty_psa
    ticket = _ticket(7)
    function = {"connectwise": "ConnectWiseFunction", "autotask": "AutotaskFunction", "halopsa": "HaloPsaFunction"}[psa.name]

    async def scenario() -> None:
        async with Live(faulty, SENIOR) as senior:
            # Given the PSA's consumer failing every invocation
            faulty.fault(function, "fail", 1000)
            # When a ticket is escalated from the PSA
            fired = await asyncio.to_thread(_fire, faulty, psa, ticket_id=ticket, **psa.escalate)
            assert fired["body"] == {"outcome": "accepted"}
            # Then push and email flow at once, while no note is written
            while True:
                pushed = await senior.next("handoff_created", timeout=10)
                if (pushed["handoff"]["session"]["psa_ticket"] or {}).get("id") == str(ticket):
                    break
            handoff_id = pushed["handoff"]["id"]
            await asyncio.to_thread(
                eventually,
                lambda: faulty.outbox_to(SENIOR2, handoff_id),
                15,
                "the escalation email (senior2 has no live console)",
            )
            assert _notes(faulty, psa, ticket) == []
            # And once the consumer works again, the held note arrives, once
            faulty.clear_faults()
            await asyncio.to_thread(eventually, lambda: len(_notes(faulty, psa, ticket)) == 1, 20, "the held note")

    asyncio.run(scenario())
    time.sleep(2)
    assert len(_notes(faulty, psa, ticket)) == 1


def test_another_accounts_handoffs_never_reach_acmes_psa(stack: Stack, psa: Psa) -> None:
    # Given acme's connector; When globex escalates a session of its own
    before = len(_standin(stack, psa)["received"])
    stack.escalate("junior@globex.test")
    time.sleep(2)
    # Then the stand-in was not called at all
    assert len(_standin(stack, psa)["received"]) == before
