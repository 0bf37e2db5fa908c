"""Live updates: the ticket that opens the WebSocket."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from api_common import Caller, NoBody, json_response
from api_dependencies import Deps
from api_openapi import answers
from baton.logic import realtime
from baton.logic.realtime import IssuedTicket

router = Router()  # type: ignore[no-untyped-call]  # Powertools leaves its __init__ unannotated


@router.post(
    "/api/v1/ws-ticket",
    summary="A single-use, 60 s ticket and the WebSocket URL to open with it",
    responses=answers(201, IssuedTicket, "A ticket and the URL to open with it.", 422),
)
def create_ws_ticket(_: NoBody, who: Caller, deps: Deps) -> Response[str]:
    return json_response(201, realtime.issue_ticket(who, deps.connections, deps.websocket_url))
