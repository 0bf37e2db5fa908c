"""What every route module shares: who is calling, and how an answer is written."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.request import Request
from aws_lambda_powertools.logging import Logger
from pydantic import BaseModel

from api_dependencies import Deps
from baton.api_models import ActionOut, HandoffOut, TimelineEntryOut, UserOut
from baton.domain.errors import Invalid
from baton.domain.lifecycle import RULES, Action
from baton.domain.models import Handoff, User
from baton.logic import access
from baton.repositories.cursor import PATTERN as CURSOR_PATTERN

logger = Logger(child=True)

# The `cursor` of a paged list: only the previous page's X-Next-Cursor is accepted (anything else is a 422).
CursorQuery = Annotated[
    str | None,
    Query(max_length=2048, pattern=CURSOR_PATTERN, description="The X-Next-Cursor of the previous page, as it was sent."),
]


def current_caller(request: Request, deps: Deps) -> User:
    """The user record behind the request's token: account and role come from it, never from the token."""
    claims = request.resolved_event.request_context.authorizer.jwt_claim or {}  # type: ignore[attr-defined]
    user = access.caller_from_subject(claims.get("sub"), deps.users)
    logger.append_keys(account_id=user.account_id, user_id=user.id)
    return user


# A route parameter of this type receives the caller (Powertools resolves it once per request, before the route runs).
Caller = Annotated[User, Depends(current_caller)]


def json_response(status: int, model: BaseModel | list[Any], headers: dict[str, str] | None = None) -> Response[str]:
    if isinstance(model, list):
        body = "[" + ",".join(item.model_dump_json() for item in model) + "]"
    else:
        body = model.model_dump_json()
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body, headers=headers)


def refuse_body(request: Request) -> None:
    """Actions that take no input refuse one (an empty object aside), rather than ignore what the caller meant."""
    text = (request.resolved_event.decoded_body or "").strip()
    if text and text.replace(" ", "") != "{}":
        raise Invalid("This endpoint takes no request body.")


# Declared before `Caller` in a route's signature: dependencies resolve in that order, so a body is refused first.
NoBody = Annotated[None, Depends(refuse_body)]


def handoff_out(handoff: Handoff) -> HandoffOut:
    return HandoffOut.model_validate(handoff.model_dump())


def user_out(user: User) -> UserOut:
    return UserOut.model_validate(user.model_dump())


def timeline_out(handoff: Handoff) -> list[TimelineEntryOut]:
    return [TimelineEntryOut.model_validate(entry.model_dump()) for entry in handoff.timeline]


def action_out(action: Action) -> ActionOut:
    """An allowed action as the console draws it: the lifecycle table's control for it."""
    control = RULES[action].control
    if control is None:
        raise ValueError(f"{action.value} has no control in the lifecycle table")
    return ActionOut.model_validate({"action": action, **control._asdict()}, from_attributes=True)  # its form too
