"""AI troubleshooting sessions and the queue of open handoffs."""

from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from api_common import CursorQuery, caller, handoff_out, json_response
from api_dependencies import dependencies
from api_openapi import answers
from baton.api_models import HandoffOut, SessionCreate, SessionOut
from baton.domain.models import Intent
from baton.logic import handoffs, sessions

router = Router()  # type: ignore[no-untyped-call]  # Powertools leaves its __init__ unannotated


@router.post(
    "/api/v1/ai-sessions",
    summary="Start an AI troubleshooting session (engineer or above)",
    responses=answers(201, SessionOut, "The new session.", body=True),
)
def create_session(body: Annotated[SessionCreate, Body()]) -> Response[str]:
    session = sessions.create_session(caller(router), body, dependencies().handoffs)
    return json_response(201, SessionOut.model_validate(session.model_dump()))


@router.get(
    "/api/v1/ai-sessions/queue",
    summary="Open handoffs of the caller's account, oldest first",
    responses=answers(200, list[HandoffOut], "Open handoffs, oldest first; `X-Next-Cursor` when there are more.", 422),
)
def get_queue(
    intent: Annotated[Intent | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=handoffs.QUEUE_LIMIT_MAX)] = 50,
    cursor: CursorQuery = None,
) -> Response[str]:
    page = handoffs.open_queue(caller(router), intent, limit, cursor, dependencies().handoffs)
    headers = {"X-Next-Cursor": page.next_cursor} if page.next_cursor else None
    return json_response(200, [handoff_out(h) for h in page.items], headers)


@router.get(
    "/api/v1/ai-sessions/<session_id>", summary="One session", responses=answers(200, SessionOut, "The session.", 404, 422)
)
def get_session(session_id: UUID) -> Response[str]:
    session = sessions.get_session(caller(router), str(session_id), dependencies().handoffs)
    return json_response(200, SessionOut.model_validate(session.model_dump()))
