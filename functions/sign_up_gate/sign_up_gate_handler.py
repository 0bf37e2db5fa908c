"""The stack's Cognito pool's pre sign-up trigger: anyone may sign themselves up at the hosted UI, but only with an
address that has a pending invitation (from the console's People page, a bulk invite or `baton-admin`), so an
invitation is all it takes for a person to get in the same day, with no operator step.

Cognito then verifies the address (a code sent through SES) before the first sign-in; joining the account is the
console's usual step (`POST /api/v1/invitations/accept`). Refusing is raising: Cognito shows the sentence
("PreSignUp failed with error ...") and creates no user. A refusal is counted (`SignUpsRefused`), so the errors
alarm can tell refusals from failures. Users an operator creates with IAM rights (`AdminCreateUser`, e.g.
`make smoke`) are let through.
"""

import gc

gc.disable()  # no collection during init: what it builds lives as long as the environment (baton.init_heap)

from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event import PreSignUpTriggerEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from baton import init_heap
from baton.logic import invitations
from baton.observability import instruments
from baton.repositories.invitations import InvitationRepository
from baton.settings import Settings

logger, metrics, tracer = instruments()
REFUSAL = (
    "This address has no pending baton invitation. Ask an admin of your team to invite it, "
    "then sign up with exactly that address."
)


class SignUpRefused(Exception):
    """Raised to refuse a sign-up: Cognito shows its message to the person."""


@cache
def invitation_store() -> InvitationRepository:
    return InvitationRepository(Settings.from_env().data_table_name, boto3.client("dynamodb"))


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    trigger = PreSignUpTriggerEvent(event)
    if trigger.trigger_source == "PreSignUp_AdminCreateUser":
        return event
    email = str(trigger.request.user_attributes.get("email", ""))
    if invitations.may_sign_up(email, invitation_store()):
        logger.info("sign-up admitted", extra={"trigger": trigger.trigger_source})
        return event
    metrics.add_metric(name="SignUpsRefused", unit=MetricUnit.Count, value=1)
    logger.info("sign-up refused", extra={"trigger": trigger.trigger_source})  # no address in the logs
    raise SignUpRefused(REFUSAL)


init_heap.freeze()  # last: what the imports built is never walked by the collector again
