"""Whatever JSON and text the product sends comes out of create → stream → SNS → SQS → push, out of resume,
and out of every read that carries it, exactly as it went in, or is refused up front with a 422
(property-based, over the real local runtime)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from tests.e2e.conftest import Stack
from tests.e2e.live import Live
from tests.json_strategies import json_documents, refusal, unicode_text

text = unicode_text.filter(bool)
triage = st.fixed_dictionaries(
    {},
    optional={
        "ticket_ref": unicode_text.filter(lambda s: 0 < len(s) <= 64),
        "client_name": text,
        "subject": text,
        "priority": st.sampled_from(["P1", "P2", "P3", "P4"]),
    },
)
# JSON text with \u escapes (json.dumps' default), which can carry a lone surrogate; httpx's `json=` writes raw UTF-8.
JSON = {"content-type": "application/json"}
DEEP: dict[str, Any] = {}
_level = DEEP
for _ in range(40):
    _level = _level.setdefault("a", {})


@given(notes=unicode_text, fields=triage, intake=json_documents)
@example(notes="", fields={}, intake={"x": "\ud800"})
@example(notes="", fields={}, intake={"\udfff": [1]})
@example(notes="", fields={}, intake=DEEP)
@example(notes="✓", fields={}, intake={"": {"": [10**60, -(10**60), 5e-324, 1.7976931348623157e308, None, True, "日本語"]}})
@settings(max_examples=32, deadline=None, suppress_health_check=list(HealthCheck))
def test_what_goes_in_comes_out_of_every_read_the_push_and_the_resume(
    stack: Stack, notes: str, fields: dict[str, Any], intake: dict[str, Any]
) -> None:
    async def scenario() -> None:
        since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 1))
        async with Live(stack, "senior@acme.test") as senior:
            with stack.client("junior@acme.test") as junior:
                # When a junior creates a session with arbitrary JSON and text
                body = {"intake_type": "ticket", "intake_content": intake, **fields}
                session = junior.post("/api/v1/ai-sessions", content=json.dumps(body), headers=JSON)
                # Then it is refused up front with a 422 that says why, or stored: read back exactly as sent
                if (reason := refusal(intake)) is not None:
                    event(f"refused: {reason}")
                    assert session.status_code == 422 and reason in session.json()["detail"], session.text
                    return
                event("stored")
                assert session.status_code == 201 and session.json()["intake_content"] == intake, session.text
                session_id = session.json()["id"]
                assert junior.get(f"/api/v1/ai-sessions/{session_id}").json()["intake_content"] == intake
                # When it is escalated
                created = junior.post(
                    f"/api/v1/ai-sessions/{session_id}/handoff", json={"intent": "escalate", "engineer_notes": notes}
                )
                assert created.status_code == 201, created.text
                handoff_id = created.json()["id"]
            # Then the push and the resume snapshot carry exactly what was sent (both contract-checked by Live)
            pushed = await senior.next_for(handoff_id, "handoff_created")
            await senior.send({"action": "resume", "since": since})
            snapshot = await senior.next_for(handoff_id, "handoff_snapshot")
            for message in (pushed, snapshot):
                assert message["handoff"]["engineer_notes"] == notes
                for name, value in fields.items():
                    assert message["handoff"]["session"][name] == value
            # And the senior who opens it reads the session's JSON exactly as sent
            with stack.client("senior@acme.test") as reader:
                context = reader.get(f"/api/v1/ai-sessions/{session_id}/handoffs/{handoff_id}")
                assert context.status_code == 200, context.text
                assert context.json()["session"]["intake_content"] == intake

    asyncio.run(scenario())
