"""Publish the console to the stack's own bucket and CloudFront distribution (HostConsole=true).

    python -m tools.publish_console --stack baton-pilot [--region eu-west-1]

Uploads web/ with a config.json written from the stack's outputs (API URL; the Cognito hosted UI and client, or
JwtIssuer and the console's client there),
then invalidates the distribution's cache so browsers get the new files at once.
"""

from __future__ import annotations

import json
import mimetypes
import sys
import time
from pathlib import Path
from typing import Any

from tools.stack import deployed_stack

WEB = Path(__file__).resolve().parent.parent / "web"
LOCAL_CONFIG: dict[str, Any] = json.loads((WEB / "config.json").read_text())
CONTENT_TYPES = {".js": "text/javascript", ".css": "text/css", ".html": "text/html", ".json": "application/json"}


class NotHosted(RuntimeError):
    pass


def console_config(outputs: dict[str, str]) -> dict[str, Any]:
    """web/config.json for this stack: Cognito's hosted UI when the stack has one; else JwtIssuer, when the stack
    names the console's client there (ConsoleClientId); else a pasted token."""
    config: dict[str, Any] = {
        "apiBaseUrl": outputs["HttpApiUrl"],
        # The heartbeat, as web/config.json sets it: a pong must come within pongTimeoutSeconds, else reconnect.
        **{key: LOCAL_CONFIG[key] for key in ("pingSeconds", "pongTimeoutSeconds")},
    }
    if hosted_ui := outputs.get("CognitoHostedUiUrl", ""):
        cognito = {"domain": hosted_ui, "clientId": outputs.get("UserPoolClientId", ""), "scopes": "openid email profile"}
        return {**config, "signIn": "cognito", "cognito": cognito}
    if client_id := outputs.get("ConsoleOidcClientId", ""):
        oidc = {"issuer": outputs["JwtIssuerUrl"], "clientId": client_id, "scopes": outputs["ConsoleOidcScopes"]}
        if audience := outputs.get("ConsoleOidcAudience", ""):
            oidc["audience"] = audience  # Auth0: without it the access token is opaque to the API
        return {**config, "signIn": "oidc", "oidc": oidc}
    return {**config, "signIn": "token"}


def publish(outputs: dict[str, str], s3: Any, cloudfront: Any, web: Path = WEB) -> list[str]:
    """Every file of web/ (its config.json replaced by the stack's), then an invalidation. Returns the keys."""
    if "ConsoleBucketName" not in outputs:
        raise NotHosted("this stack does not host the console: deploy it with HostConsole=true")
    bucket = outputs["ConsoleBucketName"]
    uploaded = []
    for path in sorted(p for p in web.rglob("*") if p.is_file() and p.name != "config.json"):
        key = path.relative_to(web).as_posix()
        s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes(), ContentType=_content_type(path))
        uploaded.append(key)
    config = json.dumps(console_config(outputs), indent=2).encode()
    s3.put_object(Bucket=bucket, Key="config.json", Body=config, ContentType="application/json", CacheControl="no-cache")
    uploaded.append("config.json")
    cloudfront.create_invalidation(
        DistributionId=outputs["ConsoleDistributionId"],
        InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": f"publish-console-{time.time_ns()}"},
    )
    return uploaded


def _content_type(path: Path) -> str:
    return CONTENT_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def main(argv: list[str] | None = None) -> int:
    aws, outputs = deployed_stack(__doc__, argv)
    try:
        uploaded = publish(outputs, aws.client("s3"), aws.client("cloudfront"))
    except NotHosted as error:
        print(error, file=sys.stderr)
        return 1
    print(f"published {len(uploaded)} files; the console is at {outputs['ConsoleUrl']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
