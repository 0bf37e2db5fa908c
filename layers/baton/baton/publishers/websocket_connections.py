"""API Gateway's Management API for WebSocket connections (`@connections`), through a boto3
client: the odd reply or close (the WebSocket routes, the API). The push fan-out's posts go
through `connection_poster` instead.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_apigatewaymanagementapi.client import ApiGatewayManagementApiClient

from baton.domain.websocket import ConnectionGone, Throttled

THROTTLING = frozenset({"LimitExceededException", "TooManyRequestsException", "ThrottlingException"})


class ManagementApiSender:
    """One shared client (thread-safe) for the posts and closes of an invocation."""

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
