"""`make smoke STACK=…` on moto: the stack's outputs found through CloudFormation, test users made in its Cognito
pool and data table, the email verdict read from the email function's log group, and everything removed after.

The HTTP and WebSocket steps need a live API; they are covered against `make dev` (tests/e2e/test_smoke.py). Here the
API part of the run is the API handler itself, called as the test users, so the clean-up is checked against what the
API really writes.
"""

from __future__ import annotations

import json
import time
from typing import Any

import boto3
import pytest

from baton.repositories.users import UserRepository
from local import provision
from tests.integration.builders import handoff_path, new_handoff
from tests.integration.conftest import ApiClient
from tools import smoke

STACK = "baton-pilot"
API_URL = "https://abc123.execute-api.us-east-1.amazonaws.com"


@pytest.fixture
def stack(aws: dict[str, str]) -> dict[str, str]:
    """A deployed stack as the smoke check sees it: its outputs (CloudFormation), pool, table and email log group."""
    cognito = boto3.client("cognito-idp")
    pool = cognito.create_user_pool(PoolName="baton-users")["UserPool"]["Id"]
    client = cognito.create_user_pool_client(
        UserPoolId=pool, ClientName="console", ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    )["UserPoolClient"]["ClientId"]
    outputs = {"DataTableName": "DataTable", "HttpApiUrl": API_URL, "UserPoolId": pool, "UserPoolClientId": client}
    body = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {key: {"Value": value} for key, value in outputs.items()},
    }
    boto3.client("cloudformation").create_stack(StackName=STACK, TemplateBody=json.dumps(body))
    boto3.client("logs").create_log_group(logGroupName=f"/aws/lambda/{STACK}-email")
    return outputs


def _table_keys() -> set[tuple[str, str]]:
    items = provision.local_client("dynamodb", None).scan(TableName="DataTable", ProjectionExpression="pk, sk")["Items"]
    return {(item["pk"]["S"], item["sk"]["S"]) for item in items}


def _pool_users(pool: str) -> list[str]:
    return [user["Username"] for user in boto3.client("cognito-idp").list_users(UserPoolId=pool)["Users"]]


def _log_emailed(handoff_id: str, **summary: Any) -> None:
    line = {"level": "INFO", "message": "emailed", "service": "baton-email", "handoff_id": handoff_id, **summary}
    logs = boto3.client("logs")
    group = f"/aws/lambda/{STACK}-email"
    logs.create_log_stream(logGroupName=group, logStreamName="2026/11/26/[$LATEST]abc")
    logs.put_log_events(
        logGroupName=group,
        logStreamName="2026/11/26/[$LATEST]abc",
        logEvents=[{"timestamp": int(time.time() * 1000), "message": json.dumps(line)}],
    )


def test_a_failed_stack_run_removes_its_users_account_session_and_handoff(
    stack: dict[str, str], api: ApiClient, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a stack whose table and pool hold nothing of the smoke check's yet
    before = _table_keys()
    seen: dict[str, Any] = {}

    async def run_until_the_email_step(target: smoke.Target) -> None:
        """The run's API steps, as the test users, up to an email step that finds a bounce."""
        users = UserRepository("DataTable", provision.local_client("dynamodb", None))
        junior, senior = users.get(target.junior.user_id), users.get(target.senior.user_id)
        assert junior is not None and senior is not None and junior.account_id == senior.account_id
        seen.update(api_url=target.api_url, account=junior.account_id, pool_users=_pool_users(stack["UserPoolId"]))
        session_id, handoff_id = new_handoff(api, junior, notes="baton smoke check")
        target.sessions.append((junior.account_id, session_id))
        assert api.call("POST", handoff_path(session_id, handoff_id, "claim"), senior).status == 200
        _log_emailed(handoff_id, recipients=1, deferred=0, bounced=1, codes=["MessageRejected"])
        await smoke._email_reached(target, handoff_id)

    monkeypatch.setattr(smoke, "run", run_until_the_email_step)
    # When the smoke check runs against the stack, by name, and the email step finds SES refused the email
    status = smoke.main(["--stack", STACK, "--region", "us-east-1"])
    # Then it found the stack's API and signed its two users in at the stack's pool, in an account of their own
    assert seen["api_url"] == API_URL and seen["account"].startswith("smoke-")
    assert len(seen["pool_users"]) == 2 and all(u.endswith("@simulator.amazonses.com") for u in seen["pool_users"])
    # And it failed saying what to fix
    printed = capsys.readouterr()
    assert status == 1 and "verify SenderEmail" in printed.err and "production access" in printed.err
    # And nothing it made is left: no pool user, and the table holds exactly what it held before
    assert _pool_users(stack["UserPoolId"]) == []
    assert _table_keys() == before
    assert "cleaned up" in printed.out


def test_a_stack_with_its_own_issuer_is_refused_before_anything_is_made(aws: dict[str, str]) -> None:
    # Given a stack deployed with JwtIssuer (no Cognito pool outputs)
    body = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}, "Outputs": {}}
    body["Outputs"] = {"DataTableName": {"Value": "DataTable"}, "HttpApiUrl": {"Value": API_URL}}
    boto3.client("cloudformation").create_stack(StackName=STACK, TemplateBody=json.dumps(body))
    before = _table_keys()
    # When the smoke check runs against it
    with pytest.raises(smoke.SmokeFailed, match="own JwtIssuer"):
        smoke.stack_target(STACK, "us-east-1")
    # Then it made nothing
    assert _table_keys() == before


@pytest.mark.parametrize(
    ("summary", "verdict"),
    [
        ({"recipients": 1, "deferred": 0, "bounced": 0, "codes": []}, True),
        ({"recipients": 1, "deferred": 0, "bounced": 1, "codes": ["MessageRejected"]}, "verify SenderEmail"),
        ({"recipients": 1, "deferred": 1, "bounced": 0, "codes": ["Throttling"]}, "SES deferred the test email (Throttling)"),
    ],
)
def test_the_email_step_passes_only_on_a_sent_email(summary: dict[str, Any], verdict: bool | str) -> None:
    # Given the email function's lines for the handoff: another line, then its summary
    lines = [{"message": "email bounced", "code": "MessageRejected"}, {"message": "emailed", **summary}]
    # Then a sent email passes, a bounce or a deferral fails with what to fix, no summary yet waits
    if verdict is True:
        assert smoke.email_outcome(lines) is True
    else:
        with pytest.raises(smoke.SmokeFailed, match=str(verdict).replace("(", r"\(").replace(")", r"\)")):
            smoke.email_outcome(lines)
    assert smoke.email_outcome(lines[:1]) is False


def test_a_summary_that_emailed_nobody_is_no_proof_of_the_email_path() -> None:
    # Given the escalation's summary (the senior's console was live: nobody emailed), then the pickup's (sent)
    spared = {"message": "emailed", "recipients": 1, "sent": 0, "deferred": 0, "bounced": 0, "codes": [], "skipped_live": 1}
    sent = {"message": "emailed", "recipients": 1, "sent": 1, "deferred": 0, "bounced": 0, "codes": []}
    # Then the first alone waits, and with the second the email step passes
    assert smoke.email_outcome([spared]) is False
    assert smoke.email_outcome([spared, sent]) is True
