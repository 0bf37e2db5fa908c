"""The chat connectors' secrets (the webhook URLs in SSM) are read only for accounts that have that channel, and a
warm function keeps what it read for a short while: an escalation storm is not an SSM storm (SSM's default quota is
40 GetParameter calls a second for the whole account)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from baton.domain.models import User
from baton.repositories.ttl_cache import TtlCache
from tests.integration.conftest import ApiClient, lambda_context
from tests.integration.event_builders import handoff_only, sqs_event, stream_event
from tests.integration.webhook_receiver import ReceiverThread

BASE = "/api/v1/account/integrations"


@pytest.fixture
def ssm_reads() -> Iterator[list[str]]:
    """The name of every SSM GetParameter call made by clients of boto3's default session from now on."""
    seen: list[str] = []

    def count(params: dict[str, Any], **_: Any) -> None:
        seen.append(str(params.get("Name")))

    session = boto3._get_default_session()
    session.events.register("provide-client-params.ssm.GetParameter", count)
    yield seen
    session.events.unregister("provide-client-params.ssm.GetParameter", count)


def _escalations(api: ApiClient, users: dict[str, User], juniors: list[str]) -> None:
    """One escalation per junior named, then the stream router once (each event to the chat queues once)."""
    import stream_router_handler

    for junior in juniors:
        session_id = api.call("POST", "/api/v1/ai-sessions", users[junior], {"intake_type": "ticket", "intake_content": {}}).body[
            "id"
        ]
        created = api.call("POST", f"/api/v1/ai-sessions/{session_id}/handoff", users[junior], {"intent": "escalate"})
        assert created.status == 201, created.body
    assert stream_router_handler.handler(handoff_only(stream_event()), lambda_context()) == {"batchItemFailures": []}


def _teams(event: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    import webhooks_handler

    monkeypatch.setenv("WEBHOOK_CHANNEL", "teams")
    webhooks_handler.dependencies.cache_clear()  # a fresh execution environment: nothing cached yet
    assert webhooks_handler.handler(event, lambda_context()) == {"batchItemFailures": []}


def test_one_ssm_read_for_an_account_with_the_channel_and_none_for_one_without(
    api: ApiClient,
    users: dict[str, User],
    aws: dict[str, str],
    receiver: ReceiverThread,
    ssm_reads: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given acme has a Teams webhook and globex has none
    assert api.call("PUT", f"{BASE}/teams", users["owner@acme.test"], {"webhook_url": receiver.url("teams")}).status == 200
    # And three acme escalations and two globex escalations waiting on the Teams queue
    _escalations(
        api, users, ["junior@acme.test", "senior@acme.test", "junior@acme.test", "junior@globex.test", "senior@globex.test"]
    )
    event = sqs_event(aws["TeamsQueue"])
    assert len(event["Records"]) == 5
    ssm_reads.clear()
    # When one warm Teams function delivers them
    _teams(event, monkeypatch)
    # Then acme's three cards went out with one SSM read between them, and globex's two cost none
    assert len(receiver.posts()) == 3
    assert ssm_reads == ["/baton-local/integrations/acme/teams"]


def test_a_replaced_webhook_is_read_again_at_once(
    api: ApiClient,
    users: dict[str, User],
    aws: dict[str, str],
    receiver: ReceiverThread,
    ssm_reads: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import webhooks_handler

    owner = users["owner@acme.test"]
    assert api.call("PUT", f"{BASE}/teams", owner, {"webhook_url": receiver.url("teams")}).status == 200
    _escalations(api, users, ["junior@acme.test"])
    _teams(sqs_event(aws["TeamsQueue"]), monkeypatch)
    # When the owner replaces the URL and the same warm function gets the next escalation
    assert (
        api.call(
            "PUT", f"{BASE}/teams", owner, {"webhook_url": receiver.url("teams").replace("secret-abcd", "secret-wxyz")}
        ).status
        == 200
    )
    import stream_router_handler

    ssm_reads.clear()
    session_id = api.call(
        "POST", "/api/v1/ai-sessions", users["senior@acme.test"], {"intake_type": "ticket", "intake_content": {}}
    ).body["id"]
    api.call("POST", f"/api/v1/ai-sessions/{session_id}/handoff", users["senior@acme.test"], {"intent": "escalate"})
    stream_router_handler.handler(handoff_only(stream_event()), lambda_context())
    assert webhooks_handler.handler(sqs_event(aws["TeamsQueue"]), lambda_context()) == {"batchItemFailures": []}
    # Then the new URL was read (once) and posted to, not the cached old one
    assert ssm_reads == ["/baton-local/integrations/acme/teams"]
    assert receiver.posts()[-1]["path"].endswith("/secret-wxyz")


def test_a_kept_value_is_read_again_once_its_time_is_up() -> None:
    # Given a cache keeping values 60 s, on a clock we move
    now = [1000.0]
    cache: TtlCache[str] = TtlCache(60, clock=lambda: now[0])
    reads: list[str] = []

    def read() -> str:
        reads.append("read")
        return f"value-{len(reads)}"

    # When the same key is asked for within the minute, Then it is read once
    assert cache.get_or_read("k", read) == "value-1"
    now[0] += 59
    assert cache.get_or_read("k", read) == "value-1"
    # When the minute is up, Then it is read again
    now[0] += 2
    assert cache.get_or_read("k", read) == "value-2"
    assert len(reads) == 2


def test_a_consumer_reads_a_connectors_secrets_once_per_version_and_a_new_save_at_once(
    aws: dict[str, str], ssm_reads: list[str]
) -> None:
    from baton.domain.connector_state import ConnectorSetup
    from baton.repositories.connectors import ConnectorRepository

    # Given acme's Slack app saved with its token
    store = ConnectorRepository("DataTable", "/baton-local/connectors", boto3.client("dynamodb"), boto3.client("ssm"))
    setup = ConnectorSetup(
        account_id="acme", name="slack", settings={}, updated_at="2026-12-07T06:00:00.000Z", updated_by="u", updated_by_name="U"
    )
    store.save(setup, {"bot_token": "xoxb-1"})
    ssm_reads.clear()
    # When a warm consumer asks for them for three events of that setup
    found = [store.secrets("acme", "slack", setup.updated_at) for _ in range(3)]
    # Then SSM was read once
    assert found == [{"bot_token": "xoxb-1"}] * 3 and len(ssm_reads) == 1
    # When the owner saves new secrets (a new version of the setup), Then the next event reads them at once
    newer = setup.model_copy(update={"updated_at": "2026-12-07T06:00:01.000Z"})
    store.save(newer, {"bot_token": "xoxb-2"})
    assert store.secrets("acme", "slack", newer.updated_at) == {"bot_token": "xoxb-2"}
    # And a caller that gives no version (the API, the hooks) always reads SSM
    ssm_reads.clear()
    store.secrets("acme", "slack")
    store.secrets("acme", "slack")
    assert len(ssm_reads) == 2
