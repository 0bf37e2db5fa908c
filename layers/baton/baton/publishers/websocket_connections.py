"""API Gateway's Management API for WebSocket connections (`@connections`), through a boto3
client: the odd reply or close (the WebSocket routes, the API). The push fan-out's posts go
through `connection_poster` instead.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_apigatewaymanagementapi.client import ApiGatewayManagementApiClient

from baton.domain.websocket import ConnectionGone, Throttled

THROTTLING = frozenset({"LimitExceededException", "TooManyRequestsException", "ThrottlingException"})


class ManagementApiSender:
    """One shared client (thread-safe) for the posts and closes of an invocation.

    `connect` instead of `client`: the client is made on first use, so a request that never replies or
    closes (most of the API's, a `$connect`) does not pay for it on a cold start."""

    def __init__(
        self,
        client: ApiGatewayManagementApiClient | None = None,
        connect: Callable[[], ApiGatewayManagementApiClient] | None = None,
    ) -> None:
        if (client is None) == (connect is None):
            raise ValueError("a client, or how to connect one")
        self._connect = cache(connect) if connect is not None else None
        self._given = client

    @property
    def _client(self) -> ApiGatewayManagementApiClient:
        if self._connect is not None:
            return self._connect()
        assert self._given is not None
        return self._given

    @property
    def connected(self) -> bool:
        """Whether the client exists yet."""
        return self._connect is None or self._connect.cache_info().currsize > 0

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
