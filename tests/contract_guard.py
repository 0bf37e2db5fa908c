"""Every event a test makes the product build, publish or send is checked against its published contract,
without the test asking for it.

`ContractGuard.install` wraps the points where events leave the product's own code: the event builder
(`baton.domain.events._event`, behind `event_for_change` and `snapshot`), the SNS publisher (handoff and invitation
events, as the JSON text that goes on the topic), the WebSocket reply sender (resume snapshots) and the push
fan-out's poster. tests/conftest.py installs it for every test (`event_contract_guard`, autouse).

A failed check raises where it happens, but a product path may swallow that (the push fan-out counts a post
that raised as failed and goes on; a batch processor reports the record for a retry), so each problem is
also recorded, and `verify` fails the test at teardown if there was any.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.event_contract import check_message


class ContractGuard:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def see(self, where: str, message: Any) -> None:
        try:
            check_message(message)
        except AssertionError as error:
            self.problems.append(f"{where}: {error}")
            raise

    def see_wire(self, where: str, data: bytes | str) -> None:
        """Text or bytes on their way out; what is not JSON is not an event."""
        try:
            message = json.loads(data)
        except ValueError:
            return
        self.see(where, message)

    def verify(self) -> None:
        if self.problems:
            problems, self.problems = self.problems, []
            pytest.fail("events broke their published contract:\n" + "\n".join(problems), pytrace=False)

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from baton.domain import events
        from baton.publishers.connection_poster import ConnectionPoster
        from baton.publishers.sns_events import SnsEventPublisher
        from baton.publishers.websocket_connections import ManagementApiSender

        guard = self
        build, publish, send, post = events._event, SnsEventPublisher._publish, ManagementApiSender.send, ConnectionPoster.post

        def built(*args: Any, **kwargs: Any) -> events.HandoffEvent:
            event = build(*args, **kwargs)
            guard.see("baton.domain.events (built)", event.model_dump(mode="json"))
            return event

        def published(publisher: SnsEventPublisher, message: str, *args: Any, **kwargs: Any) -> None:
            guard.see_wire("SnsEventPublisher (published)", message)
            publish(publisher, message, *args, **kwargs)

        def sent(sender: ManagementApiSender, connection_id: str, data: bytes) -> None:
            guard.see_wire(f"ManagementApiSender (sent to {connection_id})", data)
            send(sender, connection_id, data)

        async def posted(poster: ConnectionPoster, connection_id: str, data: bytes) -> None:
            guard.see_wire(f"ConnectionPoster (pushed to {connection_id})", data)
            await post(poster, connection_id, data)

        monkeypatch.setattr(events, "_event", built)
        monkeypatch.setattr(SnsEventPublisher, "_publish", published)
        monkeypatch.setattr(ManagementApiSender, "send", sent)
        monkeypatch.setattr(ConnectionPoster, "post", posted)
