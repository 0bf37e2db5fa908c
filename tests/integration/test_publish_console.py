"""`make publish-console`: web/ into the stack's bucket with a config.json from the stack's outputs."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tools.publish_console import NotHosted, console_config, publish

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


EXTERNAL = {key: value for key, value in OUTPUTS.items() if key not in ("CognitoHostedUiUrl", "UserPoolClientId")} | {
    "JwtIssuerUrl": "https://login.microsoftonline.com/tenant-1/v2.0",
    "ConsoleOidcClientId": "spa-client",
    "ConsoleOidcScopes": "openid profile email offline_access api://spa-client/access_as_user",
}


def test_a_stack_on_an_external_provider_publishes_an_oidc_sign_in() -> None:
    with mock_aws():
        # Given a stack deployed with JwtIssuer (Entra ID) and the console's client id there
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="baton-console")
        # When the console is published
        publish(EXTERNAL, s3, RecordingCloudFront())
        # Then config.json signs in at that issuer with that client and those scopes (code + PKCE in the console)
        config = json.loads(s3.get_object(Bucket="baton-console", Key="config.json")["Body"].read())
        assert config["signIn"] == "oidc" and "cognito" not in config
        assert config["oidc"] == {
            "issuer": "https://login.microsoftonline.com/tenant-1/v2.0",
            "clientId": "spa-client",
            "scopes": "openid profile email offline_access api://spa-client/access_as_user",
        }


def test_an_auth0_audience_is_passed_on_and_no_client_id_means_a_pasted_token() -> None:
    # Given Auth0, whose access tokens are JWTs for the API only when the console asks with its audience
    auth0 = EXTERNAL | {"JwtIssuerUrl": "https://msp.eu.auth0.com/", "ConsoleOidcAudience": "https://baton.msp.example"}
    assert console_config(auth0)["oidc"]["audience"] == "https://baton.msp.example"
    # And a stack on an external issuer that names no console client: the console asks for a token
    no_client = {key: value for key, value in EXTERNAL.items() if not key.startswith("ConsoleOidc")}
    assert console_config(no_client)["signIn"] == "token"
