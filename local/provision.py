"""Create the template's AWS resources on the embedded endpoint, exactly as declared."""

from __future__ import annotations

from typing import Any

import boto3

from local.template import REGION, Template

# Properties moto's CreateTable does not take; they are applied separately or have no local effect.
_NOT_CREATE_TABLE_PROPS = {"PointInTimeRecoverySpecification", "TimeToLiveSpecification", "Tags", "DeletionProtectionEnabled"}


def local_client(service: str, endpoint_url: str | None) -> Any:
    """A boto3 client for the embedded endpoint (any credentials do; moto does not check them).

    `endpoint_url=None` talks to the default endpoint, which an in-process `mock_aws` intercepts.
    """
    return boto3.client(  # type: ignore[call-overload]
        service, endpoint_url=endpoint_url, region_name=REGION, aws_access_key_id="local", aws_secret_access_key="local"
    )


def create_tables(template: Template, endpoint_url: str | None) -> None:
    client = local_client("dynamodb", endpoint_url)
    for name, props in template.tables().items():
        create: dict[str, Any] = {key: value for key, value in props.items() if key not in _NOT_CREATE_TABLE_PROPS}
        if "StreamSpecification" in create:  # CloudFormation implies StreamEnabled; the API wants it said
            create["StreamSpecification"] = {"StreamEnabled": True, **create["StreamSpecification"]}
        if "SSESpecification" in create:  # CloudFormation says SSEEnabled where the API says Enabled
            create["SSESpecification"] = {"Enabled": bool(create["SSESpecification"].get("SSEEnabled", False))}
        client.create_table(TableName=name, **create)
        ttl = props.get("TimeToLiveSpecification")
        if ttl:
            client.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
