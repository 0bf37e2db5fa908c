"""A deployed stack's outputs, as the operator tools read them."""

from __future__ import annotations

import argparse

import boto3


def stack_outputs(aws: boto3.session.Session, stack: str) -> dict[str, str]:
    (described,) = aws.client("cloudformation").describe_stacks(StackName=stack)["Stacks"]
    return {output["OutputKey"]: output["OutputValue"] for output in described.get("Outputs", [])}


def deployed_stack(description: str | None, argv: list[str] | None) -> tuple[boto3.session.Session, dict[str, str]]:
    """A tool that works on one deployed stack: its `--stack`/`--region` arguments, a session, the outputs."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack", required=True)
    parser.add_argument("--region", help="the stack's region (default: your AWS configuration's)")
    args = parser.parse_args(argv)
    aws = boto3.session.Session(region_name=args.region)
    return aws, stack_outputs(aws, args.stack)
