"""template.yaml for issue 21's people and email: the stack's Cognito pool lets invited people sign themselves up
(a pre sign-up trigger admits only invited addresses), sends its codes through SES, rotates refresh tokens that live
a working day; the email subscription hears of what the recipient rule emails; SES's reputation is alarmed; digests
are a consumer of their own."""

from __future__ import annotations

import json
from typing import Any

import pytest

from baton.domain.recipients import EMAILED_TYPES
from local.template import Template
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def template() -> Template:
    return Template(ROOT / "template.yaml")


def _props(template: Template, name: str) -> dict[str, Any]:
    return dict(template.resources[name]["Properties"])


def _statements(template: Template, role: str) -> dict[str, dict[str, Any]]:
    """A function role's statements by Sid (the X-Ray one is conditional: left out)."""
    (policy,) = _props(template, role)["Policies"]
    return {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"] if isinstance(s, dict) and "Sid" in s}


def test_the_pool_lets_anyone_sign_up_but_its_trigger_admits_only_invited_addresses(template: Template) -> None:
    pool = _props(template, "UserPool")
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is False
    assert pool["LambdaConfig"]["PreSignUp"] == {"Fn::GetAtt": ["SignUpGateFunction", "Arn"]}
    # Cognito may invoke the trigger, for this pool only
    permission = _props(template, "SignUpGateInvoke")
    assert (permission["Principal"], permission["SourceArn"]) == (
        "cognito-idp.amazonaws.com",
        {"Fn::GetAtt": ["UserPool", "Arn"]},
    )
    # The trigger answers within Cognito's 5 s, and may only read invitations
    gate = template.functions()["SignUpGateFunction"]
    assert gate.timeout <= 5 and gate.handler == "sign_up_gate_handler.handler"
    assert _props(template, "SignUpGateFunction")["Role"] == {"Fn::GetAtt": ["SignUpGateFunctionRole", "Arn"]}
    statements = _statements(template, "SignUpGateFunctionRole")
    assert set(statements) == {"InvitationsOfAnAddress", "OwnLogs"}
    reads = statements["InvitationsOfAnAddress"]
    assert (reads["Action"], reads["Resource"]) == ("dynamodb:Query", {"Fn::GetAtt": ["DataTable", "Arn"]})
    # And none of it exists when the stack trusts another issuer
    external = Template(ROOT / "template.yaml", parameters={"JwtIssuer": "https://login.example.com/"})
    assert "SignUpGateFunction" not in external.functions()
    assert not {"SignUpGateInvoke", "SignUpGateFunctionErrorsAlarm"} & set(
        external.of_type("AWS::Lambda::Permission") | external.of_type("AWS::CloudWatch::Alarm")
    )


@pytest.mark.parametrize(("identity", "arn_end"), [("", "identity/baton@msp.example"), ("msp.example", "identity/msp.example")])
def test_cognito_sends_its_codes_through_the_stacks_ses_identity(identity: str, arn_end: str) -> None:
    template = Template(ROOT / "template.yaml", parameters={"SenderEmail": "baton@msp.example", "SesIdentity": identity})
    email = template.resolve(template.resources["UserPool"]["Properties"]["EmailConfiguration"])
    assert email["EmailSendingAccount"] == "DEVELOPER" and email["From"] == "baton@msp.example"
    assert email["SourceArn"] == f"arn:aws:ses:us-east-1:123456789012:{arn_end}"


def test_refresh_tokens_rotate_and_live_a_working_day(template: Template) -> None:
    client = _props(template, "UserPoolClient")
    assert client["RefreshTokenRotation"]["Feature"] == "ENABLED"
    assert 0 <= client["RefreshTokenRotation"]["RetryGracePeriodSeconds"] <= 60
    assert (client["RefreshTokenValidity"], client["TokenValidityUnits"]["RefreshToken"]) == (12, "hours")
    # Rotation refuses the REFRESH_TOKEN_AUTH flow: the console refreshes at the hosted UI's token endpoint
    assert "ALLOW_REFRESH_TOKEN_AUTH" not in client["ExplicitAuthFlows"]


def test_the_gates_errors_alarm_leaves_refused_addresses_out(template: Template) -> None:
    alarm = _props(template, "SignUpGateFunctionErrorsAlarm")
    queries = {query["Id"]: query for query in alarm["Metrics"]}
    assert queries["errors"]["MetricStat"]["Metric"]["MetricName"] == "Errors"
    assert queries["refused"]["MetricStat"]["Metric"]["MetricName"] == "SignUpsRefused"
    assert "errors" in queries["failures"]["Expression"] and "- FILL(refused" in queries["failures"]["Expression"]
    assert [query["Id"] for query in alarm["Metrics"] if query["ReturnData"]] == ["failures"]


def test_the_email_subscription_hears_of_every_event_the_recipient_rule_emails(template: Template) -> None:
    (subscription,) = [s for s in template.subscriptions() if s["Endpoint"].endswith(":EmailQueue")]
    named = {kind for branch in subscription["FilterPolicy"]["$or"] for kind in branch["event_type"]}
    assert named == {*EMAILED_TYPES, "invitation_created"}


@pytest.mark.parametrize(("metric", "threshold"), [("Reputation.BounceRate", 0.02), ("Reputation.ComplaintRate", 0.0004)])
def test_ses_bounce_and_complaint_rates_are_alarmed_below_the_review_levels(
    template: Template, metric: str, threshold: float
) -> None:
    (alarm,) = [
        a["Properties"]
        for a in template.of_type("AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("MetricName") == metric
    ]
    assert alarm["Namespace"] == "AWS/SES" and alarm["Threshold"] == threshold
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_digests_are_a_consumer_of_their_own_fed_only_by_the_email_function(template: Template) -> None:
    # Its own queue, dead-letter queue and function, from the one consumer unit
    assert {"DigestQueue", "DigestDeadLetters", "DigestDeadLettersAlarm", "DigestQueueBacklogAlarm"} <= set(template.resources)
    assert [s.source for s in template.event_sources() if s.function == "DigestFunction"] == ["DigestQueue"]
    # Not subscribed to the events topic: the email function sends each digest window's timer
    assert not [s for s in template.subscriptions() if s["Endpoint"].endswith(":DigestQueue")]
    statements = _statements(template, "EmailFunctionRole")
    assert statements["BatchesAndDigestTimers"]["Resource"] == [
        {"Fn::GetAtt": ["EmailQueue", "Arn"]},
        {"Fn::GetAtt": ["DigestQueue", "Arn"]},
    ]
    environment = template.functions()["EmailFunction"].environment
    assert json.dumps(sorted(environment)).count("QUEUE_URL") == 2
