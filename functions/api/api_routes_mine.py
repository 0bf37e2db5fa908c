"""My work: the handoffs the caller holds or created, so the console can rebuild "my work" after a reload."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from api_common import Caller, CursorQuery, handoff_out, json_response, timeline_out
from api_dependencies import Deps
from api_openapi import answers
from baton.api_models import HandoffOut, RecentHandoffOut
from baton.domain.models import HandoffStatus, MineRole
from baton.logic import handoffs

router = Router()  # type: ignore[no-untyped-call]  # Powertools leaves its __init__ unannotated


@router.get(
    "/api/v1/handoffs/mine",
    summary="Handoffs the caller holds or created, newest change first",
    description=(
        "`role=holder`: handoffs the caller picked up or was handed (`status=claimed`), or resolved "
        "(`status=resolved`). `role=creator`: the caller's own parks and escalations in `status`. "
        "Newest transition first; `X-Next-Cursor` when there are more."
    ),
    responses=answers(200, list[HandoffOut], "The handoffs, newest change first; `X-Next-Cursor` when there are more.", 422),
)
def list_my_handoffs(
    role: Annotated[MineRole, Query(description="holder: what the caller holds or resolved; creator: what they handed off")],
    status: Annotated[HandoffStatus, Query(description="One status: open, claimed, resolved or withdrawn")],
    who: Caller,
    deps: Deps,
    limit: Annotated[int, Query(ge=1, le=handoffs.MINE_LIMIT_MAX)] = 20,
    cursor: CursorQuery = None,
) -> Response[str]:
    page = handoffs.my_handoffs(who, role, status, limit, cursor, deps.handoffs)
    headers = {"X-Next-Cursor": page.next_cursor} if page.next_cursor else None
    return json_response(200, [handoff_out(h) for h in page.items], headers)


@router.get(
    "/api/v1/handoffs/recent",
    summary="The account's recent handoffs with their timelines, newest change first (any member, viewers too)",
    responses=answers(200, list[RecentHandoffOut], "The handoffs, newest change first, each with its timeline.", 422),
)
def list_recent_handoffs(
    who: Caller, deps: Deps, limit: Annotated[int, Query(ge=1, le=handoffs.RECENT_LIMIT_MAX)] = 50
) -> Response[str]:
    recent = handoffs.recent_handoffs(who, limit, deps.handoffs)
    return json_response(200, [RecentHandoffOut(handoff=handoff_out(h), timeline=timeline_out(h)) for h in recent])
