"""Teams and Slack incoming webhooks of the caller's account (owner, admin): set, list, remove, test."""

from dataclasses import dataclass
from functools import cache
from typing import Annotated

import boto3
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from api_common import caller, json_response, no_body
from api_openapi import answers, no_content
from baton.api_models import IntegrationOut, IntegrationsOut, WebhookSet, WebhookTestOut
from baton.domain.models import Channel, Integration
from baton.domain.webhook_rules import allowed_hosts
from baton.logic import channels
from baton.publishers.webhooks import WebhookPoster
from baton.repositories.integrations import IntegrationRepository
from baton.settings import Settings

router = Router()  # type: ignore[no-untyped-call]  # Powertools leaves its __init__ unannotated
ChannelPath = Annotated[Channel, Path(description="teams or slack")]


@dataclass(frozen=True)
class ChannelDependencies:
    store: IntegrationRepository
    poster: WebhookPoster
    allowed: dict[Channel, tuple[str, ...]]
    console_url: str


@cache
def channel_dependencies() -> ChannelDependencies:
    settings = Settings.from_env()
    allowed = allowed_hosts(settings.teams_webhook_hosts, settings.slack_webhook_hosts)
    store = IntegrationRepository(
        settings.data_table_name, settings.integrations_parameter_path, boto3.client("dynamodb"), boto3.client("ssm")
    )
    return ChannelDependencies(store, WebhookPoster(allowed, settings.webhook_ca_bundle), allowed, settings.console_url)


def _out(channel: Channel, integration: Integration | None) -> IntegrationOut:
    if integration is None:
        return IntegrationOut(channel=channel, configured=False)
    return IntegrationOut.model_validate({**integration.model_dump(), "configured": True})


@router.get(
    "/api/v1/account/integrations",
    summary="The account's Teams and Slack webhooks (owner, admin): whether set, never the URL",
    responses=answers(200, IntegrationsOut, "Each channel: configured or not, the URL's last 4 characters, the last delivery."),
)
def list_integrations() -> Response[str]:
    found = channels.list_integrations(caller(router), channel_dependencies().store)
    return json_response(200, IntegrationsOut(teams=_out("teams", found["teams"]), slack=_out("slack", found["slack"])))


@router.put(
    "/api/v1/account/integrations/<channel>",
    summary="Set or replace the account's Teams or Slack incoming-webhook URL (owner, admin)",
    # 404: a path that names no channel at all (an encoded "/" in it) matches no route.
    responses=answers(200, IntegrationOut, "The channel, configured (never the URL).", 404, body=True),
)
def put_integration(channel: ChannelPath, body: Annotated[WebhookSet, Body()]) -> Response[str]:
    deps = channel_dependencies()
    saved = channels.set_webhook(caller(router), channel, body.webhook_url, deps.store, deps.allowed)
    return json_response(200, _out(channel, saved))


@router.delete(
    "/api/v1/account/integrations/<channel>",
    summary="Remove the account's Teams or Slack webhook (owner, admin)",
    responses=no_content("Removed.", 404, 422),
)
def delete_integration(channel: ChannelPath) -> Response[str]:
    channels.remove_webhook(caller(router), channel, channel_dependencies().store)
    return Response(status_code=204, body="")


@router.post(
    "/api/v1/account/integrations/<channel>/test",
    summary="Send a test message to the channel now and say what the provider answered (owner, admin)",
    responses=answers(200, WebhookTestOut, "Whether the provider took it, its status and what it said.", 404, 422),
)
def test_integration(channel: ChannelPath) -> Response[str]:
    no_body(router)
    deps = channel_dependencies()
    result = channels.send_test(caller(router), channel, deps.store, deps.poster, deps.console_url)
    return json_response(200, WebhookTestOut(channel=channel, **result.model_dump()))
