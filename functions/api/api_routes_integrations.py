"""The caller's account's connectors (owner, admin): the list; its chat webhooks (Teams, Slack): set, list, remove, test."""

from functools import cache
from typing import Annotated, NamedTuple

import boto3
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from api_common import Caller, NoBody, json_response
from api_openapi import answers, no_content
from baton.api_models import ConnectorOut, IntegrationOut, IntegrationsOut, WebhookSet, WebhookTestOut
from baton.connectors.registry import CHANNELS, Channel, allowed_hosts, connector
from baton.domain.models import Integration
from baton.logic import channels
from baton.publishers.webhooks import WebhookPoster
from baton.repositories.connectors import ConnectorRepository
from baton.repositories.integrations import IntegrationRepository
from baton.settings import Settings

router = Router()  # type: ignore[no-untyped-call]  # Powertools leaves its __init__ unannotated
ChannelPath = Annotated[Channel, Path(description=" or ".join(CHANNELS))]
PROVIDERS = " or ".join(connector(channel).title for channel in CHANNELS)  # "Microsoft Teams or Slack"


class ChannelDependencies(NamedTuple):
    store: IntegrationRepository
    poster: WebhookPoster
    allowed: dict[Channel, tuple[str, ...]]
    console_url: str


@cache
def channel_dependencies() -> ChannelDependencies:
    settings = Settings.from_env()
    allowed = allowed_hosts(settings.connector_hosts)
    store = IntegrationRepository(
        settings.data_table_name, settings.integrations_parameter_path, boto3.client("dynamodb"), boto3.client("ssm")
    )
    return ChannelDependencies(store, WebhookPoster(allowed, settings.webhook_ca_bundle), allowed, settings.console_url)


ChannelDeps = Annotated[ChannelDependencies, Depends(channel_dependencies)]


@cache
def connector_store() -> ConnectorRepository:
    settings = Settings.from_env()
    return ConnectorRepository(
        settings.data_table_name, settings.connectors_parameter_path, boto3.client("dynamodb"), boto3.client("ssm")
    )


def _out(channel: Channel, integration: Integration | None) -> IntegrationOut:
    if integration is None:
        return IntegrationOut(channel=channel, configured=False)
    return IntegrationOut.model_validate({**integration.model_dump(), "configured": True})


@router.get(
    "/api/v1/account/connectors",
    summary="The account's connectors (owner, admin): each one's kind, whether set up, its settings (never a secret)",
    responses=answers(200, list[ConnectorOut], "Every connector baton has, configured or not, with its last delivery."),
)
def list_connectors(who: Caller, deps: ChannelDeps) -> Response[str]:
    found = channels.list_connectors(who, deps.store, connector_store())
    return json_response(200, [ConnectorOut.model_validate(state.model_dump()) for state in found])


@router.get(
    "/api/v1/account/integrations",
    summary=f"The account's {PROVIDERS} webhooks (owner, admin): whether set, never the URL",
    responses=answers(200, IntegrationsOut, "Each channel: configured or not, the URL's last 4 characters, the last delivery."),
)
def list_integrations(who: Caller, deps: ChannelDeps) -> Response[str]:
    found = channels.list_integrations(who, deps.store)
    return json_response(200, IntegrationsOut.model_validate({channel: _out(channel, found[channel]) for channel in CHANNELS}))


@router.put(
    "/api/v1/account/integrations/<channel>",
    summary=f"Set or replace the account's {PROVIDERS} incoming-webhook URL (owner, admin)",
    # 404: a path that names no channel at all (an encoded "/" in it) matches no route.
    responses=answers(200, IntegrationOut, "The channel, configured (never the URL).", 404, body=True),
)
def put_integration(channel: ChannelPath, body: Annotated[WebhookSet, Body()], who: Caller, deps: ChannelDeps) -> Response[str]:
    saved = channels.set_webhook(who, channel, body.webhook_url, deps.store, deps.allowed)
    return json_response(200, _out(channel, saved))


@router.delete(
    "/api/v1/account/integrations/<channel>",
    summary=f"Remove the account's {PROVIDERS} webhook (owner, admin)",
    responses=no_content("Removed.", 404, 422),
)
def delete_integration(channel: ChannelPath, who: Caller, deps: ChannelDeps) -> Response[str]:
    channels.remove_webhook(who, channel, deps.store)
    return Response(status_code=204, body="")


@router.post(
    "/api/v1/account/integrations/<channel>/test",
    summary="Send a test message to the channel now and say what the provider answered (owner, admin)",
    responses=answers(200, WebhookTestOut, "Whether the provider took it, its status and what it said.", 404, 422),
)
def test_integration(channel: ChannelPath, _: NoBody, who: Caller, deps: ChannelDeps) -> Response[str]:
    result = channels.send_test(who, channel, deps.store, deps.poster, deps.console_url)
    return json_response(200, WebhookTestOut(channel=channel, **result.model_dump()))
