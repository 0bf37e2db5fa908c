"""What every PSA connector (ConnectWise PSA, Autotask, HaloPSA) tells baton about its API, as pure functions:
each builds the `HttpRequest` of one call from the account's configuration, or reads the provider's `HttpReply`.
The use cases (baton/logic/psa.py) send them through the provider transport and never know a PSA's paths."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from baton.connectors.http import HttpReply, HttpRequest

NOTE_MARKER = "baton event "  # each note ends with "[baton event <event_id>]": a retry finds the note it already wrote


class PsaConfig(NamedTuple):
    """An account's configuration of one PSA: its settings (site, statuses), its secrets (keys), a bearer token
    when the PSA issues one (HaloPSA's OAuth client credentials)."""

    settings: Mapping[str, Any]
    secrets: Mapping[str, str]
    token: str | None = None


class PsaMember(NamedTuple):
    """A member (resource, agent) of the PSA, to map to a baton member by email."""

    external_id: str
    name: str
    email: str | None


class TicketChange(NamedTuple):
    """What a PSA's call about a ticket means for baton (an inbound intent, run by baton/logic/psa_inbound.py)."""

    connector: str
    ticket_id: str
    change_id: str  # one escalation per ticket change, whatever the retries
    url: str
    escalated: bool  # the ticket is in the account's escalation status
    closed: bool
    by_integration: bool  # made by baton's own API member: ignored (no echo loop)
    changed_by: str | None  # the PSA member who made the change (external id), when the PSA says
    summary: str
    description: str
    client_name: str | None = None
    priority: str | None = None  # P1-P4 when the PSA's priority maps to one


def note_marker(event_id: str) -> str:
    return f"[{NOTE_MARKER}{event_id}]"


class PsaApi(NamedTuple):
    check: Callable[[PsaConfig], HttpRequest]  # a cheap authenticated read that proves the keys and the site
    # Page n (from 1) of the PSA's members, given the previous page's answer (None for the first): a PSA that says
    # where its next page is (Autotask's `pageDetails.nextPageUrl`) is followed there, the others are paged by number.
    members: Callable[[PsaConfig, int, HttpReply | None], HttpRequest]
    read_members: Callable[[HttpReply], tuple[list[PsaMember], bool]]  # the page's members, and whether more follow
    notes: Callable[[PsaConfig, str], HttpRequest]  # a ticket's notes (newest first where the PSA can)
    read_notes: Callable[[HttpReply], list[str]]  # their texts
    add_note: Callable[[PsaConfig, str, str], HttpRequest]  # ticket id, text: one internal note
    set_owner: Callable[[PsaConfig, str, str], HttpRequest]  # ticket id, member external id
    register_hook: Callable[[PsaConfig, str, str], HttpRequest]  # baton's hook URL, the secret baton chose for it
    read_hook_id: Callable[[HttpReply], str | None]
    unregister_hook: Callable[[PsaConfig, str], HttpRequest]  # the hook id
    ticket_url: Callable[[PsaConfig, str], str]  # where a person opens the ticket
    token: Callable[[PsaConfig], HttpRequest] | None = None  # OAuth client credentials, when the PSA uses them
    read_token: Callable[[HttpReply], str | None] | None = None
    # Calls that complete a registered hook (Autotask: the webhook's fields and its excluded resource), by hook id.
    hook_extras: Callable[[PsaConfig, str], list[HttpRequest]] | None = None
