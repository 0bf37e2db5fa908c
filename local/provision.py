"""Create the template's AWS resources on the embedded endpoint, exactly as declared."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from local.template import REGION, Template

ROOT = Path(__file__).resolve().parent.parent

# Properties moto's CreateTable does not take; they are applied separately or have no local effect.
_NOT_CREATE_TABLE_PROPS = {"PointInTimeRecoverySpecification", "TimeToLiveSpecification", "Tags", "DeletionProtectionEnabled"}


# Fail fast when the endpoint is gone (at shutdown) instead of retrying for seconds; leave room for long polls.
# One SQS client serves every queue poller (two long polls per queue, plus deletes): with botocore's
# default pool of 10 the overflow opened (and dropped) a connection per request, ~30 a second under load.
_LOCAL_CONFIG = Config(
    connect_timeout=2, read_timeout=30, retries={"mode": "standard", "max_attempts": 2}, max_pool_connections=64
)


def local_client(service: str, endpoint_url: str | None) -> Any:
    """A boto3 client for the embedded endpoint (any credentials do; moto does not check them).

    `endpoint_url=None` talks to the default endpoint, which an in-process `mock_aws` intercepts.
    """
    return boto3.client(  # type: ignore[call-overload]
        service,
        config=_LOCAL_CONFIG,
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id="local",
        aws_secret_access_key="local",
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


def create_table_copy(endpoint_url: str | None, source: str, name: str, template: Template | None = None) -> None:
    """A table declared like `source` in template.yaml, without its stream (benchmarks fill it in bulk)."""
    template = template or Template(ROOT / "template.yaml")
    props = {
        k: v
        for k, v in template.tables()[source].items()
        if k not in _NOT_CREATE_TABLE_PROPS | {"StreamSpecification", "SSESpecification"}
    }
    local_client("dynamodb", endpoint_url).create_table(TableName=name, **props)


def create_messaging(template: Template, endpoint_url: str | None, max_visibility_timeout: int | None = None) -> dict[str, str]:
    """Topics, queues (redrive to their DLQs), subscriptions (raw delivery, filter policies).

    `max_visibility_timeout` caps the template's visibility timeouts (tests use it so that failed
    messages come back within seconds). Returns each queue's URL by logical id, for the pollers.
    """
    sqs = local_client("sqs", endpoint_url)
    sns = local_client("sns", endpoint_url)
    urls: dict[str, str] = {}
    queues = template.queues()
    for name, props in queues.items():  # first every queue, so redrive targets exist
        attributes = {key: str(props[key]) for key in _QUEUE_ATTRIBUTES if key in props}
        if max_visibility_timeout is not None:
            attributes["VisibilityTimeout"] = str(min(int(props.get("VisibilityTimeout", 30)), max_visibility_timeout))
        urls[name] = sqs.create_queue(QueueName=template.physical_name(name), Attributes=attributes)["QueueUrl"]
    for name, props in queues.items():
        if "RedrivePolicy" in props:
            sqs.set_queue_attributes(QueueUrl=urls[name], Attributes={"RedrivePolicy": json.dumps(props["RedrivePolicy"])})
    for topic in template.topics():
        sns.create_topic(Name=template.physical_name(topic))
    for subscription in template.subscriptions():
        attributes = {"RawMessageDelivery": str(subscription.get("RawMessageDelivery", False)).lower()}
        if "FilterPolicy" in subscription:
            attributes["FilterPolicy"] = json.dumps(subscription["FilterPolicy"])
            attributes["FilterPolicyScope"] = subscription.get("FilterPolicyScope", "MessageAttributes")
        sns.subscribe(
            TopicArn=subscription["TopicArn"],
            Protocol=subscription["Protocol"],
            Endpoint=subscription["Endpoint"],
            Attributes=attributes,
        )
    return urls


def verify_sender(template: Template, endpoint_url: str | None) -> None:
    """SES only sends from verified identities; locally, the template's sender is verified at start."""
    local_client("ses", endpoint_url).verify_email_identity(EmailAddress=template.parameters["SenderEmail"])


def warm_settings_store(endpoint_url: str | None) -> None:
    """moto builds its SSM backend and the `aws/ssm` KMS key on the first SecureString: ~0.7 s quiet and
    over the API's 10 s timeout on a loaded machine, which failed the first webhook a user saved. Done here,
    before the runtime reports healthy, with a parameter that is written and removed at once."""
    ssm = local_client("ssm", endpoint_url)
    ssm.put_parameter(Name="/baton-local/warm-up", Value="-", Type="SecureString", Overwrite=True)
    ssm.delete_parameter(Name="/baton-local/warm-up")


_QUEUE_ATTRIBUTES = ("VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds", "ReceiveMessageWaitTimeSeconds")
