"""The signed-in user and the people of their account."""

from typing import Annotated

from api_routes_chat_links import LinkDeps
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from api_common import Caller, NoBody, json_response, user_out
from api_dependencies import Deps
from api_openapi import answers, no_content
from baton.api_models import MyEmailSettings, UserOut, UserPatch
from baton.logic import chat_links, realtime, users

# A user id is the identity provider's `sub` (Entra, Auth0 "auth0|..."): never a path segment such as "..".
USER_ID_PATTERN = r"^[A-Za-z0-9_@|:+=-][A-Za-z0-9_.@|:+=-]{0,127}$"

router = Router()  # type: ignore[no-untyped-call]  # Powertools leaves its __init__ unannotated


@router.get("/api/v1/me", summary="The signed-in user", responses=answers(200, UserOut, "The signed-in user."))
def get_me(who: Caller) -> Response[str]:
    return json_response(200, user_out(who))


@router.patch(
    "/api/v1/me",
    summary="Choose how baton emails you: immediate, digest or none (any member)",
    responses=answers(200, UserOut, "The signed-in user with the new settings.", body=True),
)
def patch_me(settings: Annotated[MyEmailSettings, Body()], who: Caller, deps: Deps) -> Response[str]:
    return json_response(200, user_out(users.change_my_email(who, settings, deps.users)))


@router.get(
    "/api/v1/account/users",
    summary="Users of the caller's account",
    responses=answers(200, list[UserOut], "Every user of the account."),
)
def list_account_users(who: Caller, deps: Deps) -> Response[str]:
    return json_response(200, [user_out(u) for u in users.list_users(who, deps.users)])


@router.patch(
    "/api/v1/account/users/<user_id>",
    summary="Change a user's role or email notifications (owner, admin)",
    responses=answers(200, UserOut, "The changed user.", 404, 409, body=True),
)
def patch_account_user(
    user_id: Annotated[str, Path(pattern=USER_ID_PATTERN)], patch: Annotated[UserPatch, Body()], who: Caller, deps: Deps
) -> Response[str]:
    def revoke_live(demoted_id: str) -> int:
        reason = f"Your role in {_account_name(who.account_id, deps)} is now viewer: live updates need the engineer role."
        return realtime.close_connections_of(demoted_id, deps.connections, deps.live, reason)

    changed = users.change_user(who, user_id, patch, deps.users, revoke_live)
    return json_response(200, user_out(changed))


@router.delete(
    "/api/v1/account/users/<user_id>",
    summary="Remove a member (owner, admin; an admin cannot remove owners; never the last owner)",
    responses=no_content("Removed: their live connections are closed and their next request is 403.", 404, 409, 422),
)
def remove_account_user(
    user_id: Annotated[str, Path(pattern=USER_ID_PATTERN)], _: NoBody, who: Caller, deps: Deps, chat: LinkDeps
) -> Response[str]:
    reason = f"You were removed from {_account_name(who.account_id, deps)}."
    users.remove_user(
        who,
        user_id,
        deps.users,
        lambda removed_id: realtime.close_connections_of(removed_id, deps.connections, deps.live, reason),
    )
    chat_links.forget_member(who.account_id, user_id, chat.links)  # their chat users no longer act as anyone
    return Response(status_code=204, body="")


def _account_name(account_id: str, deps: Deps) -> str:
    """The account's name as its people know it (its id when it has none)."""
    account = deps.accounts.get(account_id)
    return account.name if account else account_id
