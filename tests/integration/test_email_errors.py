"""SES errors on the email path: a refusal for good is reported per recipient and never retried,
throttling is retried, and one bad address never keeps the others from their email."""

from __future__ import annotations

from collections import Counter
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from moto.ses.models import ses_backends

from baton.domain.models import User
from local.template import ACCOUNT, REGION
from tests.integration.builders import new_handoff
from tests.integration.conftest import ApiClient, lambda_context
from tests.integration.event_builders import handoff_only, sqs_event, stream_event

NO_ANSWER = "no answer"  # not an SES error code: the connection to SES fails


class FlakySes:
    """The moto SES client, except that chosen recipients get a chosen SES error code (once, or every time)."""

    def __init__(self, real: Any, errors: dict[str, str], times: int | None = None) -> None:
        self._real = real
        self._errors = errors
        self._left = Counter({address: times or 1_000_000 for address in errors})
        self.attempts: Counter[str] = Counter()

    def send_email(self, **request: Any) -> Any:
        to = request["Destination"]["ToAddresses"][0]
        self.attempts[to] += 1
        if self._left[to] > 0:
            self._left[to] -= 1
            if self._errors[to] == NO_ANSWER:
                raise EndpointConnectionError(endpoint_url="https://email.us-east-1.amazonaws.com")
            raise ClientError({"Error": {"Code": self._errors[to], "Message": "refused by the test"}}, "SendEmail")
        return self._real.send_email(**request)


@pytest.fixture
def escalation(api: ApiClient, users: dict[str, User], aws: dict[str, str]) -> dict[str, Any]:
    """A new escalation of acme's junior, routed to the email queue (3 recipients by the default policy)."""
    import stream_router_handler

    new_handoff(api, users["junior@acme.test"], "escalate", notes="Exchange is down")
    stream_router_handler.handler(handoff_only(stream_event()), lambda_context())
    return sqs_event(aws["EmailQueue"])


def _with_ses(monkeypatch: pytest.MonkeyPatch, errors: dict[str, str], times: int | None = None) -> FlakySes:
    real_client = boto3.client
    ses = FlakySes(real_client("ses"), errors, times)
    monkeypatch.setattr(boto3, "client", lambda service, *a, **k: ses if service == "ses" else real_client(service, *a, **k))
    return ses


def _delivered() -> list[str]:
    return sorted(a for mail in ses_backends[ACCOUNT][REGION].sent_messages for a in mail.destinations["ToAddresses"])


@pytest.mark.parametrize("code", ["MessageRejected", "InvalidParameterValue", "MailFromDomainNotVerifiedException"])
def test_a_refused_address_is_reported_and_never_retried_while_the_others_are_emailed(
    escalation: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    users: dict[str, User],
    code: str,
) -> None:
    import email_handler

    # Given SES that refuses one recipient for good
    ses = _with_ses(monkeypatch, {"admin@acme.test": code})
    warnings: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(email_handler.logger, "warning", lambda message, extra: warnings.append((message, extra)))
    # When the email function gets the escalation, and the same message again (at-least-once)
    first = email_handler.handler(escalation, lambda_context())
    second = email_handler.handler(escalation, lambda_context())
    # Then the message is done (no retry), the others got theirs once, the refused address was tried once
    assert first == second == {"batchItemFailures": []}
    assert _delivered() == ["senior2@acme.test", "senior@acme.test"]
    assert ses.attempts["admin@acme.test"] == 1
    # And the refusal is reported for that recipient, with a bounce metric
    assert [(message, extra["recipient_id"], extra["code"]) for message, extra in warnings] == [
        ("email bounced", users["admin@acme.test"].id, code)
    ]
    assert '"EmailsBounced":[1.0]' in capsys.readouterr().out


def test_throttling_is_retried_for_that_recipient_only(
    escalation: dict[str, Any], monkeypatch: pytest.MonkeyPatch, users: dict[str, User]
) -> None:
    import email_handler

    # Given SES that throttles one recipient once
    ses = _with_ses(monkeypatch, {"senior@acme.test": "Throttling"}, times=1)
    # When the email function gets the escalation
    first = email_handler.handler(escalation, lambda_context())
    # Then the message is reported failed (SQS redelivers it), and the others already have their email
    assert [failure["itemIdentifier"] for failure in first["batchItemFailures"]] == [escalation["Records"][0]["messageId"]]
    assert _delivered() == ["admin@acme.test", "senior2@acme.test"]
    # When SQS redelivers it
    assert email_handler.handler(escalation, lambda_context()) == {"batchItemFailures": []}
    # Then only the throttled recipient was sent to again: everyone has exactly one email
    assert _delivered() == ["admin@acme.test", "senior2@acme.test", "senior@acme.test"]
    assert ses.attempts == Counter({"senior@acme.test": 2, "admin@acme.test": 1, "senior2@acme.test": 1})


def _emailed_summaries(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The fields of each "emailed" summary line the email function logs."""
    import email_handler

    summaries: list[dict[str, Any]] = []
    info = email_handler.logger.info

    def record(message: str, *args: Any, extra: dict[str, Any] | None = None, **kwargs: Any) -> None:
        if message == "emailed":
            summaries.append(extra or {})
        info(message, *args, extra=extra, **kwargs)

    monkeypatch.setattr(email_handler.logger, "info", record)
    return summaries


def test_no_answer_from_ses_defers_that_recipient_only(
    escalation: dict[str, Any], monkeypatch: pytest.MonkeyPatch, users: dict[str, User]
) -> None:
    import email_handler

    # Given SES that cannot be reached for one recipient, once (a network error, not an SES answer)
    ses = _with_ses(monkeypatch, {"senior@acme.test": NO_ANSWER}, times=1)
    summaries = _emailed_summaries(monkeypatch)
    # When the email function gets the escalation
    first = email_handler.handler(escalation, lambda_context())
    # Then the others are emailed now, and the message comes back for that one recipient
    assert [failure["itemIdentifier"] for failure in first["batchItemFailures"]] == [escalation["Records"][0]["messageId"]]
    assert _delivered() == ["admin@acme.test", "senior2@acme.test"]
    assert [(s["deferred"], s["bounced"], s["codes"]) for s in summaries] == [(1, 0, ["EndpointConnectionError"])]
    # When SQS redelivers it, only that recipient is tried again
    assert email_handler.handler(escalation, lambda_context()) == {"batchItemFailures": []}
    assert _delivered() == ["admin@acme.test", "senior2@acme.test", "senior@acme.test"]
    assert ses.attempts["senior@acme.test"] == 2 and ses.attempts["admin@acme.test"] == 1


def test_the_summary_line_counts_a_bounce_on_every_delivery_of_the_event(
    escalation: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import email_handler

    # Given SES that refuses one recipient for good
    _with_ses(monkeypatch, {"admin@acme.test": "MessageRejected"})
    summaries = _emailed_summaries(monkeypatch)
    # When the email function gets the escalation twice (at-least-once)
    email_handler.handler(escalation, lambda_context())
    email_handler.handler(escalation, lambda_context())
    # Then each summary says one of four bounced, and why (what `make smoke` reads)
    assert [(s["recipients"], s["bounced"], s["deferred"], s["codes"]) for s in summaries] == [(3, 1, 0, ["MessageRejected"])] * 2
