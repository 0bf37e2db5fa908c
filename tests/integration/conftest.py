"""Handler + repository tests on moto, with tables built from template.yaml itself."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from moto import mock_aws

from baton.domain.models import User
from baton.repositories.accounts import AccountRepository
from baton.repositories.users import UserRepository
from local import demo, moto_patches, provision
from local.http_api import Router, build_event
from local.lambda_worker import LambdaContext
from local.template import Template
from tests.conftest import ROOT


def lambda_context(name: str = "test-request") -> LambdaContext:
    return LambdaContext(name, int((time.time() + 10) * 1000))


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any


class ApiClient:
    """Calls the API function's handler with the payload 2.0 events the gateway would send."""

    def __init__(self, template: Template) -> None:
        self._router = Router(template.http_routes())

    def call(
        self,
        method: str,
        path: str,
        as_user: User | None,
        body: Any = None,
        headers: dict[str, str | None] | None = None,
        raw_body: bytes | None = None,
        query: dict[str, str] | None = None,
        claims: dict[str, Any] | None = None,
    ) -> Reply:
        """`claims` (e.g. of someone who is not a member yet) replace the ones made from `as_user`; a header given
        as None is left out (e.g. no content-type)."""
        import api_handler

        match = self._router.match(method, path)
        assert match is not None, f"no route for {method} {path}"
        payload = raw_body if raw_body is not None else (json.dumps(body).encode() if body is not None else b"")
        given = {"content-type": "application/json", **(headers or {})}
        all_headers = {name: value for name, value in given.items() if value is not None}
        query_pairs = list((query or {}).items())
        raw_query = "&".join(f"{k}={v}" for k, v in query_pairs)
        if claims is None and as_user is not None:
            claims = {"sub": as_user.id, "email": as_user.email, "email_verified": True}
        event = build_event(match, method, path, raw_query, query_pairs, list(all_headers.items()), payload, "127.0.0.1", claims)
        result = api_handler.handler(event, lambda_context())
        text = result.get("body") or ""
        return Reply(
            result["statusCode"], {k.lower(): v for k, v in result.get("headers", {}).items()}, json.loads(text) if text else None
        )


@pytest.fixture
def template() -> Template:
    return Template(ROOT / "template.yaml")


HANDLER_CACHES = (
    ("api_dependencies", "dependencies"),
    ("stream_router_handler", "publisher"),
    ("stream_router_handler", "timers"),
    ("timer_handler", "dependencies"),
    ("push_handler", "dependencies"),
    ("email_handler", "dependencies"),
    ("digest_handler", "dependencies"),
    ("sign_up_gate_handler", "invitation_store"),
    ("ws_handler", "dependencies"),
    ("ws_authorizer_handler", "repositories"),
    ("api_routes_integrations", "channel_dependencies"),
    ("webhooks_handler", "dependencies"),
    ("api_routes_integrations", "connector_store"),
    ("api_routes_connectors", "connector_dependencies"),
    ("hooks_handler", "dependencies"),
    ("api_routes_chat_links", "chat_link_dependencies"),
    ("psa_handler", "dependencies"),
)


def clear_handler_caches() -> None:
    import importlib

    for module, factory in HANDLER_CACHES:
        getattr(importlib.import_module(module), factory).cache_clear()


@pytest.fixture
def aws(template: Template, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """moto with every table, topic, queue and subscription exactly as template.yaml declares them,
    and the functions' environment. Yields each queue's URL by logical id."""
    moto_patches.install()  # what the local endpoint runs, so its transaction rollback is tested too
    with mock_aws():
        provision.create_tables(template, endpoint_url=None)
        queue_urls = provision.create_messaging(template, endpoint_url=None)
        provision.verify_sender(template, endpoint_url=None)
        for spec in template.functions().values():
            for name, value in spec.environment.items():
                monkeypatch.setenv(name, value)
        monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")  # no X-Ray daemon here, whatever XRayTracing says
        clear_handler_caches()
        yield queue_urls
        clear_handler_caches()


@pytest.fixture
def users(aws: dict[str, str]) -> dict[str, User]:
    """The demo accounts: e.g. users["senior@acme.test"]."""
    repository = UserRepository("DataTable", provision.local_client("dynamodb", None))
    accounts = AccountRepository("DataTable", provision.local_client("dynamodb", None))
    return {user.email: user for user in demo.seed(repository, accounts)}


@pytest.fixture
def api(aws: dict[str, str], template: Template) -> ApiClient:
    return ApiClient(template)


# The loopback Teams/Slack receiver, for the webhook tests.
# The loopback provider stand-ins (ConnectWise ...), for the connector tests.
from tests.integration.provider_standins import standins  # noqa: E402, F401
from tests.integration.webhook_receiver import receiver  # noqa: E402, F401
