"""Whatever text the product sends comes out of create → stream → SNS → SQS → push, and out of resume,
exactly as it went in (property-based, over the real local runtime)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.conftest import Stack
from tests.e2e.live import Live

# Any unicode a person or an AI might type (no lone surrogates: JSON text cannot carry them).
text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
triage = st.fixed_dictionaries(
    {},
    optional={
        "ticket_ref": text.filter(lambda s: 0 < len(s) <= 64),
        "client_name": text.filter(bool),
        "subject": text.filter(bool),
        "priority": st.sampled_from(["P1", "P2", "P3", "P4"]),
    },
)


json_value = st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False), text)  # JSON has no NaN or infinity


@given(notes=text, fields=triage, intake=st.dictionaries(text, json_value))
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_what_goes_in_comes_out_of_the_push_and_the_resume(
    stack: Stack, notes: str, fields: dict[str, Any], intake: dict[str, Any]
) -> None:
    async def scenario() -> None:
        since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 1))
        async with Live(stack, "senior@acme.test") as senior:
            # Given a session and an escalation with arbitrary text
            with stack.client("junior@acme.test") as junior:
                body = {"intake_type": "ticket", "intake_content": intake, **fields}
                session = junior.post("/api/v1/ai-sessions", json=body)
                assert session.status_code == 201, session.text
                assert junior.get(f"/api/v1/ai-sessions/{session.json()['id']}").json()["intake_content"] == intake
                created = junior.post(
                    f"/api/v1/ai-sessions/{session.json()['id']}/handoff", json={"intent": "escalate", "engineer_notes": notes}
                )
                assert created.status_code == 201, created.text
            # When it is pushed, and when a client resumes
            pushed = await senior.next_for(created.json()["id"], "handoff_created")
            await senior.send({"action": "resume", "since": since})
            snapshot = await senior.next_for(created.json()["id"], "handoff_snapshot")
            # Then both carry exactly what was sent
            for event in (pushed, snapshot):
                assert event["handoff"]["engineer_notes"] == notes
                for name, value in fields.items():
                    assert event["handoff"]["session"][name] == value

    asyncio.run(scenario())
