"""baton-admin: the operator's bootstrap for accounts and their first people.

    baton-admin --local http://127.0.0.1:3000 create-account --name "Acme IT" --owner-email olive@acme.example
    baton-admin --stack baton-pilot [--region eu-west-1] list-accounts
    baton-admin --stack baton-pilot invite --account acme-it --email sam@acme.example --role engineer
    baton-admin --stack baton-pilot invite-bulk --account acme-it --csv people.csv   # lines of email,role
    baton-admin --stack baton-pilot list-members --account acme-it

It writes the data table with the same repositories as the API (so an invitation's email goes out
through the table's stream, as the console's would), with the operator's own AWS credentials: a
deployed stack's table name comes from its outputs; `--local` asks a running `make dev` for its own.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError

from baton.api_models import invitation_rows
from baton.domain.errors import BatonError
from baton.domain.models import Invitation, Role
from baton.logic import accounts as account_cases
from baton.logic import invitations as invitation_cases
from baton.repositories.accounts import AccountRepository
from baton.repositories.invitations import InvitationRepository
from baton.repositories.users import UserRepository
from tools.stack import stack_outputs


class AdminError(Exception):
    """A sentence for the operator; the command exits with status 1."""


@dataclass(frozen=True)
class Target:
    accounts: AccountRepository
    invitations: InvitationRepository
    users: UserRepository
    console_url: str


def local_target(base_url: str) -> Target:
    url = f"{base_url.rstrip('/')}/local/outputs"
    try:
        with urllib.request.urlopen(url, timeout=5) as reply:  # noqa: S310 (the operator's own URL)
            outputs: dict[str, str] = json.load(reply)
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise AdminError(f"Nothing answers at {url} ({error}); is `make dev` running there?") from error
    client = boto3.client(
        "dynamodb",
        endpoint_url=outputs["AwsEndpoint"],
        region_name=outputs["Region"],
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    return _target(outputs["DataTableName"], client, outputs["ConsoleUrl"])


def stack_target(stack: str, region: str | None) -> Target:
    try:
        session = boto3.session.Session(region_name=region)
        if session.region_name is None:
            raise AdminError("No AWS region: give --region, or set AWS_REGION.")
        outputs = stack_outputs(session, stack)
        client = session.client("dynamodb")
    except NoCredentialsError as error:
        raise AdminError("No AWS credentials: sign in (aws sso login, AWS_PROFILE=...) and try again.") from error
    except NoRegionError as error:
        raise AdminError("No AWS region: give --region, or set AWS_REGION.") from error
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        message = error.response.get("Error", {}).get("Message", "")
        if code == "ValidationError" and "does not exist" in message:
            raise AdminError(f"No stack named {stack!r} in {session.region_name}; check --stack and --region.") from error
        raise AdminError(f"AWS refused: {code}: {message}") from error
    if "DataTableName" not in outputs:
        raise AdminError(f"The stack {stack!r} has no DataTableName output; is it a baton stack?")
    return _target(outputs["DataTableName"], client, outputs.get("ConsoleUrl", ""))


def _target(table: str, client: Any, console_url: str) -> Target:
    return Target(
        AccountRepository(table, client), InvitationRepository(table, client), UserRepository(table, client), console_url
    )


def join_link(target: Target) -> str:
    return f"{target.console_url.rstrip('/')}/#/join"


def create_account(target: Target, name: str, owner_email: str, account_id: str | None) -> list[str]:
    account = account_cases.create_account(account_id or account_cases.account_id_for(name), name, target.accounts)
    invitation = invitation_cases.invite(None, account, owner_email, Role.OWNER, target.invitations, target.users)
    return [f"Created account {account.id} ({account.name}).", *_invited(target, invitation)]


def invite(target: Target, account_id: str, email: str, role: Role) -> list[str]:
    account = target.accounts.get(account_id)
    if account is None:
        raise AdminError(f"No account {account_id!r}; see `baton-admin list-accounts`.")
    return _invited(target, invitation_cases.invite(None, account, email, role, target.invitations, target.users))


def _invited(target: Target, invitation: Invitation) -> list[str]:
    # With the stack's own Cognito pool the invited address signs itself up at the hosted UI (its pre sign-up trigger
    # admits invited addresses): nothing to create in the pool.
    return [
        f"Invited {invitation.email} as {invitation.role.value} (invitation {invitation.id}, expires {invitation.expires_at}).",
        "An email is on its way; they can also sign in (or sign up) with that address and join here:",
        f"  {join_link(target)}",
    ]


def invite_bulk(target: Target, account_id: str, csv_text: str) -> list[str]:
    """Invite every `email,role` line of a CSV (as the console's bulk invite does); lines that cannot be are listed."""
    account = target.accounts.get(account_id)
    if account is None:
        raise AdminError(f"No account {account_id!r}; see `baton-admin list-accounts`.")
    rows, unreadable = invitation_rows(csv_text)
    invited, skipped = invitation_cases.invite_many(None, account, rows, target.invitations, target.users)
    refused = sorted([(s.line, s.email, s.detail) for s in unreadable] + [(s.line, s.email, s.detail) for s in skipped])
    lines = [f"Invited {i.email} as {i.role.value} (expires {i.expires_at})." for i in invited]
    lines += [f"Skipped line {line} ({email}): {detail}" for line, email, detail in refused]
    lines.append(
        f"{len(invited)} invited, {len(refused)} skipped. They sign in with their address and join here: {join_link(target)}"
    )
    return lines


def list_accounts(target: Target) -> list[str]:
    found = sorted(target.accounts.list_all(), key=lambda a: a.id)
    if not found:
        return ["No accounts yet: `baton-admin create-account --name ... --owner-email ...`."]
    return [f"{a.id}\t{a.name}\towners: {a.owner_count}\tcreated {a.created_at or '-'}" for a in found]


def list_members(target: Target, account_id: str) -> list[str]:
    if target.accounts.get(account_id) is None:
        raise AdminError(f"No account {account_id!r}; see `baton-admin list-accounts`.")
    members = sorted(target.users.list_by_account(account_id), key=lambda u: u.email)
    pending = [i for i in target.invitations.of_account(account_id) if i.status == "pending"]
    lines = [f"{u.email}\t{u.role.value}\t{u.display_name}\t{u.id}" for u in members] or ["(no members yet)"]
    lines += [f"{i.email}\t{i.role.value}\tinvited, expires {i.expires_at}" for i in sorted(pending, key=lambda i: i.email)]
    return lines


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="baton-admin", description="Create baton accounts and invite their first people.")
    where = top.add_mutually_exclusive_group(required=True)
    where.add_argument("--local", metavar="URL", help="a running `make dev`, e.g. http://127.0.0.1:3000")
    where.add_argument("--stack", metavar="NAME", help="a deployed stack (its outputs name the table)")
    top.add_argument("--region", help="the stack's region (default: your AWS configuration's)")
    commands = top.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-account", help="an account and its first owner's invitation")
    create.add_argument("--name", required=True)
    create.add_argument("--owner-email", required=True)
    create.add_argument("--id", help="the account id (default: from the name, e.g. acme-it)")
    commands.add_parser("list-accounts", help="every account")
    invite_command = commands.add_parser("invite", help="invite an address to an account")
    invite_command.add_argument("--account", required=True)
    invite_command.add_argument("--email", required=True)
    invite_command.add_argument("--role", required=True, choices=[role.value for role in Role])
    bulk = commands.add_parser("invite-bulk", help="invite every `email,role` line of a CSV file to an account")
    bulk.add_argument("--account", required=True)
    bulk.add_argument("--csv", required=True, metavar="FILE", help="the CSV file (- for standard input)")
    members = commands.add_parser("list-members", help="an account's members and pending invitations")
    members.add_argument("--account", required=True)
    return top


def run(args: argparse.Namespace) -> list[str]:
    target = local_target(args.local) if args.local else stack_target(args.stack, args.region)
    if args.command == "create-account":
        return create_account(target, args.name, args.owner_email, args.id)
    if args.command == "list-accounts":
        return list_accounts(target)
    if args.command == "invite":
        return invite(target, args.account, args.email, Role(args.role))
    if args.command == "invite-bulk":
        return invite_bulk(target, args.account, _read(args.csv))
    return list_members(target, args.account)


def _read(path: str) -> str:
    try:
        return sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8-sig")
    except OSError as error:
        raise AdminError(f"Cannot read {path}: {error.strerror}.") from error


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        lines = run(args)
    except (AdminError, BatonError) as error:
        message = error.detail if isinstance(error, BatonError) else str(error)
        print(f"baton-admin: {message}", file=sys.stderr)
        return 1
    except NoCredentialsError:
        print("baton-admin: No AWS credentials: sign in (aws sso login, AWS_PROFILE=...) and try again.", file=sys.stderr)
        return 1
    except (BotoCoreError, ClientError) as error:
        print(f"baton-admin: AWS failed: {error}", file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
