"""The Teams and Slack functions on moto, posting over real HTTPS to the loopback receiver: once per event per
channel, 5xx and timeouts retried by redelivery until the provider recovers, a 4xx refused for good and shown."""

from __future__ import annotations

import json
from typing import Any

import pytest

from baton.domain.events import HandoffEvent
from baton.domain.models import User
from baton.publishers.sns_events import SnsEventPublisher
from tests.integration.builders import new_handoff
from tests.integration.conftest import ApiClient, lambda_context
from tests.integration.event_builders import handoff_only, sqs_event, stream_event
from tests.integration.webhook_receiver import ReceiverThread

BASE = "/api/v1/account/integrations"
TOPIC = "arn:aws:sns:us-east-1:123456789012:EventsTopic"


def _configure(api: ApiClient, users: dict[str, User], receiver: ReceiverThread, channel: str, account: str = "acme") -> None:
    reply = api.call("PUT", f"{BASE}/{channel}", users[f"owner@{account}.test"], {"webhook_url": receiver.url(channel)})
    assert reply.status == 200, reply.body


def _escalate(api: ApiClient, users: dict[str, User], junior: str = "junior@acme.test") -> str:
    import stream_router_handler

    session_id = api.call(
        "POST",
        "/api/v1/ai-sessions",
        users[junior],
        {
            "intake_type": "ticket",
            "intake_content": {},
            "ticket_ref": "T-1001",
            "client_name": "Contoso Dental",
            "subject": "Outlook offline",
            "priority": "P2",
        },
    ).body["id"]
    handoff = api.call(
        "POST",
        f"/api/v1/ai-sessions/{session_id}/handoff",
        users[junior],
        {"intent": "escalate", "engineer_notes": "Autodiscover <bad> & DNS"},
    ).body
    assert stream_router_handler.handler(handoff_only(stream_event()), lambda_context()) == {"batchItemFailures": []}
    return str(handoff["id"])


def _run(channel: str, event: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The channel's function on an SQS event: the message ids it reports failed."""
    import webhooks_handler

    monkeypatch.setenv("WEBHOOK_CHANNEL", channel)
    if webhooks_handler.dependencies().channel != channel:
        webhooks_handler.dependencies.cache_clear()
    reply = webhooks_handler.handler(event, lambda_context())
    return [failure["itemIdentifier"] for failure in reply["batchItemFailures"]]


def test_an_escalation_reaches_teams_once_as_an_adaptive_card_with_the_triage_and_the_pick_up_link(
    api: ApiClient,
    users: dict[str, User],
    aws: dict[str, str],
    receiver: ReceiverThread,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given acme's Teams webhook and a new escalation routed to the Teams queue
    _configure(api, users, receiver, "teams")
    handoff_id = _escalate(api, users)
    event = sqs_event(aws["TeamsQueue"])
    assert len(event["Records"]) == 1
    # When the Teams function gets it, and the same message again (at-least-once)
    assert _run("teams", event, monkeypatch) == []
    assert _run("teams", event, monkeypatch) == []
    # Then Teams got exactly one card with ticket, client, subject, priority, the notes and the console link
    [post] = receiver.posts()
    card = post["body"]["attachments"][0]["content"]
    facts = {fact["title"]: fact["value"] for fact in card["body"][1]["facts"]}
    assert facts == {"Ticket": "T-1001", "Client": "Contoso Dental", "Subject": "Outlook offline", "Priority": "P2"}
    assert card["body"][3]["text"] == "Autodiscover <bad> & DNS"
    [action] = card["actions"]
    session_id = json.loads(event["Records"][0]["body"])["handoff"]["session_id"]
    assert action["url"] == f"http://localhost:3000/#/handoffs/{session_id}/{handoff_id}"
    # And the channel's last delivery says so
    assert api.call("GET", BASE, users["owner@acme.test"]).body["teams"]["last_delivery"]["outcome"] == "delivered"


def test_slack_gets_block_kit_with_escaped_text_and_a_button(
    api: ApiClient,
    users: dict[str, User],
    aws: dict[str, str],
    receiver: ReceiverThread,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _configure(api, users, receiver, "slack")
    handoff_id = _escalate(api, users)
    assert _run("slack", sqs_event(aws["SlackQueue"]), monkeypatch) == []
    [post] = receiver.posts()
    blocks = post["body"]["blocks"]
    assert post["path"].startswith("/slack/") and "escalated" in post["body"]["text"]
    assert blocks[0]["type"] == "header"
    assert "*Client*\nContoso Dental" in [field["text"] for field in blocks[1]["fields"]]
    assert blocks[2]["text"]["text"] == "*Notes*\nAutodiscover &lt;bad&gt; &amp; DNS"
    assert blocks[3]["elements"][0]["url"].endswith(f"/{handoff_id}")


def test_a_provider_answering_500_for_a_while_gets_the_message_once_it_recovers(
    api: ApiClient,
    users: dict[str, User],
    aws: dict[str, str],
    receiver: ReceiverThread,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given Teams answering 500 to the next two posts
    _configure(api, users, receiver, "teams")
    _escalate(api, users)
    event = sqs_event(aws["TeamsQueue"])
    message_id = event["Records"][0]["messageId"]
    receiver.answer(500, count=2)
    # When the function gets the message, and SQS redelivers it twice
    first, second, third = (_run("teams", event, monkeypatch) for _ in range(3))
    # Then the first two are reported failed (redelivered), the third is delivered
    assert (first, second, third) == ([message_id], [message_id], [])
    assert [post["answered"] for post in receiver.posts()] == [500, 500, 200]
    # And a later redelivery posts nothing again
    assert _run("teams", event, monkeypatch) == []
    assert len(receiver.posts()) == 3


def test_a_provider_answering_400_is_not_retried_and_the_refusal_is_visible(
    api: ApiClient,
    users: dict[str, User],
    aws: dict[str, str],
    receiver: ReceiverThread,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import webhooks_handler

    # Given Slack refusing every post (e.g. the webhook was removed in Slack)
    _configure(api, users, receiver, "slack")
    _escalate(api, users)
    event = sqs_event(aws["SlackQueue"])
    receiver.answer(400, count=1000)
    errors: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(webhooks_handler.logger, "error", lambda message, extra: errors.append((message, extra)))
    # When the function gets the message, and the same message again
    assert _run("slack", event, monkeypatch) == []
    assert _run("slack", event, monkeypatch) == []
    # Then it was posted once, not retried
    assert [post["answered"] for post in receiver.posts()] == [400]
    # And the refusal is visible: an error log line, a metric, and the channel's last delivery in the API
    assert [(message, extra["provider_status"]) for message, extra in errors] == [("webhook rejected", 400)]
    assert '"WebhooksRejected":[1.0]' in capsys.readouterr().out
    last = api.call("GET", BASE, users["admin@acme.test"]).body["slack"]["last_delivery"]
    assert last["outcome"] == "rejected" and last["detail"] == "Slack answered 400: invalid_payload."


def test_a_rate_limited_post_is_retried_keeping_the_providers_retry_after(
    api: ApiClient,
    users: dict[str, User],
    aws: dict[str, str],
    receiver: ReceiverThread,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import webhooks_handler
    from local.webhooks import WebhookFault

    # Given Slack answering the next post 429 with Retry-After: 30
    _configure(api, users, receiver, "slack")
    _escalate(api, users)
    event = sqs_event(aws["SlackQueue"])
    receiver.receiver.arm(WebhookFault(status=429, retry_after="30"))
    deferred: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(webhooks_handler.logger, "warning", lambda message, extra: deferred.append((message, extra)))
    # When the function gets the message, and SQS redelivers it
    first, second = (_run("slack", event, monkeypatch) for _ in range(2))
    # Then the first is reported failed, classified rate-limited with the provider's delay; the redelivery delivers
    assert (first, second) == ([event["Records"][0]["messageId"]], [])
    [(message, extra)] = deferred
    assert message == "webhook deferred" and extra["provider_status"] == 429
    assert (extra["verdict"], extra["retry_after_s"]) == ("rate_limited", 30)
    assert [post["answered"] for post in receiver.posts()] == [429, 200]


def test_a_provider_that_times_out_is_retried(
    api: ApiClient,
    users: dict[str, User],
    aws: dict[str, str],
    receiver: ReceiverThread,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from baton.publishers import webhooks

    monkeypatch.setattr(webhooks, "READ_SECONDS", 0.3)
    _configure(api, users, receiver, "teams")
    _escalate(api, users)
    event = sqs_event(aws["TeamsQueue"])
    receiver.answer(200, count=1, delay_seconds=1)
    # When the provider answers too late, Then the message is reported failed, and the retry delivers it
    assert _run("teams", event, monkeypatch) == [event["Records"][0]["messageId"]]
    assert _run("teams", event, monkeypatch) == []
    last = api.call("GET", BASE, users["owner@acme.test"]).body["teams"]["last_delivery"]
    assert last["outcome"] == "delivered"


def test_an_overdue_escalation_is_announced_with_its_level_and_parks_are_not(
    api: ApiClient,
    users: dict[str, User],
    aws: dict[str, str],
    receiver: ReceiverThread,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import boto3

    # Given acme's Teams webhook, a park, and an escalation
    _configure(api, users, receiver, "teams")
    new_handoff(api, users["junior@acme.test"], "park")
    _escalate(api, users)
    # (the queue hears of every event of an escalation, for a bot's cards, and of no park: its subscription's filter)
    arrived = [HandoffEvent.model_validate_json(r["body"]) for r in sqs_event(aws["TeamsQueue"])["Records"]]
    created = next(e for e in arrived if e.type == "handoff_created" and e.handoff.intent == "escalate")
    assert not [e for e in arrived if e.handoff.intent == "park"]
    # When the SLA ladder publishes the escalation at overdue level 2 (built as the v1 contract says)
    overdue = created.model_copy(
        update={
            "type": "handoff_overdue",
            "event_id": "overdue-test-1",
            "handoff": created.handoff.model_copy(update={"overdue_level": 2, "version": 2}),
        }
    )
    SnsEventPublisher(TOPIC, boto3.client("sns")).publish(overdue)
    # Then the Teams queue has it (the subscription's filter lets overdue events through), and the card says the level
    records = [r for r in sqs_event(aws["TeamsQueue"])["Records"] if json.loads(r["body"])["type"] == "handoff_overdue"]
    assert len(records) == 1
    assert _run("teams", {"Records": records}, monkeypatch) == []
    [post] = receiver.posts()
    card = post["body"]["attachments"][0]["content"]
    assert "overdue, level 2" in card["body"][0]["text"]
    assert {"title": "Overdue level", "value": "2"} in card["body"][1]["facts"]


def test_an_accounts_escalation_never_reaches_another_accounts_webhook(
    api: ApiClient,
    users: dict[str, User],
    aws: dict[str, str],
    receiver: ReceiverThread,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given only acme has a Teams webhook
    _configure(api, users, receiver, "teams")
    # When globex's junior escalates and the Teams function gets it
    _escalate(api, users, "junior@globex.test")
    assert _run("teams", sqs_event(aws["TeamsQueue"]), monkeypatch) == []
    # Then nothing was posted
    assert receiver.posts() == []


def test_a_stored_url_that_no_longer_passes_the_allowlist_is_never_posted(
    api: ApiClient,
    users: dict[str, User],
    aws: dict[str, str],
    receiver: ReceiverThread,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given acme's Teams webhook, and then the allowlist narrowed (the host is no longer a Teams host)
    _configure(api, users, receiver, "teams")
    _escalate(api, users)
    monkeypatch.setenv("TEAMS_WEBHOOK_HOSTS", "*.webhook.office.com")
    import webhooks_handler

    webhooks_handler.dependencies.cache_clear()
    # When the Teams function gets the escalation, Then nothing is posted, nor retried, and the console says why
    assert _run("teams", sqs_event(aws["TeamsQueue"]), monkeypatch) == []
    assert receiver.posts() == []
    last = api.call("GET", BASE, users["owner@acme.test"]).body["teams"]["last_delivery"]
    assert last["outcome"] == "rejected" and last["detail"].startswith("Not sent: The webhook URL's host 127.0.0.1")
