"""A create's one read: the session and the account's SLA policy in a BatchGetItem, keys left unprocessed asked again."""

from __future__ import annotations

from typing import Any

import pytest

from baton.domain.errors import Transient
from baton.domain.ladder import default_policy
from baton.domain.models import Session
from baton.repositories import handoffs, keys
from baton.repositories.codec import to_attrs
from baton.repositories.handoffs import BATCH_GET_ATTEMPTS, HandoffRepository

SESSION = Session(
    id="s1",
    account_id="acme",
    user_id="junior",
    session_type="guided",
    intake_type="free_text",
    intake_content={},
    status="active",
    conversation_messages=[],
    created_at="2026-11-26T00:00:00.000Z",
)
SESSION_ITEM = to_attrs(handoffs._session_item(SESSION))
ACCOUNT_ITEM = to_attrs(
    {**keys.account_key("acme"), "sla_policy": {"remind_after_s": 60, "escalate_after_s": 120, "repeat_every_s": 180}}
)


class ScriptedClient:
    """Answers each BatchGetItem with the next scripted answer, and keeps what it was asked."""

    def __init__(self, answers: list[dict[str, Any]]) -> None:
        self.answers = answers
        self.asked: list[dict[str, Any]] = []

    def batch_get_item(self, **request: Any) -> dict[str, Any]:
        self.asked.append(request["RequestItems"])
        return self.answers.pop(0)


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(handoffs, "BATCH_GET_BACKOFF_SECONDS", 0.0)


def test_keys_left_unprocessed_are_asked_again_and_both_items_come_back() -> None:
    # Given DynamoDB answering the session first and leaving the account key unprocessed
    account_key = to_attrs(keys.account_key("acme"))
    client = ScriptedClient(
        [
            {"Responses": {"T": [SESSION_ITEM]}, "UnprocessedKeys": {"T": {"Keys": [account_key], "ConsistentRead": True}}},
            {"Responses": {"T": [ACCOUNT_ITEM]}, "UnprocessedKeys": {}},
        ]
    )
    # When a create reads the session and the policy
    session, policy = HandoffRepository("T", client).session_and_policy("acme", "s1")  # type: ignore[arg-type]
    # Then the second request asked for the unprocessed key only, strongly consistent, and both came back
    assert client.asked[1] == {"T": {"Keys": [account_key], "ConsistentRead": True}}
    assert client.asked[0]["T"]["ConsistentRead"] is True
    assert session == SESSION
    assert (policy.remind_after_s, policy.escalate_after_s, policy.repeat_every_s) == (60, 120, 180)


def test_a_missing_session_and_an_account_without_policy_read_as_none_and_the_defaults() -> None:
    # Given neither item stored
    client = ScriptedClient([{"Responses": {"T": []}}])
    # When they are read
    session, policy = HandoffRepository("T", client).session_and_policy("acme", "s1")  # type: ignore[arg-type]
    # Then there is no session, and the policy is the default one
    assert session is None and policy == default_policy()


def test_keys_never_processed_are_a_503_not_a_missing_session() -> None:
    # Given DynamoDB leaving every key unprocessed, every time
    unprocessed = {"Responses": {}, "UnprocessedKeys": {"T": {"Keys": [SESSION_ITEM], "ConsistentRead": True}}}
    client = ScriptedClient([dict(unprocessed) for _ in range(BATCH_GET_ATTEMPTS)])
    # When a create reads, then it is told to retry (503), after the bounded attempts
    with pytest.raises(Transient):
        HandoffRepository("T", client).session_and_policy("acme", "s1")  # type: ignore[arg-type]
    assert len(client.asked) == BATCH_GET_ATTEMPTS
