"""Before `sam deploy`: what CloudFormation cannot check, each finding with what to do about it.

    make preflight STACK=baton-pilot [REGION=eu-west-1] [PARAMS="SenderEmail=baton@msp.example CognitoDomainPrefix=msp-baton"]

The parameters are the ones `sam deploy` would use: the template's defaults, then the `parameter_overrides` of the
samconfig.toml environment whose stack_name is STACK, then PARAMS (what you will answer to `--guided`). Checked:

- the hosted console (HostConsole=true): whether the account has a CloudFront distribution already (a new account's
  first one may be refused until AWS verifies the account, and the first deploy rolls back);
- the account's Lambda concurrency quota against what baton's functions may run at once;
- SES: the sandbox, and whether SenderEmail (or its domain) is verified in the region;
- the stack's Cognito pool's email: the SES identity it sends through (SesIdentity, else SenderEmail) verified, and
  what the sandbox means for sign-up codes;
- the Cognito hosted-UI prefix (stack's own pool): its form, and whether another pool, here or elsewhere, has it;
- the account's API Gateway logging role against CreateApiGatewayLoggingRole;
- a stack of that name left by a failed first deploy.

Exit status 1 when a check fails (the deploy would fail, or leave a stack nobody can use), else 0.
"""

from __future__ import annotations

import argparse
import re
import shlex
import socket
import sys
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from local.template import Template

ROOT = Path(__file__).resolve().parent.parent
# What baton's own functions need besides its queue consumers (MaximumConcurrency of each, template.yaml): the API,
# the WebSocket routes and authorizer, the stream router, with room for a morning's reconnects.
INTERACTIVE_HEADROOM = 50
LAMBDA_CONCURRENCY_QUOTA_CODE = "L-B99A9384"
Status = Literal["ok", "warn", "fail"]


@dataclass(frozen=True)
class Finding:
    check: str
    status: Status
    detail: str
    todo: str = ""


@dataclass(frozen=True)
class Clients:
    cloudfront: Any
    lambda_: Any
    sesv2: Any
    ses: Any
    cognito: Any
    apigateway: Any
    cloudformation: Any


def parameters(stack: str, overrides: Iterable[str], root: Path = ROOT) -> dict[str, str]:
    """The values `sam deploy` would pass: defaults, then samconfig.toml's environment for `stack`, then `overrides`."""
    template = Template(root / "template.yaml")
    values = dict(template.parameters)
    config = tomllib.loads((root / "samconfig.toml").read_text())
    for environment in config.values():
        if not isinstance(environment, dict):
            continue
        if environment.get("global", {}).get("parameters", {}).get("stack_name") == stack:
            saved = environment.get("deploy", {}).get("parameters", {}).get("parameter_overrides", "")
            values |= _pairs(shlex.split(saved) if isinstance(saved, str) else list(saved))
    return values | _pairs(overrides)


def _pairs(items: Iterable[str]) -> dict[str, str]:
    pairs = {}
    for item in items:
        name, separator, value = item.partition("=")
        if not separator:
            raise SystemExit(f"preflight: {item!r} is not Name=value")
        pairs[name.strip()] = value
    return pairs


def consumer_concurrency(root: Path = ROOT) -> int:
    """The most baton's queue consumers run at once: the sum of their MaximumConcurrency (template.yaml)."""
    consumers = Template(root / "template.yaml").doc["Mappings"]["Consumers"]
    return sum(int(row["MaximumConcurrency"]) for row in consumers.values())


# --- the checks --------------------------------------------------------------------------------------------------
def cloudfront_account(params: dict[str, str], cloudfront: Any) -> Finding:
    check = "CloudFront (HostConsole)"
    if params.get("HostConsole") != "true":
        return Finding(check, "ok", "HostConsole=false: the stack makes no distribution.")
    listed = cloudfront.list_distributions().get("DistributionList", {})
    if listed.get("Quantity", len(listed.get("Items", []))):
        return Finding(check, "ok", "the account already has a CloudFront distribution, so it is verified for CloudFront.")
    return Finding(
        check,
        "warn",
        "the account has no CloudFront distribution yet. A new account's first one may be refused (\"Your account must "
        'be verified before you can add new CloudFront resources"), and the first deploy then rolls back.',
        "Ask AWS Support (Account and billing) to verify the account for CloudFront before deploying, or deploy with "
        "HostConsole=false and serve web/ yourself (docs/deploy.md, section 4).",
    )


def lambda_concurrency(params: dict[str, str], lambda_: Any, consumers: int) -> Finding:
    check = "Lambda concurrency"
    limit = int(lambda_.get_account_settings()["AccountLimit"]["ConcurrentExecutions"])
    needed = consumers + INTERACTIVE_HEADROOM
    raise_it = (
        f"Request more: aws service-quotas request-service-quota-increase --service-code lambda --quota-code "
        f"{LAMBDA_CONCURRENCY_QUOTA_CODE} --desired-value 1000"
    )
    if limit < needed:
        return Finding(
            check,
            "fail",
            f"the account may run {limit} Lambda invocations at once in this region; baton's queue consumers alone may "
            f"take {consumers} (their MaximumConcurrency) and the API, WebSocket and stream router need more: a burst "
            f"of escalations would throttle the API.",
            f"{raise_it} (new accounts start low; AWS answers within a day), then deploy with "
            f"LambdaConcurrencyQuota=<the new quota>.",
        )
    if str(limit) != params.get("LambdaConcurrencyQuota"):
        return Finding(
            check,
            "warn",
            f"the quota is {limit}, the stack's concurrency alarm assumes {params.get('LambdaConcurrencyQuota')}.",
            f"Deploy with LambdaConcurrencyQuota={limit}.",
        )
    return Finding(check, "ok", f"the quota is {limit} (baton's consumers take at most {consumers}).")


def ses_account(account: dict[str, Any]) -> Finding:
    """`account`: SES v2 GetAccount's answer."""
    check = "SES account"
    if not account.get("SendingEnabled", True):
        return Finding(
            check,
            "fail",
            "SES sending is paused for this account in this region: no email goes out.",
            "aws sesv2 get-account shows why (Details, EnforcementStatus); answer AWS's case, then "
            "aws sesv2 put-account-sending-attributes --sending-enabled.",
        )
    if not account.get("ProductionAccessEnabled", False):
        quota = account.get("SendQuota", {})
        return Finding(
            check,
            "warn",
            f"SES is in the sandbox here: only verified addresses receive email, at most "
            f"{int(quota.get('Max24HourSend', 200))} a day. Invitations and escalations to anyone else are refused.",
            "Ask for production access now (aws sesv2 put-account-details --production-access-enabled ..., "
            "docs/deploy.md section 2); AWS answers within a day.",
        )
    quota = account.get("SendQuota", {})
    return Finding(check, "ok", f"production access, {int(quota.get('Max24HourSend', 0))} emails a day.")


def ses_sender(params: dict[str, str], ses: Any, local_default: str) -> Finding:
    check = "SES sender"
    sender = params.get("SenderEmail", "")
    if not sender or sender == local_default:
        return Finding(
            check,
            "fail",
            "SenderEmail is not set (CloudFormation refuses the local runtime's default).",
            'Give it: PARAMS="SenderEmail=baton@msp.example ..." here, and the same answer to sam deploy --guided.',
        )
    domain = sender.rpartition("@")[2]
    found = ses.get_identity_verification_attributes(Identities=[sender, domain])["VerificationAttributes"]
    states = {identity: found.get(identity, {}).get("VerificationStatus", "absent") for identity in (sender, domain)}
    if "Success" in states.values():
        verified = sender if states[sender] == "Success" else domain
        return Finding(check, "ok", f"{verified} is verified for sending in this region.")
    if "Pending" in states.values():
        return Finding(
            check,
            "fail",
            f"{sender} is not verified yet ({states[sender]}; the domain {domain}: {states[domain]}).",
            "Click the link SES mailed to the address, or add the domain's DKIM records; "
            f"check with aws sesv2 get-email-identity --email-identity {domain}.",
        )
    return Finding(
        check,
        "fail",
        f"neither {sender} nor {domain} is an SES identity in this region: every email would be refused.",
        f"aws sesv2 create-email-identity --email-identity {domain} (then its DKIM records), or "
        f"aws ses verify-email-identity --email-address {sender} (docs/deploy.md section 2).",
    )


def cognito_email(params: dict[str, str], ses: Any, account: dict[str, Any] | None) -> Finding:
    """The stack's pool emails sign-up codes through SES (EmailConfiguration DEVELOPER): its SourceArn is the identity
    `SesIdentity`, else `SenderEmail` itself, and Cognito refuses to create the pool while that identity is not verified
    in the region (the first deploy rolls back). `account`: SES v2 GetAccount's answer (None: AWS did not give it)."""
    check = "Cognito email (SesIdentity)"
    if params.get("JwtIssuer"):
        return Finding(check, "ok", "JwtIssuer is set: the stack makes no Cognito pool, so it sends no sign-up codes.")
    sender = params.get("SenderEmail", "")
    if "@" not in sender:
        return Finding(check, "warn", "not checked: SenderEmail is not set (see SES sender).")
    domain = sender.rpartition("@")[2]
    identity = params.get("SesIdentity") or sender
    if identity not in (sender, domain) and not domain.endswith(f".{identity}"):
        return Finding(
            check,
            "fail",
            f"SenderEmail {sender} is not an address of SesIdentity {identity}: Cognito would send from an address "
            "its identity does not cover.",
            f"Deploy with SesIdentity={domain} (the verified domain of SenderEmail), or empty when the address itself "
            "is verified.",
        )
    found = ses.get_identity_verification_attributes(Identities=[identity, domain])["VerificationAttributes"]
    states = {name: found.get(name, {}).get("VerificationStatus", "absent") for name in (identity, domain)}
    if states[identity] != "Success":
        if identity == sender and states[domain] == "Success":
            return Finding(
                check,
                "fail",
                f"the pool would send through the SES identity {sender} (SesIdentity is empty), which is not one; "
                f"its domain {domain} is verified. Cognito refuses to create the pool, and the first deploy rolls back.",
                f"Deploy with SesIdentity={domain}.",
            )
        return Finding(
            check,
            "fail",
            f"the pool would send through the SES identity {identity}, which is {states[identity]} in this region: "
            "Cognito refuses to create the pool, and the first deploy rolls back.",
            f"Verify {identity} first (docs/deploy.md section 2; check with aws sesv2 get-email-identity "
            f"--email-identity {identity}), or set SesIdentity to the verified domain of SenderEmail.",
        )
    if account is None:
        return Finding(
            check,
            "warn",
            f"{identity} is verified; whether SES is in the sandbox here (then only verified addresses get their sign-up "
            "codes) is not known: see SES account.",
        )
    if not account.get("ProductionAccessEnabled", False):
        return Finding(
            check,
            "warn",
            f"{identity} is verified, but SES is in the sandbox here: Cognito's sign-up codes reach only verified "
            "addresses, so an invited person whose address is not verified in SES cannot finish signing up, and "
            "never joins.",
            "Leave the sandbox before inviting people (SES account above); for a trial with a few people, verify each "
            "address first: aws sesv2 create-email-identity --email-identity person@msp.example.",
        )
    return Finding(check, "ok", f"the pool sends sign-up codes from {sender} through the verified identity {identity}.")


def cognito_prefix(params: dict[str, str], region: str, cognito: Any, resolves: Callable[[str], bool]) -> Finding:
    check = "Cognito hosted UI"
    if params.get("JwtIssuer"):
        return Finding(check, "ok", "JwtIssuer is set: people sign in at your provider, the stack makes no pool.")
    prefix = params.get("CognitoDomainPrefix", "")
    if not prefix:
        return Finding(
            check,
            "fail",
            "CognitoDomainPrefix is empty: without the hosted UI nobody can sign in or accept an invitation.",
            'Pick a prefix, e.g. PARAMS="CognitoDomainPrefix=msp-baton-pilot", and give sam deploy --guided the same.',
        )
    if not re.fullmatch(r"(?!.*(aws|amazon|cognito))[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?", prefix):
        return Finding(
            check,
            "fail",
            f"{prefix!r} is not a Cognito prefix: lower-case letters, digits and inner hyphens, at most 63, "
            "without aws, amazon or cognito.",
            "Pick another prefix.",
        )
    domain = f"{prefix}.auth.{region}.amazoncognito.com"
    described = cognito.describe_user_pool_domain(Domain=prefix).get("DomainDescription", {})
    if described.get("UserPoolId"):
        return Finding(
            check,
            "fail",
            f"{domain} already belongs to the user pool {described['UserPoolId']} of this account.",
            "Pick another prefix (a prefix is unique in the region, across every AWS account).",
        )
    if resolves(domain):
        return Finding(
            check,
            "fail",
            f"{domain} answers in DNS: another AWS account's pool has it, and the first deploy would fail on it "
            "after creating the pool.",
            "Pick another prefix, e.g. with your company's name in it.",
        )
    return Finding(check, "ok", f"{domain} is free.")


def api_gateway_logging(params: dict[str, str], apigateway: Any) -> Finding:
    check = "API Gateway logging role"
    role = apigateway.get_account().get("cloudwatchRoleArn", "")
    create = params.get("CreateApiGatewayLoggingRole") == "true"
    if not role and not create:
        return Finding(
            check,
            "fail",
            "the account has no API Gateway CloudWatch Logs role, and CreateApiGatewayLoggingRole=false: the WebSocket "
            "stage's access logs would fail the deploy.",
            "Deploy with CreateApiGatewayLoggingRole=true.",
        )
    if role and create:
        return Finding(
            check,
            "warn",
            f"the account already has one ({role}); CreateApiGatewayLoggingRole=true replaces it with the stack's, "
            "for every API of the account and region.",
            "Deploy with CreateApiGatewayLoggingRole=false to keep it.",
        )
    return Finding(check, "ok", f"CreateApiGatewayLoggingRole={params.get('CreateApiGatewayLoggingRole')} fits.")


def stack_state(stack: str, cloudformation: Any) -> Finding:
    check = "Stack"
    try:
        (described,) = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    except ClientError as error:
        if "does not exist" in str(error.response.get("Error", {}).get("Message", "")):
            return Finding(check, "ok", f"no stack {stack} yet: this is a first deploy.")
        raise
    status = str(described["StackStatus"])
    if status in ("ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "DELETE_FAILED"):
        return Finding(
            check,
            "fail",
            f"{stack} is {status}, left by a failed first deploy: CloudFormation cannot update it.",
            f"Delete it (.venv/bin/sam delete --stack-name {stack}; docs/deploy.md section 4 says what it keeps), "
            "then deploy again.",
        )
    return Finding(check, "ok", f"{stack} exists ({status}): this is an upgrade.")


def run_checks(
    stack: str, params: dict[str, str], region: str, clients: Clients, resolves: Callable[[str], bool]
) -> list[Finding]:
    local_default = str(Template(ROOT / "template.yaml").doc["Parameters"]["SenderEmail"]["Default"])
    ses = _answer(clients.sesv2.get_account)  # asked once, for the account and the Cognito email checks
    checks: list[tuple[str, Callable[[], Finding]]] = [
        ("Stack", lambda: stack_state(stack, clients.cloudformation)),
        ("CloudFront (HostConsole)", lambda: cloudfront_account(params, clients.cloudfront)),
        ("Lambda concurrency", lambda: lambda_concurrency(params, clients.lambda_, consumer_concurrency())),
        ("SES account", lambda: ses_account(_given(ses))),
        ("SES sender", lambda: ses_sender(params, clients.ses, local_default)),
        ("Cognito email (SesIdentity)", lambda: cognito_email(params, clients.ses, None if isinstance(ses, Exception) else ses)),
        ("Cognito hosted UI", lambda: cognito_prefix(params, region, clients.cognito, resolves)),
        ("API Gateway logging role", lambda: api_gateway_logging(params, clients.apigateway)),
    ]
    return [_checked(check, call) for check, call in checks]


def _answer(call: Callable[[], dict[str, Any]]) -> dict[str, Any] | ClientError | BotoCoreError:
    try:
        return call()
    except (ClientError, BotoCoreError) as error:
        return error


def _given(answer: dict[str, Any] | ClientError | BotoCoreError) -> dict[str, Any]:
    if isinstance(answer, Exception):
        raise answer
    return answer


def _checked(check: str, call: Callable[[], Finding]) -> Finding:
    """The check's finding; when AWS refuses or does not answer the call (a right the credentials lack), a warning
    that says so instead of a traceback, and the other checks still run."""
    try:
        return call()
    except (ClientError, BotoCoreError) as error:
        answer = error.response.get("Error", {}) if isinstance(error, ClientError) else {}
        said = f"{answer.get('Code', '')}: {answer.get('Message', '')}" if answer else str(error)
        said = " ".join(said.split())  # one line, even when an endpoint answered with an HTML page
        said = said if len(said) <= 160 else f"{said[:160]}..."
        return Finding(
            check,
            "warn",
            f"not checked: AWS answered {said.strip(': ')}.",
            "Give these credentials the rights docs/deploy.md lists for make preflight (section 1), then run it again.",
        )


def resolves_in_dns(host: str) -> bool:
    try:
        socket.getaddrinfo(host, 443)
    except socket.gaierror:
        return False
    return True


def report(findings: list[Finding]) -> str:
    marks = {"ok": "ok  ", "warn": "WARN", "fail": "FAIL"}
    lines = []
    for finding in findings:
        lines.append(f"{marks[finding.status]}  {finding.check}: {finding.detail}")
        if finding.todo:
            lines.append(f"      -> {finding.todo}")
    failed = sum(finding.status == "fail" for finding in findings)
    lines.append(f"{failed} to fix before sam deploy." if failed else "Nothing stops a deploy.")
    return "\n".join(lines)


def main(
    argv: list[str] | None = None,
    session: boto3.session.Session | None = None,
    resolves: Callable[[str], bool] = resolves_in_dns,
) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack", required=True)
    parser.add_argument("--region", help="the region you will deploy to (default: your AWS configuration's)")
    parser.add_argument("overrides", nargs="*", help="Name=value, as you will answer sam deploy --guided")
    args = parser.parse_args(argv)
    aws = session or boto3.session.Session(region_name=args.region)
    region = aws.region_name
    if not region:
        raise SystemExit("preflight: no region; export AWS_REGION or pass REGION=...")
    clients = Clients(
        cloudfront=aws.client("cloudfront"),
        lambda_=aws.client("lambda"),
        sesv2=aws.client("sesv2"),
        ses=aws.client("ses"),
        cognito=aws.client("cognito-idp"),
        apigateway=aws.client("apigateway"),
        cloudformation=aws.client("cloudformation"),
    )
    findings = run_checks(args.stack, parameters(args.stack, args.overrides), region, clients, resolves)
    print(f"baton preflight: {args.stack} in {region}")
    print(report(findings))
    return 1 if any(finding.status == "fail" for finding in findings) else 0


if __name__ == "__main__":
    sys.exit(main())
