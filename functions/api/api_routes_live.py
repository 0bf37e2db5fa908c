"""Live updates: the ticket that opens the WebSocket."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from api_common import caller, json_response, no_body
from api_dependencies import dependencies
from api_openapi import answers
from baton.logic import realtime
from baton.logic.realtime import IssuedTicket

router = Router()  # type: ignore[no-untyped-call]  # Powertools leaves its __init__ unannotated


@router.post(
    "/api/v1/ws-ticket",
    summary="A single-use, 60 s ticket and the WebSocket URL to open with it",
    responses=answers(201, IssuedTicket, "A ticket and the URL to open with it.", 422),
)
def create_ws_ticket() -> Response[str]:
    no_body(router)
    deps = dependencies()
    return json_response(201, realtime.issue_ticket(caller(router), deps.connections, deps.websocket_url))
