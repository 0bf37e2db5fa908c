"""API Gateway's Management API for WebSocket connections (`@connections`)."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from botocore.config import Config
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_apigatewaymanagementapi.client import ApiGatewayManagementApiClient

from baton.realtime import POST_CONCURRENCY, ConnectionGone, Throttled

# The Management API client of the push function: a connection per posting thread; one retry
# (a throttled post is retried by the push logic); no client-side parameter validation (the
# request is ours, an id and bytes: checking it again costs CPU on every post and catches nothing).
CLIENT_CONFIG = Config(
    max_pool_connections=POST_CONCURRENCY, retries={"mode": "standard", "max_attempts": 2}, parameter_validation=False
)

THROTTLING = frozenset({"LimitExceededException", "TooManyRequestsException", "ThrottlingException"})


class ManagementApiSender:
    """One shared client (thread-safe) for every post of an invocation."""

    def __init__(self, client: ApiGatewayManagementApiClient) -> None:
        self._client = client

    def send(self, connection_id: str, data: bytes) -> None:
        try:
            self._client.post_to_connection(ConnectionId=connection_id, Data=data)
        # GoneException subclasses ClientError: it must be caught first or it never is.
        except self._client.exceptions.GoneException as error:
            raise ConnectionGone(connection_id) from error
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in THROTTLING:
                raise Throttled(connection_id) from error
            raise

    def close(self, connection_id: str) -> None:
        with contextlib.suppress(self._client.exceptions.GoneException):  # already closed: as wanted
            self._client.delete_connection(ConnectionId=connection_id)
