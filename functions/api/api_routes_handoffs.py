"""Handoffs: create, read, and every action of the lifecycle (claim, release, reassign, escalate, withdraw, resolve)."""

from datetime import timedelta
from typing import Annotated
from uuid import UUID

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Header
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from api_common import Caller, NoBody, action_out, handoff_out, json_response, timeline_out, user_out
from api_dependencies import Deps, HandoffRequest
from api_openapi import answers
from baton.api_models import (
    HandoffContext,
    HandoffCreate,
    HandoffEscalate,
    HandoffOut,
    HandoffReassign,
    HandoffRelease,
    HandoffResolve,
    HandoffWithdraw,
    SessionOut,
    TimelineEntryOut,
)
from baton.domain.clock import parse_iso
from baton.domain.errors import Conflict
from baton.domain.lifecycle import allowed_actions, asks_for_colleague, assignees
from baton.logic import handoffs

metrics = Metrics()  # Powertools' metrics are one set per process: the handler's log_metrics flushes these
router = Router()  # type: ignore[no-untyped-call]  # Powertools leaves its __init__ unannotated


@router.post(
    "/api/v1/ai-sessions/<session_id>/handoff",
    summary="Park or escalate a session",
    responses=answers(201, HandoffOut, "The new handoff.", 404, 409, body=True),
)
def create_handoff(
    session_id: UUID,
    body: Annotated[HandoffCreate, Body()],
    who: Caller,
    deps: Deps,
    idempotency_key: Annotated[str | None, Header(alias="idempotency-key", min_length=1, max_length=255)] = None,
) -> Response[str]:
    if idempotency_key:
        request = HandoffRequest(idempotency_key=idempotency_key, caller=who, session_id=str(session_id), body=body)
        created = deps.create_handoff_once(request=request)
    else:
        created = handoff_out(handoffs.create_handoff(who, str(session_id), body, deps.handoffs))
    with single_metric(name="HandoffsCreated", unit=MetricUnit.Count, value=1) as metric:
        metric.add_dimension(name="intent", value=created.intent)
    return json_response(201, created)


@router.get(
    "/api/v1/ai-sessions/<session_id>/handoffs",
    summary="A session's handoffs, newest first",
    responses=answers(200, list[HandoffOut], "The handoffs, newest first.", 404, 422),
)
def list_session_handoffs(session_id: UUID, who: Caller, deps: Deps) -> Response[str]:
    found = handoffs.session_handoffs(who, str(session_id), deps.handoffs)
    return json_response(200, [handoff_out(h) for h in found])


@router.get(
    "/api/v1/ai-sessions/<session_id>/handoffs/<handoff_id>",
    summary="A handoff with its whole session and timeline",
    responses=answers(200, HandoffContext, "The handoff, its session, timeline and what the caller may do.", 404, 422),
)
def get_handoff_context(session_id: UUID, handoff_id: UUID, who: Caller, deps: Deps) -> Response[str]:
    handoff, session = handoffs.handoff_context(who, str(session_id), str(handoff_id), deps.handoffs)
    allowed = allowed_actions(handoff, who)
    members = deps.users.list_by_account(who.account_id) if asks_for_colleague(allowed) else []
    context = HandoffContext(
        handoff=handoff_out(handoff),
        session=SessionOut.model_validate(session.model_dump()),
        timeline=timeline_out(handoff),
        allowed_actions=allowed,
        actions=[action_out(action) for action in allowed],
        assignees=[user_out(user) for user in assignees(handoff, who, members)],
    )
    return json_response(200, context)


@router.get(
    "/api/v1/ai-sessions/<session_id>/handoffs/<handoff_id>/timeline",
    summary="Who did what to a handoff, oldest first",
    responses=answers(200, list[TimelineEntryOut], "The timeline, oldest first.", 404, 422),
)
def get_handoff_timeline(session_id: UUID, handoff_id: UUID, who: Caller, deps: Deps) -> Response[str]:
    handoff, _ = handoffs.handoff_context(who, str(session_id), str(handoff_id), deps.handoffs)
    return json_response(200, timeline_out(handoff))


@router.post(
    "/api/v1/ai-sessions/<session_id>/handoffs/<handoff_id>/claim",
    summary="Pick up a handoff (exactly one winner)",
    responses=answers(200, HandoffOut, "Picked up by the caller.", 404, 409, 422),
)
def claim_handoff(session_id: UUID, handoff_id: UUID, _: NoBody, who: Caller, deps: Deps) -> Response[str]:
    try:
        claimed = handoffs.claim(who, str(session_id), str(handoff_id), deps.handoffs)
    except Conflict:
        metrics.add_metric(name="ClaimConflicts", unit=MetricUnit.Count, value=1)
        raise
    metrics.add_metric(name="Claims", unit=MetricUnit.Count, value=1)
    waited: timedelta = parse_iso(claimed.claimed_at or claimed.updated_at) - parse_iso(claimed.created_at)
    metrics.add_metric(name="TimeToPickup", unit=MetricUnit.Seconds, value=waited.total_seconds())
    return json_response(200, handoff_out(claimed))


@router.post(
    "/api/v1/ai-sessions/<session_id>/handoffs/<handoff_id>/release",
    summary="Put a picked-up handoff back in the queue",
    responses=answers(200, HandoffOut, "Back in the queue.", 404, 409, body=True),
)
def release_handoff(
    session_id: UUID, handoff_id: UUID, who: Caller, deps: Deps, body: Annotated[HandoffRelease | None, Body()] = None
) -> Response[str]:
    reason = body.reason if body else None
    released = handoffs.release(who, str(session_id), str(handoff_id), reason, deps.handoffs)
    return json_response(200, handoff_out(released))


@router.post(
    "/api/v1/ai-sessions/<session_id>/handoffs/<handoff_id>/reassign",
    summary="Hand a picked-up handoff to a colleague",
    responses=answers(200, HandoffOut, "Held by the colleague.", 404, 409, body=True),
)
def reassign_handoff(
    session_id: UUID, handoff_id: UUID, body: Annotated[HandoffReassign, Body()], who: Caller, deps: Deps
) -> Response[str]:
    moved = handoffs.reassign(who, str(session_id), str(handoff_id), body.to_user_id, body.reason, deps.handoffs, deps.users)
    return json_response(200, handoff_out(moved))


@router.post(
    "/api/v1/ai-sessions/<session_id>/handoffs/<handoff_id>/escalate",
    summary="Turn a park into an escalation",
    responses=answers(200, HandoffOut, "Now an escalation.", 404, 409, body=True),
)
def escalate_handoff(
    session_id: UUID, handoff_id: UUID, who: Caller, deps: Deps, body: Annotated[HandoffEscalate | None, Body()] = None
) -> Response[str]:
    notes = body.engineer_notes if body else None
    escalated = handoffs.escalate(who, str(session_id), str(handoff_id), notes, deps.handoffs)
    return json_response(200, handoff_out(escalated))


@router.post(
    "/api/v1/ai-sessions/<session_id>/handoffs/<handoff_id>/withdraw",
    summary="Take back an open handoff",
    responses=answers(200, HandoffOut, "Withdrawn.", 404, 409, body=True),
)
def withdraw_handoff(
    session_id: UUID, handoff_id: UUID, who: Caller, deps: Deps, body: Annotated[HandoffWithdraw | None, Body()] = None
) -> Response[str]:
    reason = body.reason if body else None
    withdrawn = handoffs.withdraw(who, str(session_id), str(handoff_id), reason, deps.handoffs)
    return json_response(200, handoff_out(withdrawn))


@router.post(
    "/api/v1/ai-sessions/<session_id>/handoffs/<handoff_id>/resolve",
    summary="Close a picked-up handoff",
    responses=answers(200, HandoffOut, "Resolved.", 404, 409, body=True),
)
def resolve_handoff(
    session_id: UUID, handoff_id: UUID, body: Annotated[HandoffResolve, Body()], who: Caller, deps: Deps
) -> Response[str]:
    resolved = handoffs.resolve(who, str(session_id), str(handoff_id), body.resolution_notes, deps.handoffs)
    return json_response(200, handoff_out(resolved))
