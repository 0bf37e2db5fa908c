"""Small builders for API calls that many tests need."""

from __future__ import annotations

from typing import Any

from baton.domain.models import User
from tests.integration.conftest import ApiClient

SESSION_BODY: dict[str, Any] = {
    "session_type": "troubleshooting",
    "intake_type": "ticket",
    "intake_content": {"ticket": "T-1001", "subject": "Outlook cannot reach Exchange"},
    "confidence_tier": "low",
    "conversation_messages": [
        {"role": "user", "content": "Outlook shows disconnected since 9am."},
        {"role": "assistant", "content": "Check autodiscover DNS records."},
    ],
}


def new_session(api: ApiClient, user: User) -> str:
    reply = api.call("POST", "/api/v1/ai-sessions", user, SESSION_BODY)
    assert reply.status == 201, reply.body
    return str(reply.body["id"])


def new_handoff(api: ApiClient, user: User, intent: str = "escalate", notes: str = "Need a senior") -> tuple[str, str]:
    session_id = new_session(api, user)
    reply = api.call("POST", f"/api/v1/ai-sessions/{session_id}/handoff", user, {"intent": intent, "engineer_notes": notes})
    assert reply.status == 201, reply.body
    return session_id, str(reply.body["id"])


def handoff_path(session_id: str, handoff_id: str, action: str = "") -> str:
    path = f"/api/v1/ai-sessions/{session_id}/handoffs/{handoff_id}"
    return f"{path}/{action}" if action else path
