"""Setting up an account's connector (owner, admin): save it (checked with the provider, its hook registered, its
members matched by email), remove it, test it, and read or correct its member map.

The webhook connectors (Teams, Slack incoming webhooks) keep their own use cases (logic/channels.py): a PUT of one
here with `secrets: {webhook_url}` is the same as `PUT /api/v1/account/integrations/<channel>`.
"""

from __future__ import annotations

import secrets as tokens
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from pydantic import ValidationError

from baton.connectors.declaration import Connector
from baton.connectors.psa_api import PsaConfig, PsaMember
from baton.connectors.registry import connector
from baton.domain.clock import iso, utc_now
from baton.domain.connector_state import ConnectorSetup, MemberLink
from baton.domain.email_address import canonical
from baton.domain.errors import Invalid, NotFound, Transient
from baton.domain.modeling import Model
from baton.domain.models import Role, User
from baton.logic import channels, chat_setup
from baton.logic.psa import ProviderRefused, PsaLink, said
from baton.ports import ChatPoster, ConnectorStore, Integrations, ProviderTransport, Users


class SetupServices(NamedTuple):
    store: ConnectorStore
    transport: ProviderTransport
    users: Users
    integrations: Integrations
    poster: ChatPoster
    allowed: Mapping[str, Sequence[str]]
    console_url: str
    chat: chat_setup.ChatApis | None = None  # a chat app's credentials are tried with these (logic/chat_setup.py)


class TestOutcome(Model):
    ok: bool
    detail: str


class MemberRow(Model):
    """A baton member and who they are in the provider, if mapped."""

    user_id: str
    display_name: str
    email: str
    external_id: str | None = None
    external_name: str | None = None
    matched_by: str | None = None


def _validated(model: type[Model], values: Mapping[str, Any], where: str) -> Model:
    try:
        return model.model_validate(dict(values))
    except ValidationError as error:
        errors = [{"loc": ["body", where, *map(str, problem["loc"])], "msg": problem["msg"]} for problem in error.errors()]
        names = ", ".join(".".join(problem["loc"][1:]) for problem in errors)
        raise Invalid(f"The {where} are not valid ({names}).", errors=errors) from None


def _integration_user(declared: Connector, account_id: str) -> User:
    """Who the connector acts as when no mapped member did it (the account's integration user, never stored)."""
    return User(
        id=f"connector:{declared.name}",
        account_id=account_id,
        email=f"{declared.name}@connectors.baton.invalid",
        display_name=declared.title,
        role=Role.ADMIN,
        notify_email=False,
    )


def integration_user(name: str, account_id: str) -> User:
    return _integration_user(connector(name), account_id)


# --- save ------------------------------------------------------------------------------------------------
def save(
    caller: User, name: str, settings: Mapping[str, Any], secrets: Mapping[str, Any], hooks_base: str, services: SetupServices
) -> ConnectorSetup | None:
    """Check the credentials and the site with the provider, (re)register baton's hook, match members by email, store.
    A webhook connector answers None (its integration is stored by logic/channels.py)."""
    caller.role.require(Role.ADMIN)
    declared = connector(name)
    if declared.secrets_model is None or "webhook_url" in secrets:  # a chat tool's webhook mode (beside its app)
        url = secrets.get("webhook_url")
        if not isinstance(url, str) or not url:
            raise Invalid(
                f"{declared.title} takes secrets.webhook_url.",
                errors=[{"loc": ["body", "secrets", "webhook_url"], "msg": "required"}],
            )
        channels.set_webhook(caller, name, url, services.integrations, services.allowed)
        return None
    shown = _validated(declared.app_settings or declared.settings, settings, "settings").model_dump(exclude_none=True)
    given = {key: str(value) for key, value in _validated(declared.secrets_model, secrets, "secrets").model_dump().items()}
    chat_setup.check(name, shown, given, services.chat)
    previous = services.store.get(caller.account_id, name)
    link = PsaLink(declared, caller.account_id, PsaConfig(shown, given), services.transport, budget=None)
    hook_id: str | None = None
    hook_secret = tokens.token_urlsafe(32)
    directory: list[PsaMember] = []
    if declared.psa is not None:
        api = declared.psa
        checked = link.send(api.check)
        if not checked.ok:
            raise ProviderRefused(declared, checked)
        if previous is not None and previous.hook_id:
            _unregister(declared, previous, services)
        hooks_url = f"{hooks_base.rstrip('/')}/hooks/{name}/{caller.account_id}"
        registered = link.send(lambda config: api.register_hook(config, hooks_url, hook_secret))
        hook_id = api.read_hook_id(registered) if registered.ok else None
        if hook_id is None:
            raise ProviderRefused(declared, registered)
        made = hook_id
        for extra in api.hook_extras(link.config, made) if api.hook_extras else []:
            completed = link.send_built(extra)
            if not completed.ok:  # leave no half-made hook behind
                link.send(lambda config: api.unregister_hook(config, made))
                raise ProviderRefused(declared, completed)
        directory = link.members()
    members = match_by_email(directory, services.users.list_by_account(caller.account_id))
    if previous is not None:  # a map corrected by hand survives a re-save, while its PSA member still exists
        listed, matched = {m.external_id for m in directory}, {link.user_id for link in members}
        members += [
            link
            for link in previous.members
            if link.matched_by == "manual" and link.external_id in listed and link.user_id not in matched
        ]
    setup = ConnectorSetup(
        account_id=caller.account_id,
        name=name,
        settings=shown,
        hook_id=hook_id,
        members=members,
        directory=[{"external_id": m.external_id, "name": m.name, "email": m.email} for m in directory],
        updated_at=iso(utc_now()),
        updated_by=caller.id,
        updated_by_name=caller.display_name,
    )
    services.store.save(setup, {**given, "hook_secret": hook_secret})
    return setup


def match_by_email(directory: Sequence[PsaMember], people: Sequence[User]) -> list[MemberLink]:
    """Each baton member whose email is a PSA member's email, once."""
    links: list[MemberLink] = []
    for person in people:
        mine = canonical(person.email)
        found = next((m for m in directory if m.email and mine and canonical(m.email) == mine), None)
        if found is not None:
            links.append(
                MemberLink(user_id=person.id, external_id=found.external_id, matched_by="email", external_name=found.name)
            )
    return links


def _unregister(declared: Connector, setup: ConnectorSetup, services: SetupServices) -> str:
    """Remove baton's hook from the provider, with the stored keys; what the provider said (a failure does not stop)."""
    secrets = services.store.secrets(setup.account_id, setup.name)
    if declared.psa is None or not setup.hook_id or secrets is None:
        return "no hook to remove"
    link = PsaLink(declared, setup.account_id, PsaConfig(setup.settings, secrets), services.transport, budget=None)
    hook_id = setup.hook_id
    try:
        reply = link.send(lambda config: declared.psa.unregister_hook(config, hook_id))  # type: ignore[union-attr]
    except (Invalid, ProviderRefused) as refused:
        return refused.detail
    return said(declared, reply)


# --- remove, test ------------------------------------------------------------------------------------------
def remove(caller: User, name: str, services: SetupServices) -> None:
    caller.role.require(Role.ADMIN)
    declared = connector(name)
    if declared.secrets_model is None:
        channels.remove_webhook(caller, name, services.integrations)
        return
    setup = services.store.get(caller.account_id, name)
    if setup is None and declared.app_settings is not None:  # a chat tool set up with a webhook only
        channels.remove_webhook(caller, name, services.integrations)
        return
    if setup is None:
        raise NotFound(f"{declared.title} is not set up for your account.")
    _unregister(declared, setup, services)
    services.store.remove(caller.account_id, name)


def test(caller: User, name: str, services: SetupServices) -> TestOutcome:
    caller.role.require(Role.ADMIN)
    declared = connector(name)
    if declared.secrets_model is None:
        result = channels.send_test(caller, name, services.integrations, services.poster, services.console_url)
        return TestOutcome(ok=result.delivered, detail=result.detail)
    setup, secrets = services.store.get(caller.account_id, name), services.store.secrets(caller.account_id, name)
    if setup is None or secrets is None:
        raise NotFound(f"{declared.title} is not set up for your account; set it up first.")
    if declared.psa is None:  # a chat app: its stored credentials tried again, as at save
        try:
            chat_setup.check(name, setup.settings, secrets, services.chat)
        except (Invalid, Transient) as refused:
            return TestOutcome(ok=False, detail=refused.detail)
        return TestOutcome(ok=True, detail=f"{declared.title} is set up, and accepted the app's credentials.")
    link = PsaLink(declared, caller.account_id, PsaConfig(setup.settings, secrets), services.transport, services.store)
    try:
        reply = link.send(declared.psa.check)
    except ProviderRefused as refused:
        return TestOutcome(ok=False, detail=refused.detail)
    return TestOutcome(ok=reply.ok, detail=said(declared, reply))


# --- the member map ------------------------------------------------------------------------------------------
def _setup(caller: User, name: str, store: ConnectorStore) -> tuple[Connector, ConnectorSetup]:
    caller.role.require(Role.ADMIN)
    declared = connector(name)
    setup = store.get(caller.account_id, name) if declared.secrets_model is not None else None
    if setup is None:
        raise NotFound(f"{declared.title} is not set up for your account, or maps no members.")
    return declared, setup


def member_rows(caller: User, name: str, store: ConnectorStore, users: Users) -> tuple[list[MemberRow], list[dict[str, Any]]]:
    """Every member of the account with their mapping (none: unmatched), and the provider's members to pick from."""
    _, setup = _setup(caller, name, store)
    links = {link.user_id: link for link in setup.members}
    rows = []
    for person in users.list_by_account(caller.account_id):
        link = links.get(person.id)
        rows.append(
            MemberRow(
                user_id=person.id,
                display_name=person.display_name,
                email=person.email,
                external_id=link.external_id if link else None,
                external_name=link.external_name if link else None,
                matched_by=link.matched_by if link else None,
            )
        )
    return rows, list(setup.directory)


def set_members(
    caller: User, name: str, wanted: Sequence[Mapping[str, str]], store: ConnectorStore, users: Users
) -> list[MemberLink]:
    """Replace the member map: each baton member of the account to a member the provider listed (422 otherwise)."""
    _, setup = _setup(caller, name, store)
    people = {person.id: person for person in users.list_by_account(caller.account_id)}
    directory = {str(entry.get("external_id")): entry for entry in setup.directory}
    old = {link.user_id: link for link in setup.members}
    links: list[MemberLink] = []
    for index, row in enumerate(wanted):
        user_id, external_id = row["user_id"], row["external_id"]
        if user_id not in people:
            raise Invalid(
                "A member of the map is not a member of your account.",
                errors=[{"loc": ["body", "members", str(index), "user_id"], "msg": "not a member"}],
            )
        if directory and external_id not in directory:
            raise Invalid(
                "A member of the map is not a member the provider listed.",
                errors=[{"loc": ["body", "members", str(index), "external_id"], "msg": "unknown"}],
            )
        kept = old.get(user_id)
        matched_by = "email" if kept is not None and kept.external_id == external_id and kept.matched_by == "email" else "manual"
        name_there = (directory.get(external_id) or {}).get("name")
        links.append(MemberLink(user_id=user_id, external_id=external_id, matched_by=matched_by, external_name=name_there))
    if len({link.user_id for link in links}) != len(links):
        raise Invalid("Each member may appear once in the map.")
    store.set_members(caller.account_id, name, links)
    return links
