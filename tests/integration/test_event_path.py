"""The event path on moto: stream router → SNS (template filter policies) → push and email handlers."""

from __future__ import annotations

import json

import boto3
from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends
from moto.ses.models import ses_backends

from baton.domain.models import User
from local.template import ACCOUNT, REGION
from tests.integration.builders import handoff_path, new_handoff
from tests.integration.conftest import ApiClient, lambda_context
from tests.integration.event_builders import handoff_only, sqs_event, stream_event


def _route_stream() -> dict[str, object]:
    import stream_router_handler

    return dict(stream_router_handler.handler(handoff_only(stream_event()), lambda_context()))


def _sent_mail() -> list[object]:
    return list(ses_backends[ACCOUNT][REGION].sent_messages)


def test_the_router_publishes_one_event_per_change_and_the_email_queue_gets_what_may_be_emailed(
    api: ApiClient, users: dict[str, User], aws: dict[str, str]
) -> None:
    # Given an escalation that was claimed, and a park
    session_id, handoff_id = new_handoff(api, users["junior@acme.test"], "escalate")
    api.call("POST", handoff_path(session_id, handoff_id, "claim"), users["senior@acme.test"])
    new_handoff(api, users["junior@acme.test"], "park")
    # When the stream router handles the table's stream
    assert _route_stream() == {"batchItemFailures": []}
    # Then the push queue holds every change, and the email queue the new escalation and its pickup (told to the
    # junior), not the park
    pushed = [json.loads(r["body"]) for r in sqs_event(aws["PushQueue"])["Records"]]
    assert sorted(e["type"] for e in pushed) == ["handoff_claimed", "handoff_created", "handoff_created"]
    emailed = [json.loads(r["body"]) for r in sqs_event(aws["EmailQueue"])["Records"]]
    assert sorted((e["type"], e["handoff"]["intent"]) for e in emailed) == [
        ("handoff_claimed", "escalate"),
        ("handoff_created", "escalate"),
    ]
    # And event ids are the stream records' ids: stable across retries
    stream_ids = {r["eventID"] for r in stream_event()["Records"]}
    assert {e["event_id"] for e in pushed} <= stream_ids


def test_records_that_are_not_handoffs_are_ignored(users: dict[str, User]) -> None:
    import stream_router_handler

    # Given the stream of the user seeding (no handoffs), When all of it reaches the router, Then nothing fails
    event = stream_event()
    assert event["Records"]
    assert stream_router_handler.handler(event, lambda_context()) == {"batchItemFailures": []}


def test_a_record_that_fails_is_reported_by_its_sequence_number(api: ApiClient, users: dict[str, User]) -> None:
    import stream_router_handler

    # Given two handoff changes, the second one corrupted
    new_handoff(api, users["junior@acme.test"])
    new_handoff(api, users["junior@acme.test"])
    event = handoff_only(stream_event())
    del event["Records"][1]["dynamodb"]["NewImage"]["version"]
    # When the router runs, Then only the corrupted record is reported for a retry
    result = stream_router_handler.handler(event, lambda_context())
    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["dynamodb"]["SequenceNumber"]}]}


def test_when_the_topic_refuses_everything_the_whole_batch_fails_for_a_retry(api: ApiClient, users: dict[str, User]) -> None:
    import pytest
    from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

    import stream_router_handler

    new_handoff(api, users["junior@acme.test"])
    boto3.client("sns").delete_topic(TopicArn=f"arn:aws:sns:{REGION}:{ACCOUNT}:EventsTopic")
    with pytest.raises(BatchProcessingError):
        stream_router_handler.handler(handoff_only(stream_event()), lambda_context())


def test_a_duplicated_email_delivery_sends_no_second_email(api: ApiClient, users: dict[str, User], aws: dict[str, str]) -> None:
    import email_handler

    # Given an escalation on the email queue
    new_handoff(api, users["junior@acme.test"], "escalate", notes="Exchange is down")
    _route_stream()
    delivery = sqs_event(aws["EmailQueue"])
    # When the email function gets it, and then gets the same message again (at-least-once)
    assert email_handler.handler(delivery, lambda_context()) == {"batchItemFailures": []}
    first = _sent_mail()
    assert email_handler.handler(delivery, lambda_context()) == {"batchItemFailures": []}
    # Then each recipient got exactly one email
    assert len(_sent_mail()) == len(first) == 3
    recipients = sorted(address for mail in first for address in mail.destinations["ToAddresses"])  # type: ignore[attr-defined]
    assert recipients == ["admin@acme.test", "senior2@acme.test", "senior@acme.test"]  # the default policy: no owner


def test_an_engineer_who_turned_email_off_gets_none(api: ApiClient, users: dict[str, User], aws: dict[str, str]) -> None:
    import email_handler

    api.call("PATCH", f"/api/v1/account/users/{users['senior2@acme.test'].id}", users["owner@acme.test"], {"notify_email": False})
    new_handoff(api, users["junior@acme.test"], "escalate")
    _route_stream()
    email_handler.handler(sqs_event(aws["EmailQueue"]), lambda_context())
    assert "senior2@acme.test" not in [a for mail in _sent_mail() for a in mail.destinations["ToAddresses"]]  # type: ignore[attr-defined]


def _connection(connection_id: str, account: str, user: str) -> None:
    from baton.logic import realtime
    from baton.repositories.connections import ConnectionRepository

    realtime.connect(connection_id, account, user, ConnectionRepository("ConnectionsTable", boto3.client("dynamodb")))


def test_push_posts_to_every_connection_of_the_account_and_no_other(
    api: ApiClient, users: dict[str, User], aws: dict[str, str]
) -> None:
    import push_handler

    # Given two acme connections and one globex connection
    _connection("acmeOne", "acme", users["senior@acme.test"].id)
    _connection("acmeTwo", "acme", users["senior2@acme.test"].id)
    _connection("globexOne", "globex", users["senior@globex.test"].id)
    # When an acme escalation reaches the push function
    _, handoff_id = new_handoff(api, users["junior@acme.test"])
    _route_stream()
    assert push_handler.handler(sqs_event(aws["PushQueue"]), lambda_context()) == {"batchItemFailures": []}
    # Then both acme connections got it, globex's did not
    posted = apigatewaymanagementapi_backends[ACCOUNT][REGION].connections
    for connection_id in ("acmeOne", "acmeTwo"):
        assert json.loads(posted[connection_id].data)["handoff"]["id"] == handoff_id
    assert posted["globexOne"].data == b""


def test_a_poison_push_message_fails_alone(users: dict[str, User], aws: dict[str, str], api: ApiClient) -> None:
    import push_handler

    # Given a real event and a message that is not an event, in one batch
    new_handoff(api, users["junior@acme.test"])
    _route_stream()
    boto3.client("sqs").send_message(QueueUrl=aws["PushQueue"], MessageBody="garbage")
    event = sqs_event(aws["PushQueue"])
    poison = next(r["messageId"] for r in event["Records"] if r["body"] == "garbage")
    # When the push function handles the batch, Then only the poison message is reported as failed
    assert push_handler.handler(event, lambda_context()) == {"batchItemFailures": [{"itemIdentifier": poison}]}
