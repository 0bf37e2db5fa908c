"""A deployed stack's outputs, as the operator tools read them."""

from __future__ import annotations

import boto3


def stack_outputs(aws: boto3.session.Session, stack: str) -> dict[str, str]:
    (described,) = aws.client("cloudformation").describe_stacks(StackName=stack)["Stacks"]
    return {output["OutputKey"]: output["OutputValue"] for output in described.get("Outputs", [])}
