"""HTTP API v1: thin routes that adapt a request to one use case and back."""

import base64
import json
from datetime import timedelta
from typing import Annotated, Any
from uuid import UUID

from api_openapi import JSON, SECURITY, answers, security_schemes
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

import api_errors
from api_dependencies import HandoffRequest, dependencies
from baton.api_models import (
    HandoffContext,
    HandoffCreate,
    HandoffEscalate,
    HandoffOut,
    HandoffReassign,
    HandoffRelease,
    HandoffResolve,
    HandoffWithdraw,
    SessionCreate,
    SessionOut,
    TimelineEntryOut,
    UserOut,
    UserPatch,
)
from baton.clock import parse_iso
from baton.errors import Conflict, Invalid
from baton.lifecycle import Action, allowed_actions, assignees
from baton.logic import access, handoffs, push, realtime, sessions, users
from baton.logic.realtime import IssuedTicket
from baton.models import Handoff, Intent, User
from baton.observability import instruments

MAX_BODY_BYTES = 64 * 1024
# A user id is the identity provider's `sub` (Entra, Auth0 "auth0|..."): never a path segment such as "..".
USER_ID_PATTERN = r"^[A-Za-z0-9_@|:+=-][A-Za-z0-9_.@|:+=-]{0,127}$"

logger, metrics, tracer = instruments()
app = APIGatewayHttpResolver(enable_validation=True)
api_errors.register(app, logger)


def _body_size(event: dict[str, Any]) -> int:
    body = event.get("body") or ""
    return len(base64.b64decode(body)) if event.get("isBase64Encoded") else len(body.encode())


def _is_json(event: dict[str, Any]) -> bool:
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    media_type = str(headers.get("content-type", "application/json")).split(";")[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


def _refused(status: int, detail: str) -> dict[str, Any]:
    """An answer given before routing, in the same shape as every other error."""
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps({"detail": detail})}


def _caller() -> User:
    claims = app.current_event.request_context.authorizer.jwt_claim or {}
    user = access.caller_from_subject(claims.get("sub"), dependencies().users)
    logger.append_keys(account_id=user.account_id, user_id=user.id)
    return user


def _json(status: int, model: BaseModel | list[Any], headers: dict[str, str] | None = None) -> Response[str]:
    if isinstance(model, list):
        body = "[" + ",".join(item.model_dump_json() for item in model) + "]"
    else:
        body = model.model_dump_json()
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body, headers=headers)


def _out(handoff: Handoff) -> HandoffOut:
    return HandoffOut.model_validate(handoff.model_dump())


def _timeline(handoff: Handoff) -> list[TimelineEntryOut]:
    return [TimelineEntryOut.model_validate(entry.model_dump()) for entry in handoff.timeline]


def _no_body() -> None:
    """Actions that take no input refuse one (an empty object aside), rather than ignore what the caller meant."""
    text = (app.current_event.decoded_body or "").strip()
    if text and text.replace(" ", "") != "{}":
        raise Invalid("This endpoint takes no request body.")


# --- users ----------------------------------------------------------------------------------
@app.get("/api/v1/me", summary="The signed-in user", responses=answers(200, UserOut, "The signed-in user."))
def get_me() -> Response[str]:
    return _json(200, UserOut.model_validate(_caller().model_dump()))


@app.get(
    "/api/v1/account/users",
    summary="Users of the caller's account",
    responses=answers(200, list[UserOut], "Every user of the account."),
)
def list_account_users() -> Response[str]:
    return _json(200, [UserOut.model_validate(u.model_dump()) for u in users.list_users(_caller(), dependencies().users)])


@app.patch(
    "/api/v1/account/users/<user_id>",
    summary="Change a user's role or email notifications (owner, admin)",
    responses=answers(200, UserOut, "The changed user.", 404, 409, body=True),
)
def patch_account_user(
    user_id: Annotated[str, Path(pattern=USER_ID_PATTERN)], patch: Annotated[UserPatch, Body()]
) -> Response[str]:
    deps = dependencies()

    def revoke_live(demoted_id: str) -> int:
        return push.close_connections_of(demoted_id, deps.connections, deps.live)

    changed = users.change_user(_caller(), user_id, patch, deps.users, revoke_live)
    return _json(200, UserOut.model_validate(changed.model_dump()))


# --- sessions -------------------------------------------------------------------------------
@app.post(
    "/api/v1/ai-sessions",
    summary="Start an AI troubleshooting session (engineer or above)",
    responses=answers(201, SessionOut, "The new session.", body=True),
)
def create_session(body: Annotated[SessionCreate, Body()]) -> Response[str]:
    session = sessions.create_session(_caller(), body, dependencies().handoffs)
    return _json(201, SessionOut.model_validate(session.model_dump()))


@app.get(
    "/api/v1/ai-sessions/queue",
    summary="Open handoffs of the caller's account, oldest first",
    responses=answers(200, list[HandoffOut], "Open handoffs, oldest first; `X-Next-Cursor` when there are more.", 422),
)
def get_queue(
    intent: Annotated[Intent | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=handoffs.QUEUE_LIMIT_MAX)] = 50,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> Response[str]:
    page = handoffs.open_queue(_caller(), intent, limit, cursor, dependencies().handoffs)
    headers = {"X-Next-Cursor": page.next_cursor} if page.next_cursor else None
    return _json(200, [_out(h) for h in page.items], headers)


@app.get("/api/v1/ai-sessions/<session_id>", summary="One session", responses=answers(200, SessionOut, "The session.", 404, 422))
def get_session(session_id: UUID) -> Response[str]:
    session = sessions.get_session(_caller(), str(session_id), dependencies().handoffs)
    return _json(200, SessionOut.model_validate(session.model_dump()))


# --- handoffs -------------------------------------------------------------------------------
@app.post(
    "/api/v1/ai-sessions/<session_id>/handoff",
    summary="Park or escalate a session",
    responses=answers(201, HandoffOut, "The new handoff.", 404, 409, body=True),
)
def create_handoff(
    session_id: UUID,
    body: Annotated[HandoffCreate, Body()],
    idempotency_key: Annotated[str | None, Header(alias="idempotency-key", min_length=1, max_length=255)] = None,
) -> Response[str]:
    caller = _caller()
    deps = dependencies()
    if idempotency_key:
        request = HandoffRequest(idempotency_key=idempotency_key, caller=caller, session_id=str(session_id), body=body)
        created = deps.create_handoff_once(request=request)
    else:
        created = _out(handoffs.create_handoff(caller, str(session_id), body, deps.handoffs))
    with single_metric(name="HandoffsCreated", unit=MetricUnit.Count, value=1) as metric:
        metric.add_dimension(name="intent", value=created.intent)
    return _json(201, created)


@app.get(
    "/api/v1/ai-sessions/<session_id>/handoffs",
    summary="A session's handoffs, newest first",
    responses=answers(200, list[HandoffOut], "The handoffs, newest first.", 404, 422),
)
def list_session_handoffs(session_id: UUID) -> Response[str]:
    found = handoffs.session_handoffs(_caller(), str(session_id), dependencies().handoffs)
    return _json(200, [_out(h) for h in found])


@app.get(
    "/api/v1/ai-sessions/<session_id>/handoffs/<handoff_id>",
    summary="A handoff with its whole session and timeline",
    responses=answers(200, HandoffContext, "The handoff, its session, timeline and what the caller may do.", 404, 422),
)
def get_handoff_context(session_id: UUID, handoff_id: UUID) -> Response[str]:
    caller, deps = _caller(), dependencies()
    handoff, session = handoffs.handoff_context(caller, str(session_id), str(handoff_id), deps.handoffs)
    allowed = allowed_actions(handoff, caller)
    members = deps.users.list_by_account(caller.account_id) if Action.REASSIGN in allowed else []
    context = HandoffContext(
        handoff=_out(handoff),
        session=SessionOut.model_validate(session.model_dump()),
        timeline=_timeline(handoff),
        allowed_actions=allowed,
        assignees=[UserOut.model_validate(user.model_dump()) for user in assignees(handoff, caller, members)],
    )
    return _json(200, context)


@app.get(
    "/api/v1/ai-sessions/<session_id>/handoffs/<handoff_id>/timeline",
    summary="Who did what to a handoff, oldest first",
    responses=answers(200, list[TimelineEntryOut], "The timeline, oldest first.", 404, 422),
)
def get_handoff_timeline(session_id: UUID, handoff_id: UUID) -> Response[str]:
    handoff, _ = handoffs.handoff_context(_caller(), str(session_id), str(handoff_id), dependencies().handoffs)
    return _json(200, _timeline(handoff))


@app.post(
    "/api/v1/ai-sessions/<session_id>/handoffs/<handoff_id>/claim",
    summary="Pick up a handoff (exactly one winner)",
    responses=answers(200, HandoffOut, "Picked up by the caller.", 404, 409, 422),
)
def claim_handoff(session_id: UUID, handoff_id: UUID) -> Response[str]:
    _no_body()
    try:
        claimed = handoffs.claim(_caller(), str(session_id), str(handoff_id), dependencies().handoffs)
    except Conflict:
        metrics.add_metric(name="ClaimConflicts", unit=MetricUnit.Count, value=1)
        raise
    metrics.add_metric(name="Claims", unit=MetricUnit.Count, value=1)
    waited: timedelta = parse_iso(claimed.claimed_at or claimed.updated_at) - parse_iso(claimed.created_at)
    metrics.add_metric(name="TimeToPickup", unit=MetricUnit.Seconds, value=waited.total_seconds())
    return _json(200, _out(claimed))


@app.post(
    "/api/v1/ai-sessions/<session_id>/handoffs/<handoff_id>/release",
    summary="Put a picked-up handoff back in the queue",
    responses=answers(200, HandoffOut, "Back in the queue.", 404, 409, body=True),
)
def release_handoff(session_id: UUID, handoff_id: UUID, body: Annotated[HandoffRelease | None, Body()] = None) -> Response[str]:
    reason = body.reason if body else None
    released = handoffs.release(_caller(), str(session_id), str(handoff_id), reason, dependencies().handoffs)
    return _json(200, _out(released))


@app.post(
    "/api/v1/ai-sessions/<session_id>/handoffs/<handoff_id>/reassign",
    summary="Hand a picked-up handoff to a colleague",
    responses=answers(200, HandoffOut, "Held by the colleague.", 404, 409, body=True),
)
def reassign_handoff(session_id: UUID, handoff_id: UUID, body: Annotated[HandoffReassign, Body()]) -> Response[str]:
    deps = dependencies()
    moved = handoffs.reassign(
        _caller(), str(session_id), str(handoff_id), body.to_user_id, body.reason, deps.handoffs, deps.users
    )
    return _json(200, _out(moved))


@app.post(
    "/api/v1/ai-sessions/<session_id>/handoffs/<handoff_id>/escalate",
    summary="Turn a park into an escalation",
    responses=answers(200, HandoffOut, "Now an escalation.", 404, 409, body=True),
)
def escalate_handoff(session_id: UUID, handoff_id: UUID, body: Annotated[HandoffEscalate | None, Body()] = None) -> Response[str]:
    notes = body.engineer_notes if body else None
    escalated = handoffs.escalate(_caller(), str(session_id), str(handoff_id), notes, dependencies().handoffs)
    return _json(200, _out(escalated))


@app.post(
    "/api/v1/ai-sessions/<session_id>/handoffs/<handoff_id>/withdraw",
    summary="Take back an open handoff",
    responses=answers(200, HandoffOut, "Withdrawn.", 404, 409, body=True),
)
def withdraw_handoff(session_id: UUID, handoff_id: UUID, body: Annotated[HandoffWithdraw | None, Body()] = None) -> Response[str]:
    reason = body.reason if body else None
    withdrawn = handoffs.withdraw(_caller(), str(session_id), str(handoff_id), reason, dependencies().handoffs)
    return _json(200, _out(withdrawn))


@app.post(
    "/api/v1/ai-sessions/<session_id>/handoffs/<handoff_id>/resolve",
    summary="Close a picked-up handoff",
    responses=answers(200, HandoffOut, "Resolved.", 404, 409, body=True),
)
def resolve_handoff(session_id: UUID, handoff_id: UUID, body: Annotated[HandoffResolve | None, Body()] = None) -> Response[str]:
    notes = body.resolution_notes if body else ""
    resolved = handoffs.resolve(_caller(), str(session_id), str(handoff_id), notes, dependencies().handoffs)
    return _json(200, _out(resolved))


# --- live updates ---------------------------------------------------------------------------
@app.post(
    "/api/v1/ws-ticket",
    summary="A single-use, 60 s ticket and the WebSocket URL to open with it",
    responses=answers(201, IssuedTicket, "A ticket and the URL to open with it.", 422),
)
def create_ws_ticket() -> Response[str]:
    _no_body()
    deps = dependencies()
    return _json(201, realtime.issue_ticket(_caller(), deps.connections, deps.websocket_url))


# --- public ---------------------------------------------------------------------------------
@app.get(
    "/api/v1/openapi.json",
    summary="This document",
    responses={200: {"description": "The OpenAPI document.", "content": {JSON: {"schema": {"type": "object"}}}}},
    openapi_extensions={"security": []},
)
def openapi() -> Response[str]:
    return Response(
        status_code=200,
        content_type=content_types.APPLICATION_JSON,
        body=app.get_openapi_json_schema(
            title="baton HTTP API", version="1.0.0", security_schemes=security_schemes(), security=SECURITY
        ),
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    size = _body_size(event)
    if size > MAX_BODY_BYTES:  # before validation, which would otherwise report the field limits
        return _refused(413, f"The request body is {size} bytes; the limit is {MAX_BODY_BYTES} bytes (64 KiB).")
    if size and not _is_json(event):  # before the event handler, which would parse forms and multipart
        return _refused(415, "Send the request body as JSON (Content-Type: application/json).")
    dependencies().idempotency.register_lambda_context(context)
    return app.resolve(event, context)
