"""The API function's real dependencies, built once per execution environment (lazily)."""

from collections.abc import Callable
from functools import cache
from typing import Annotated, NamedTuple

import boto3
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.serialization.pydantic import PydanticSerializer

from baton.api_models import HandoffCreate, HandoffOut
from baton.domain.modeling import Model
from baton.domain.models import User
from baton.identity_provider import UserInfoClient
from baton.logic import handoffs
from baton.publishers.websocket_connections import ManagementApiSender
from baton.repositories.accounts import AccountRepository
from baton.repositories.connections import ConnectionRepository
from baton.repositories.handoffs import HandoffRepository
from baton.repositories.invitations import InvitationRepository
from baton.repositories.policy import PolicyRepository
from baton.repositories.users import UserRepository
from baton.settings import Settings

IDEMPOTENCY_TTL_SECONDS = 24 * 3600


class HandoffRequest(Model):
    """What makes two handoff creations "the same request" for an Idempotency-Key."""

    idempotency_key: str
    caller: User
    session_id: str
    body: HandoffCreate


class Dependencies(NamedTuple):
    users: UserRepository
    handoffs: HandoffRepository
    policies: PolicyRepository
    connections: ConnectionRepository
    live: ManagementApiSender
    websocket_url: str
    idempotency: IdempotencyConfig
    create_handoff_once: Callable[..., HandoffOut]
    accounts: AccountRepository
    invitations: InvitationRepository
    userinfo: UserInfoClient


@cache
def dependencies() -> Dependencies:
    settings = Settings.from_env()
    client = boto3.client("dynamodb")
    store = HandoffRepository(settings.data_table_name, client)
    config = IdempotencyConfig(
        # Keys are scoped to the caller: two users (or accounts) may pick the same key.
        event_key_jmespath="[caller.account_id, caller.id, session_id, idempotency_key]",
        payload_validation_jmespath="body",
        expires_after_seconds=IDEMPOTENCY_TTL_SECONDS,
    )
    persistence = DynamoDBPersistenceLayer(table_name=settings.idempotency_table_name, boto3_client=client)

    @idempotent_function(
        data_keyword_argument="request",
        config=config,
        persistence_store=persistence,
        output_serializer=PydanticSerializer(model=HandoffOut),
    )
    def create_handoff_once(request: HandoffRequest) -> HandoffOut:
        created = handoffs.create_handoff(request.caller, request.session_id, request.body, store)
        return HandoffOut.model_validate(created.model_dump())

    return Dependencies(
        users=UserRepository(settings.data_table_name, client),
        handoffs=store,
        policies=PolicyRepository(settings.data_table_name, client),
        connections=ConnectionRepository(settings.connections_table_name, client),
        live=ManagementApiSender(
            connect=lambda: boto3.client("apigatewaymanagementapi", endpoint_url=settings.websocket_management_url)
        ),
        websocket_url=settings.websocket_url,
        idempotency=config,
        create_handoff_once=create_handoff_once,
        accounts=AccountRepository(settings.data_table_name, client),
        invitations=InvitationRepository(settings.data_table_name, client),
        userinfo=UserInfoClient(),
    )


# A route parameter of this type receives the bundle (tests may swap it through `app.dependency_overrides[dependencies]`).
Deps = Annotated[Dependencies, Depends(dependencies)]
