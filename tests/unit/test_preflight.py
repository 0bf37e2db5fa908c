"""`make preflight` on moto: what CloudFormation cannot check before a first deploy, and what to do about each.

moto has no Lambda GetAccountSettings, no SES v2 GetAccount, and no way to leave a stack in ROLLBACK_COMPLETE: those
calls are botocore Stubbers (answers in the shape of AWS's API model); everything else is moto.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from tools import preflight

REGION = "us-east-1"
READY = {
    "SenderEmail": "baton@msp.example",
    "SesIdentity": "msp.example",  # the verified domain the stack's Cognito pool sends through
    "CognitoDomainPrefix": "msp-baton-pilot",
    "CreateApiGatewayLoggingRole": "false",
}


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def _lambda(limit: int) -> Any:
    client = boto3.client("lambda", region_name=REGION)
    stub = Stubber(client)
    stub.add_response("get_account_settings", {"AccountLimit": {"ConcurrentExecutions": limit}})
    stub.activate()
    return client


def _sesv2(production: bool, sending: bool = True) -> Any:
    client = boto3.client("sesv2", region_name=REGION)
    stub = Stubber(client)
    quota = {"Max24HourSend": 50_000.0 if production else 200.0, "MaxSendRate": 14.0 if production else 1.0}
    stub.add_response("get_account", {"ProductionAccessEnabled": production, "SendingEnabled": sending, "SendQuota": quota})
    stub.activate()
    return client


def _clients(limit: int = 1000, production: bool = True, cloudformation: Any = None) -> preflight.Clients:
    return preflight.Clients(
        cloudfront=boto3.client("cloudfront", region_name=REGION),
        lambda_=_lambda(limit),
        sesv2=_sesv2(production),
        ses=boto3.client("ses", region_name=REGION),
        cognito=boto3.client("cognito-idp", region_name=REGION),
        apigateway=boto3.client("apigateway", region_name=REGION),
        cloudformation=cloudformation or boto3.client("cloudformation", region_name=REGION),
    )


def _params(**overrides: str) -> dict[str, str]:
    return preflight.parameters("baton-dev", [f"{k}={v}" for k, v in (READY | overrides).items()])


def _by_check(findings: list[preflight.Finding]) -> dict[str, preflight.Finding]:
    return {finding.check: finding for finding in findings}


def _ready_account() -> None:
    """An account a first deploy succeeds in: a distribution already, the sender's domain verified, a logging role."""
    boto3.client("cloudfront", region_name=REGION).create_distribution(
        DistributionConfig={
            "CallerReference": "earlier-site",
            "Comment": "",
            "Enabled": True,
            "Origins": {"Quantity": 1, "Items": [{"Id": "s3", "DomainName": "site.s3.amazonaws.com"}]},
            "DefaultCacheBehavior": {"TargetOriginId": "s3", "ViewerProtocolPolicy": "redirect-to-https"},
        }
    )
    boto3.client("ses", region_name=REGION).verify_domain_identity(Domain="msp.example")
    boto3.client("apigateway", region_name=REGION).update_account(
        patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": "arn:aws:iam::123456789012:role/apigw"}]
    )


def _never_resolves(host: str) -> bool:
    return False


def test_a_ready_account_passes_and_preflight_exits_zero(aws: None, capsys: pytest.CaptureFixture[str]) -> None:
    # Given an account where the first deploy will succeed
    _ready_account()
    clients = _clients()

    class Session:
        region_name = REGION

        def client(self, name: str) -> Any:
            return {"lambda": clients.lambda_, "sesv2": clients.sesv2}.get(name) or boto3.client(name, region_name=REGION)

    # When `make preflight` runs with the hosted console, the prefix, the sender and the account's own logging role
    arguments = ["--stack", "baton-pilot", *(f"{k}={v}" for k, v in READY.items())]
    status = preflight.main(arguments, session=Session(), resolves=_never_resolves)  # type: ignore[arg-type]
    # Then every check passes (HostConsole=true comes from samconfig.toml's pilot environment)
    report = capsys.readouterr().out
    assert status == 0, report
    assert "FAIL" not in report and "WARN" not in report and "Nothing stops a deploy." in report
    assert "the account already has a CloudFront distribution" in report


def test_a_new_account_hears_each_thing_to_fix_and_how(aws: None) -> None:
    # Given a brand-new account: no CloudFront distribution yet, a Lambda quota of 10, SES in the sandbox, the sender
    # not verified, the prefix already used by one of the account's pools, and no API Gateway logging role
    cognito = boto3.client("cognito-idp", region_name=REGION)
    pool = cognito.create_user_pool(PoolName="older")["UserPool"]["Id"]
    cognito.create_user_pool_domain(Domain="msp-baton-pilot", UserPoolId=pool)
    params = _params(HostConsole="true")
    # When preflight checks it
    findings = _by_check(preflight.run_checks("baton-dev", params, REGION, _clients(10, production=False), _never_resolves))
    # Then each finding says what to do
    assert findings["CloudFront (HostConsole)"].status == "warn"
    assert "AWS Support" in findings["CloudFront (HostConsole)"].todo
    assert findings["Lambda concurrency"].status == "fail"
    assert "--quota-code L-B99A9384" in findings["Lambda concurrency"].todo
    assert findings["SES account"].status == "warn" and "production-access-enabled" in findings["SES account"].todo
    assert (
        findings["SES sender"].status == "fail"
        and "create-email-identity --email-identity msp.example" in findings["SES sender"].todo
    )
    assert findings["Cognito email (SesIdentity)"].status == "fail"
    assert "Cognito refuses to create the pool" in findings["Cognito email (SesIdentity)"].detail
    assert findings["Cognito hosted UI"].status == "fail" and pool in findings["Cognito hosted UI"].detail
    assert findings["API Gateway logging role"].status == "fail"
    assert "CreateApiGatewayLoggingRole=true" in findings["API Gateway logging role"].todo
    assert findings["Stack"].status == "ok"
    assert preflight.report(list(findings.values())).endswith("5 to fix before sam deploy.")


def test_a_prefix_another_account_holds_is_found_in_dns(aws: None) -> None:
    params = _params()
    finding = preflight.cognito_prefix(params, REGION, boto3.client("cognito-idp", region_name=REGION), lambda host: True)
    assert finding.status == "fail" and "msp-baton-pilot.auth.us-east-1.amazoncognito.com" in finding.detail


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"CognitoDomainPrefix": ""}, "nobody can sign in"),
        ({"CognitoDomainPrefix": "aws-baton"}, "is not a Cognito prefix"),
    ],
)
def test_a_prefix_cloudformation_would_refuse_is_caught_here_too(aws: None, overrides: dict[str, str], words: str) -> None:
    finding = preflight.cognito_prefix(
        _params(**overrides), REGION, boto3.client("cognito-idp", region_name=REGION), _never_resolves
    )
    assert finding.status == "fail" and words in finding.detail


def test_with_an_external_issuer_no_prefix_is_needed(aws: None) -> None:
    params = _params(JwtIssuer="https://msp.okta.com/oauth2/default", JwtAudience="api", CognitoDomainPrefix="")
    assert (
        preflight.cognito_prefix(params, REGION, boto3.client("cognito-idp", region_name=REGION), _never_resolves).status == "ok"
    )


def test_a_quota_that_fits_but_differs_from_the_alarms_asks_for_the_parameter(aws: None) -> None:
    finding = preflight.lambda_concurrency(_params(), _lambda(400), preflight.consumer_concurrency())
    assert finding.status == "warn" and finding.todo == "Deploy with LambdaConcurrencyQuota=400."


def test_paused_sending_fails(aws: None) -> None:
    assert preflight.ses_account({"ProductionAccessEnabled": True, "SendingEnabled": False}).status == "fail"


PRODUCTION = {"ProductionAccessEnabled": True, "SendingEnabled": True}


@pytest.mark.parametrize(
    ("overrides", "status", "words"),
    [
        # SesIdentity empty: the pool's SourceArn names the address, which is no identity (only its domain is)
        ({"SesIdentity": ""}, "fail", "SesIdentity=msp.example"),
        ({"SesIdentity": "msp.example"}, "ok", "through the verified identity msp.example"),
        ({"SesIdentity": "msp.example", "SenderEmail": "baton@mail.msp.example"}, "ok", "msp.example"),
        ({"SesIdentity": "other.example"}, "fail", "not an address of SesIdentity other.example"),
        ({"SesIdentity": "unverified.example", "SenderEmail": "baton@unverified.example"}, "fail", "absent"),
        ({"JwtIssuer": "https://msp.okta.com/oauth2/default", "SesIdentity": ""}, "ok", "no Cognito pool"),
    ],
)
def test_the_stack_pools_email_goes_through_a_verified_identity(
    aws: None, overrides: dict[str, str], status: str, words: str
) -> None:
    # Given an account with the sender's domain verified in SES (not the address itself), out of the sandbox
    _ready_account()
    # When preflight checks the identity the stack's Cognito pool would send its sign-up codes through
    finding = preflight.cognito_email(_params(**overrides), boto3.client("ses", region_name=REGION), PRODUCTION)
    # Then a deploy Cognito would refuse fails here first, with the parameter to give
    assert finding.status == status, finding
    assert words in finding.detail + finding.todo


def test_in_the_sandbox_the_pool_reaches_only_verified_addresses(aws: None) -> None:
    # Given the verified domain, SES in the sandbox
    _ready_account()
    sandbox = {"ProductionAccessEnabled": False, "SendingEnabled": True}
    finding = preflight.cognito_email(_params(), boto3.client("ses", region_name=REGION), sandbox)
    # Then preflight says invited people cannot finish signing up, and what to do
    assert finding.status == "warn" and "cannot finish signing up" in finding.detail
    assert "create-email-identity --email-identity person@msp.example" in finding.todo


def test_an_existing_logging_role_is_kept_unless_the_operator_replaces_it(aws: None) -> None:
    _ready_account()
    apigateway = boto3.client("apigateway", region_name=REGION)
    finding = preflight.api_gateway_logging(_params(CreateApiGatewayLoggingRole="true"), apigateway)
    assert finding.status == "warn" and "CreateApiGatewayLoggingRole=false" in finding.todo


def test_a_stack_left_by_a_failed_first_deploy_must_be_deleted_first(aws: None) -> None:
    # (Stubber: moto cannot leave a stack in ROLLBACK_COMPLETE)
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    with Stubber(cloudformation) as stub:
        stub.add_response(
            "describe_stacks",
            {"Stacks": [{"StackName": "baton-dev", "CreationTime": "2026-12-01T00:00:00Z", "StackStatus": "ROLLBACK_COMPLETE"}]},
        )
        finding = preflight.stack_state("baton-dev", cloudformation)
    assert finding.status == "fail" and "sam delete --stack-name baton-dev" in finding.todo


def test_the_parameters_are_the_ones_sam_deploy_would_use() -> None:
    # Given the pilot environment of samconfig.toml and what the operator will answer to --guided
    values = preflight.parameters("baton-pilot", ["SenderEmail=baton@msp.example"])
    # Then the template's defaults, the saved overrides and the answers, in that order of precedence
    assert values["HostConsole"] == "true" and values["LogRetentionDays"] == "90"
    assert values["SenderEmail"] == "baton@msp.example" and values["XRayTracing"] == "Active"
    assert preflight.consumer_concurrency() == 32  # 26, and 2 for each of the three PSA connectors


def test_a_right_the_credentials_lack_is_a_warning_and_the_other_checks_still_run(aws: None) -> None:
    # Given credentials without lambda:GetAccountSettings (or an endpoint that does not answer it)
    _ready_account()
    denied = boto3.client("lambda", region_name=REGION)
    stub = Stubber(denied)
    stub.add_client_error("get_account_settings", "AccessDeniedException", "not authorized to perform GetAccountSettings")
    stub.activate()
    # and an endpoint that answers SES v2's GetAccount with an HTML page (moto's server has no such call)
    ses_v2 = boto3.client("sesv2", region_name=REGION)
    ses_stub = Stubber(ses_v2)
    ses_stub.add_client_error("get_account", "404", "<!doctype html>\n<title>404 Not Found</title>\n<p>" + "x" * 300)
    ses_stub.activate()
    clients = dataclasses.replace(_clients(), lambda_=denied, sesv2=ses_v2)
    # When preflight runs
    findings = _by_check(preflight.run_checks("baton-dev", _params(), REGION, clients, _never_resolves))
    # Then that check says it could not look, and why, instead of a traceback; every other check still answers
    assert findings["Lambda concurrency"].status == "warn"
    assert "not checked: AWS answered AccessDeniedException" in findings["Lambda concurrency"].detail
    assert "section 1" in findings["Lambda concurrency"].todo
    assert len(findings) == 8 and findings["SES sender"].status == "ok"
    # And an unreadable answer is one short line; the Cognito email check still checks the identity
    assert findings["SES account"].status == "warn" and "\n" not in findings["SES account"].detail
    assert len(findings["SES account"].detail) < 200
    cognito = findings["Cognito email (SesIdentity)"]
    assert cognito.status == "warn" and "msp.example is verified; whether SES is in the sandbox" in cognito.detail
