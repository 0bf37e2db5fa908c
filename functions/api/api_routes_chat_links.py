"""The caller's chat links (profile: "Link Slack" / "Link Teams"): a single-use code to send to the bot, the links
they have, and removing one. Any member may link (a viewer's clicks are still refused: their role decides)."""

from functools import cache
from typing import Annotated, NamedTuple

import boto3
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.openapi.params import Path

from api_common import Caller, NoBody, json_response
from api_openapi import answers, no_content
from baton.api_models import ChatLinkCodeOut, ChatLinkOut
from baton.domain.chat import CHAT_PROVIDERS, ChatProvider, how_to_send
from baton.logic import chat_links
from baton.repositories.chat import ChatRepository
from baton.settings import Settings

router = Router()  # type: ignore[no-untyped-call]  # Powertools leaves its __init__ unannotated
ProviderPath = Annotated[ChatProvider, Path(description=" or ".join(CHAT_PROVIDERS))]


class ChatLinkDependencies(NamedTuple):
    links: ChatRepository


@cache
def chat_link_dependencies() -> ChatLinkDependencies:
    settings = Settings.from_env()
    client = boto3.client("dynamodb")
    return ChatLinkDependencies(ChatRepository(settings.data_table_name, settings.connections_table_name, client))


LinkDeps = Annotated[ChatLinkDependencies, Depends(chat_link_dependencies)]


@router.get(
    "/api/v1/me/chat-links",
    summary="Your chat users linked to you in this account (Slack, Teams)",
    responses=answers(200, list[ChatLinkOut], "Your links, by chat tool."),
)
def list_chat_links(who: Caller, deps: LinkDeps) -> Response[str]:
    return json_response(200, [ChatLinkOut.model_validate(link.model_dump()) for link in chat_links.mine(who, deps.links)])


@router.post(
    "/api/v1/me/chat-links/<provider>",
    summary="A single-use code (10 minutes) that links the chat user who sends it to the bot to you",
    responses=answers(201, ChatLinkCodeOut, "The code, and how to send it.", 404, 422),
)
def start_chat_link(provider: ProviderPath, _: NoBody, who: Caller, deps: LinkDeps) -> Response[str]:
    code = chat_links.start(who, provider, deps.links)
    out = ChatLinkCodeOut(
        code=code.code, provider=provider, expires_at=code.expires_at, instruction=how_to_send(provider, code.code)
    )
    return json_response(201, out)


@router.delete(
    "/api/v1/me/chat-links/<provider>",
    summary="Remove your link of that chat tool",
    responses=no_content("Removed: that chat user's clicks no longer act as you.", 404, 422),
)
def remove_chat_link(provider: ProviderPath, _: NoBody, who: Caller, deps: LinkDeps) -> Response[str]:
    chat_links.unlink(who, provider, deps.links)
    return Response(status_code=204, body="")
