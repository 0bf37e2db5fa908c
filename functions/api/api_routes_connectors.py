"""An account's connectors (owner, admin): set one up, remove it, test it, read and correct its member map
(DESIGN §3e). The list (`GET /api/v1/account/connectors`) is in api_routes_integrations.py."""

from collections.abc import Sequence
from functools import cache
from typing import Annotated, NamedTuple

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.event_handler.request import Request

from api_common import Caller, NoBody, json_response
from api_dependencies import Deps
from api_openapi import answers, no_content
from api_routes_integrations import ChannelDeps, connector_store
from baton.api_models import ConnectorOut, ConnectorSet, ConnectorTestOut, MemberRowOut, MembersOut, MembersSet
from baton.connectors.registry import NAMES, ConnectorName, allowed_hosts
from baton.logic import channels, chat_setup, connector_setup
from baton.publishers.provider_http import ProviderHttp
from baton.repositories.connectors import ConnectorRepository
from baton.settings import Settings

router = Router()  # type: ignore[no-untyped-call]  # Powertools leaves its __init__ unannotated
NamePath = Annotated[ConnectorName, Path(description=" or ".join(NAMES))]


class ConnectorDependencies(NamedTuple):
    store: ConnectorRepository
    transport: ProviderHttp
    chat: chat_setup.ChatApis


@cache
def connector_dependencies() -> ConnectorDependencies:
    settings = Settings.from_env()
    allowed = allowed_hosts(settings.connector_hosts)
    transport = ProviderHttp(allowed, settings.webhook_ca_bundle)
    return ConnectorDependencies(connector_store(), transport, _chat_apis(settings, allowed["slack"]))


def _chat_apis(settings: Settings, slack_hosts: Sequence[str]) -> chat_setup.ChatApis:
    """What a chat app's credentials are tried with at save: Slack's Web API, the bot's Entra token endpoint.
    Imported here, on the first connector call, not with the API: slack_sdk is no part of its cold start."""
    from baton.publishers.bot_connector import DEFAULT_METADATA_BASE, DEFAULT_TOKEN_URL, BotConnector
    from baton.publishers.slack_web_api import DEFAULT_BASE_URL as DEFAULT_SLACK_API
    from baton.publishers.slack_web_api import SlackWebApi

    return chat_setup.ChatApis(
        slack=SlackWebApi(settings.slack_api_url or DEFAULT_SLACK_API, settings.webhook_ca_bundle or None, slack_hosts),
        bots=BotConnector(
            settings.bot_connector_url or DEFAULT_METADATA_BASE,
            settings.bot_token_url or DEFAULT_TOKEN_URL,
            settings.webhook_ca_bundle,
        ),
    )


ConnectorDeps = Annotated[ConnectorDependencies, Depends(connector_dependencies)]


def _services(deps: ConnectorDeps, chat: ChannelDeps, core: Deps) -> connector_setup.SetupServices:
    return connector_setup.SetupServices(
        store=deps.store,
        transport=deps.transport,
        users=core.users,
        integrations=chat.store,
        poster=chat.poster,
        allowed=chat.allowed,
        console_url=chat.console_url,
        chat=deps.chat,
    )


def _hooks_base(request: Request) -> str:
    """Where providers reach baton: this API's own address, as the caller reached it (API Gateway says https)."""
    event = request.resolved_event
    scheme = (event.headers.get("x-forwarded-proto") or "https").split(",")[0].strip()
    return f"{scheme}://{event.raw_event['requestContext']['domainName']}"


def _state(name: str, deps: ConnectorDeps, chat: ChannelDeps, who: Caller) -> ConnectorOut:
    found = next(state for state in channels.list_connectors(who, chat.store, deps.store) if state.name == name)
    return ConnectorOut.model_validate(found.model_dump())


@router.put(
    "/api/v1/account/connectors/<name>",
    summary="Set up a connector (owner, admin): checked with the provider, its hook registered, members matched by email",
    responses=answers(200, ConnectorOut, "The connector, configured (never a secret).", 404, body=True),
)
def put_connector(
    name: NamePath,
    body: Annotated[ConnectorSet, Body()],
    request: Request,
    who: Caller,
    deps: ConnectorDeps,
    chat: ChannelDeps,
    core: Deps,
) -> Response[str]:
    connector_setup.save(who, name, body.settings, body.secrets, _hooks_base(request), _services(deps, chat, core))
    return json_response(200, _state(name, deps, chat, who))


@router.delete(
    "/api/v1/account/connectors/<name>",
    summary="Remove a connector (owner, admin): its hook unregistered at the provider, its secrets deleted",
    responses=no_content("Removed.", 404, 422),
)
def delete_connector(name: NamePath, who: Caller, deps: ConnectorDeps, chat: ChannelDeps, core: Deps) -> Response[str]:
    connector_setup.remove(who, name, _services(deps, chat, core))
    return Response(status_code=204, body="")


@router.post(
    "/api/v1/account/connectors/<name>/test",
    summary="Call the provider now with the stored credentials and say what it answered (owner, admin)",
    responses=answers(200, ConnectorTestOut, "Whether the provider took the call, and what it said.", 404, 422),
)
def test_connector(name: NamePath, _: NoBody, who: Caller, deps: ConnectorDeps, chat: ChannelDeps, core: Deps) -> Response[str]:
    result = connector_setup.test(who, name, _services(deps, chat, core))
    return json_response(200, ConnectorTestOut.model_validate(result.model_dump()))


def _members_out(who: Caller, name: str, deps: ConnectorDeps, core: Deps) -> MembersOut:
    rows, directory = connector_setup.member_rows(who, name, deps.store, core.users)
    return MembersOut(
        members=[MemberRowOut.model_validate(row.model_dump()) for row in rows],
        unmatched=[row.user_id for row in rows if row.external_id is None],
        directory=directory,
    )


@router.get(
    "/api/v1/account/connectors/<name>/members",
    summary="The connector's member map (owner, admin): each member and who they are in the provider",
    responses=answers(200, MembersOut, "Every member, mapped or not, and the provider's members to map to.", 404, 422),
)
def get_members(name: NamePath, who: Caller, deps: ConnectorDeps, core: Deps) -> Response[str]:
    return json_response(200, _members_out(who, name, deps, core))


@router.put(
    "/api/v1/account/connectors/<name>/members",
    summary="Replace the connector's member map (owner, admin); members left out are unmapped",
    responses=answers(200, MembersOut, "The map as stored.", 404, body=True),
)
def put_members(
    name: NamePath, body: Annotated[MembersSet, Body()], who: Caller, deps: ConnectorDeps, core: Deps
) -> Response[str]:
    wanted = [entry.model_dump() for entry in body.members]
    connector_setup.set_members(who, name, wanted, deps.store, core.users)
    return json_response(200, _members_out(who, name, deps, core))
