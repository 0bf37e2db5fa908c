"""The account's SLA ladder policy (owner, admin) and the team's figures (engineer or above)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from api_common import Caller, json_response
from api_dependencies import Deps
from api_openapi import answers
from baton.api_models import SlaPolicyIn, SlaPolicyOut
from baton.domain.clock import utc_now
from baton.domain.ladder import Policy
from baton.logic import sla, stats

router = Router()  # type: ignore[no-untyped-call]  # Powertools leaves its __init__ unannotated


@router.get(
    "/api/v1/account/policy",
    summary="The account's SLA ladder (owner, admin)",
    responses=answers(200, SlaPolicyOut, "The policy (the defaults 300/900/900 until one is set)."),
)
def get_sla_policy(who: Caller, deps: Deps) -> Response[str]:
    policy = sla.get_policy(who, deps.policies)
    return json_response(200, SlaPolicyOut.model_validate(policy.model_dump(mode="json")))


@router.put(
    "/api/v1/account/policy",
    summary="Set the account's SLA ladder (owner, admin)",
    responses=answers(200, SlaPolicyOut, "The policy now in force (from each handoff's next deadline).", 404, body=True),
)
def put_sla_policy(body: Annotated[SlaPolicyIn, Body()], who: Caller, deps: Deps) -> Response[str]:
    given = body.model_dump(mode="json", exclude_none=True)
    if body.notify is None:  # left out: who is emailed stays as it is
        given["notify"] = sla.get_policy(who, deps.policies).notify.model_dump(mode="json")
    policy = sla.set_policy(who, Policy.model_validate(given), deps.policies)
    return json_response(200, SlaPolicyOut.model_validate(policy.model_dump(mode="json")))


@router.get(
    "/api/v1/account/stats",
    summary="The team's figures over the last `days` days (engineer or above)",
    responses=answers(200, stats.Figures, "Escalations, pickups, time to pickup, overdue.", 422),
)
def get_account_stats(who: Caller, deps: Deps, days: Annotated[int, Query(ge=1, le=stats.DAYS_MAX)] = 7) -> Response[str]:
    return json_response(200, stats.figures(who, days, utc_now(), deps.handoffs))
