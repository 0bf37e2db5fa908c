"""`make publish-console`: web/ into the stack's bucket with a config.json from the stack's outputs."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tools.publish_console import NotHosted, publish

OUTPUTS = {
    "HttpApiUrl": "https://abc123.execute-api.eu-west-1.amazonaws.com",
    "CognitoHostedUiUrl": "https://msp-baton.auth.eu-west-1.amazoncognito.com",
    "UserPoolClientId": "client-1",
    "ConsoleBucketName": "baton-console",
    "ConsoleDistributionId": "E123",
    "ConsoleUrl": "https://d111.cloudfront.net",
}


class RecordingCloudFront:
    def __init__(self) -> None:
        self.invalidations: list[dict[str, Any]] = []

    def create_invalidation(self, **request: Any) -> None:
        self.invalidations.append(request)


def test_publishing_uploads_the_console_with_the_stacks_config_and_invalidates_the_cache() -> None:
    with mock_aws():
        # Given the stack's console bucket
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="baton-console")
        cloudfront = RecordingCloudFront()
        # When the console is published
        uploaded = publish(OUTPUTS, s3, cloudfront)
        # Then every file of web/ is there with its content type, and config.json points at the stack
        assert {"index.html", "styles.css", "js/app.js", "config.json"} <= set(uploaded)
        assert s3.head_object(Bucket="baton-console", Key="js/app.js")["ContentType"] == "text/javascript"
        config = json.loads(s3.get_object(Bucket="baton-console", Key="config.json")["Body"].read())
        assert config["apiBaseUrl"] == OUTPUTS["HttpApiUrl"] and config["signIn"] == "cognito"
        assert config["cognito"]["domain"] == OUTPUTS["CognitoHostedUiUrl"] and config["cognito"]["clientId"] == "client-1"
        # And the distribution's cache is invalidated
        assert [i["InvalidationBatch"]["Paths"]["Items"] for i in cloudfront.invalidations] == [["/*"]]


def test_a_stack_without_the_hosted_console_is_told_how_to_get_one() -> None:
    outputs = {key: value for key, value in OUTPUTS.items() if not key.startswith("Console")}
    with pytest.raises(NotHosted, match="HostConsole=true"):
        publish(outputs, object(), RecordingCloudFront())
