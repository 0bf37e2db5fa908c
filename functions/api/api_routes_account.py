"""The caller's account and its invitations; joining an account by invitation."""

from typing import Annotated, Any
from uuid import UUID

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.request import Request

from api_common import Caller, NoBody, json_response, user_out
from api_dependencies import Deps
from api_openapi import answers, no_content
from baton.api_models import (
    AccountOut,
    AccountPatch,
    BulkInvitationsCreate,
    BulkInvitationsOut,
    InvitationAccept,
    InvitationCreate,
    InvitationOut,
    SkippedLineOut,
    UserOut,
    invitation_rows,
)
from baton.domain.errors import Unauthorized
from baton.domain.models import Account, Invitation, Role
from baton.logic import accounts, invitations
from baton.logic.identity import identity_from
from baton.logic.invitations import Identity

router = Router()  # type: ignore[no-untyped-call]  # Powertools leaves its __init__ unannotated


def account_out(account: Account) -> AccountOut:
    return AccountOut(id=account.id, name=account.name, created_at=account.created_at)


def invitation_out(invitation: Invitation) -> InvitationOut:
    return InvitationOut.model_validate(invitation.model_dump())


def signed_in(request: Request, deps: Deps) -> Identity:
    """Who the token says the caller is (member or not), with their verified email."""
    event = request.resolved_event
    claims: dict[str, Any] = event.request_context.authorizer.jwt_claim or {}  # type: ignore[attr-defined]
    if not claims.get("sub"):
        raise Unauthorized("A bearer token with a subject is required.")
    token = (event.headers.get("authorization") or "").partition(" ")[2].strip()
    userinfo = deps.userinfo
    return identity_from(claims, lambda: userinfo.userinfo(str(claims.get("iss", "")), token))


SignedIn = Annotated[Identity, Depends(signed_in)]


@router.get("/api/v1/account", summary="The caller's account", responses=answers(200, AccountOut, "The account."))
def get_account(who: Caller, deps: Deps) -> Response[str]:
    return json_response(200, account_out(accounts.get_account(who, deps.accounts)))


@router.patch(
    "/api/v1/account",
    summary="Rename the account (owner)",
    responses=answers(200, AccountOut, "The renamed account.", 404, body=True),
)
def patch_account(patch: Annotated[AccountPatch, Body()], who: Caller, deps: Deps) -> Response[str]:
    renamed = accounts.rename_account(who, patch.name.strip(), deps.accounts)
    return json_response(200, account_out(renamed))


@router.post(
    "/api/v1/account/invitations",
    summary="Invite an address to the account (owner, admin; an admin cannot invite owners)",
    responses=answers(201, InvitationOut, "The pending invitation; an email goes out.", 409, body=True),
)
def create_invitation(body: Annotated[InvitationCreate, Body()], who: Caller, deps: Deps) -> Response[str]:
    account = accounts.get_account(who, deps.accounts)
    invitation = invitations.invite(who, account, body.email, body.role, deps.invitations, deps.users)
    return json_response(201, invitation_out(invitation))


@router.post(
    "/api/v1/account/invitations/bulk",
    summary="Invite many addresses from CSV lines of email,role (owner, admin; an admin cannot invite owners)",
    responses=answers(200, BulkInvitationsOut, "Who was invited (each gets an email) and which lines were skipped.", body=True),
)
def bulk_invitations(body: Annotated[BulkInvitationsCreate, Body()], who: Caller, deps: Deps) -> Response[str]:
    who.role.require(Role.ADMIN)
    account = accounts.get_account(who, deps.accounts)
    rows, unreadable = invitation_rows(body.csv)
    invited, skipped = invitations.invite_many(who, account, rows, deps.invitations, deps.users)
    lines = [*unreadable, *(SkippedLineOut(line=s.line, email=s.email, detail=s.detail) for s in skipped)]
    answer = BulkInvitationsOut(invited=[invitation_out(i) for i in invited], skipped=sorted(lines, key=lambda s: s.line))
    return json_response(200, answer)


@router.get(
    "/api/v1/account/invitations",
    summary="Pending invitations of the account (owner, admin)",
    responses=answers(200, list[InvitationOut], "Pending invitations, oldest first."),
)
def list_invitations(who: Caller, deps: Deps) -> Response[str]:
    pending = invitations.pending_of_account(who, deps.invitations)
    return json_response(200, [invitation_out(i) for i in pending])


@router.delete(
    "/api/v1/account/invitations/<invitation_id>",
    summary="Revoke a pending invitation (owner, admin)",
    responses=no_content("Revoked.", 404, 409, 422),
)
def revoke_invitation(invitation_id: UUID, _: NoBody, who: Caller, deps: Deps) -> Response[str]:
    invitations.revoke(who, str(invitation_id), deps.invitations)
    return Response(status_code=204, body="")


@router.get(
    "/api/v1/invitations/mine",
    summary="Pending invitations for the caller's verified email (member or not)",
    responses=answers(200, list[InvitationOut], "Pending invitations, oldest first; empty without a verified email."),
)
def my_invitations(identity: SignedIn, deps: Deps) -> Response[str]:
    found = invitations.mine(identity, deps.invitations)
    return json_response(200, [invitation_out(i) for i in found])


@router.post(
    "/api/v1/invitations/accept",
    summary="Join the account of an invitation (the caller is not a member yet)",
    responses=answers(200, UserOut, "The caller, now a user of the account.", 404, 409, 410, body=True),
)
def accept_invitation(body: Annotated[InvitationAccept, Body()], identity: SignedIn, deps: Deps) -> Response[str]:
    user = invitations.accept(identity, body.invitation_id, deps.invitations, deps.users)
    return json_response(200, user_out(user))
