"""Chat tests' world: acme's people, an open escalation, and in-memory stand-ins for the chat ports."""

from __future__ import annotations

from typing import Any

from baton.api_models import HandoffCreate, SessionCreate
from baton.connectors import slack_app as connector
from baton.connectors.slack_app import SlackApp
from baton.domain.chat import ChatLink, ChatMessageRef, ChatProvider, Click, LinkCode
from baton.domain.errors import Invalid
from baton.domain.events import HandoffEvent, event_for_change
from baton.domain.lifecycle import Action
from baton.domain.models import Handoff, Role
from baton.logic import handoffs, sessions
from baton.logic import slack_app as logic
from local.providers.slack_api import button_click
from tests.unit.fakes import InMemoryHandoffs, InMemoryUsers, person

CONSOLE = "https://console.example"
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
APP = SlackApp(channel_id="CESCALATE", bot_token="xoxb-acme", signing_secret=SECRET)


# --- fakes of the ports ------------------------------------------------------------------------------------
class InMemoryChatLinks:
    def __init__(self) -> None:
        self.codes: dict[str, LinkCode] = {}
        self.links: dict[tuple[str, str, str], ChatLink] = {}

    def put_code(self, code: LinkCode) -> None:
        self.codes[code.code] = code

    def take_code(self, code: str, now: str) -> LinkCode | None:
        found = self.codes.pop(code, None)
        return found if found and found.expires_at > now else None

    def link(self, link: ChatLink) -> None:
        self.links[(link.account_id, link.provider, link.external_id)] = link

    def find(self, account_id: str, provider: ChatProvider, external_id: str) -> ChatLink | None:
        return self.links.get((account_id, provider, external_id))

    def of_user(self, account_id: str, user_id: str) -> list[ChatLink]:
        return [link for link in self.links.values() if link.account_id == account_id and link.user_id == user_id]

    def unlink(self, link: ChatLink) -> None:
        self.links.pop((link.account_id, link.provider, link.external_id), None)


class InMemoryChatMessages:
    def __init__(self) -> None:
        self.refs: dict[tuple[str, str], ChatMessageRef] = {}

    def record(self, ref: ChatMessageRef) -> None:
        self.refs[(ref.channel, ref.message_id)] = ref

    def of_handoff(self, account_id: str, handoff_id: str) -> list[ChatMessageRef]:
        return [r for r in self.refs.values() if r.account_id == account_id and r.handoff_id == handoff_id]

    def advance(self, ref: ChatMessageRef, version: int) -> bool:
        current = self.refs[(ref.channel, ref.message_id)]
        if current.version >= version:
            return False
        self.refs[(ref.channel, ref.message_id)] = current.model_copy(update={"version": version})
        return True


class RecordingSlack:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.refuse_ephemeral = False

    def post_message(self, token: str, channel: str, message: dict[str, Any]) -> str:
        self.calls.append(("chat.postMessage", {"channel": channel, **message}))
        return f"1700000000.{len(self.calls):06d}"

    def update_message(self, token: str, channel: str, ts: str, message: dict[str, Any]) -> None:
        self.calls.append(("chat.update", {"channel": channel, "ts": ts, **message}))

    def post_ephemeral(self, token: str, channel: str, user: str, text: str) -> None:
        if self.refuse_ephemeral:
            raise Invalid("Slack refused the call: channel_not_found.")
        self.calls.append(("chat.postEphemeral", {"channel": channel, "user": user, "text": text}))

    def open_view(self, token: str, trigger_id: str, view: dict[str, Any]) -> None:
        self.calls.append(("views.open", {"trigger_id": trigger_id, "view": view}))


class World:
    """acme's people, an open escalation by the junior, and the Slack side."""

    def __init__(self) -> None:
        self.junior = person(Role.ENGINEER, name="jules")
        self.sam = person(Role.ENGINEER, name="sam")
        self.kim = person(Role.ENGINEER, name="kim")
        self.viewer = person(Role.VIEWER, name="vic")
        self.foreign = person(Role.ENGINEER, account="globex", name="gus")
        self.users = InMemoryUsers(self.junior, self.sam, self.kim, self.viewer, self.foreign)
        self.store = InMemoryHandoffs()
        self.links = InMemoryChatLinks()
        self.messages = InMemoryChatMessages()
        self.slack = RecordingSlack()
        session = sessions.create_session(self.junior, SessionCreate(intake_type="ticket", intake_content={"t": 1}), self.store)
        self.handoff = handoffs.create_handoff(
            self.junior, session.id, HandoffCreate(intent="escalate", engineer_notes="VPN"), self.store
        )
        for user, slack_id in ((self.sam, "USAM"), (self.kim, "UKIM"), (self.viewer, "UVIC")):
            self.links.link(ChatLink(account_id="acme", provider="slack", external_id=slack_id, user_id=user.id, linked_at="t"))

    @property
    def deps(self) -> logic.Inbound:
        return logic.Inbound(self.links, self.users, self.store, self.slack, CONSOLE)

    def current(self) -> Handoff:
        found = self.store.get_handoff("acme", self.handoff.session_id, self.handoff.id)
        assert found is not None
        return found

    def click(self, slack_user: str, action: Action, notes: str | None = None) -> Click:
        return Click(
            provider="slack",
            account_id="acme",
            external_id=slack_user,
            action=action,
            session_id=self.handoff.session_id,
            handoff_id=self.handoff.id,
            notes=notes,
        )

    def press(self, slack_user: str, action: Action) -> logic.HookAnswer:
        value = f"{self.handoff.session_id}/{self.handoff.id}"
        body = button_click(slack_user, connector.ACTION_IDS[action], value, "CESCALATE", "1700000000.000001", "trig")
        return logic.receive("acme", body, APP, self.deps)


def event_of(before: Handoff | None, after: Handoff, n: int) -> HandoffEvent:
    event = event_for_change(before, after, f"event-{n}")
    assert event is not None
    return event
