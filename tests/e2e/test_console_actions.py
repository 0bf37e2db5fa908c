"""The context screen draws its buttons and forms from the context answer's `actions`, in headless Chromium:
an action the console has never heard of (here "snooze", added to the answer on its way to the page) gets
its button, its form and its sentence, and is sent to the API by its name; nothing in web/ names it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, Route, expect

from tests.e2e import console_kit
from tests.e2e.conftest import Stack
from tests.e2e.console_kit import SignIn, axe_violations

# The shared fixtures, by name (empty_queues runs before each test).
browser, sign_in, axe_script, empty_queues = (
    console_kit.browser,
    console_kit.sign_in,
    console_kit.axe_script,
    console_kit.empty_queues,
)
pytestmark = console_kit.needs_chromium

UNTIL = {"name": "until", "label": "Until", "hint": "a time today", "kind": "text", "required": True, "max_length": 5, "rows": 1}
SNOOZE = {
    "action": "snooze",
    "label": "Snooze",
    "primary": False,
    "form": {
        "title": "Put it back in the queue later",
        "submit": "Snooze it",
        "fields": [UNTIL],
    },
    "done": "Snoozed: {created_by_name}'s handoff stays {status} until then.",
}
CONTEXT = re.compile(r".*/api/v1/ai-sessions/[\w-]+/handoffs/[\w-]+$")  # GET: the context answer


def _with_snooze(route: Route) -> None:
    """The real context answer, with one more action at its end."""
    answer = route.fetch()
    body = answer.json()
    body["actions"] = [*body.get("actions", []), SNOOZE]
    route.fulfill(response=answer, json=body)


def _open_context(page: Page, stack: Stack) -> str:
    session_id, handoff_id = stack.escalate()
    page.goto(f"{stack.base_url}/#/handoffs/{session_id}/{handoff_id}")
    return handoff_id


def test_an_action_the_console_does_not_know_gets_its_button_form_and_sentence_from_the_answer(
    sign_in: SignIn, stack: Stack, axe_script: Path
) -> None:
    # Given a senior whose context answers offer "snooze" after what the lifecycle allows him now (Pick Up)
    sam = sign_in("senior@acme.test", live=False)
    sam.route(CONTEXT, _with_snooze)
    sent: list[dict[str, Any]] = []

    def snoozed(route: Route) -> None:  # the server side of the new action: it answers with the handoff
        sent.append(json.loads(route.request.post_data or "null"))
        with stack.client("senior@acme.test") as client:
            handoff = client.get(route.request.url.removesuffix("/snooze")).json()["handoff"]
        route.fulfill(json=handoff)

    sam.route(re.compile(r".*/handoffs/[\w-]+/snooze$"), snoozed)
    # When he opens the escalation
    _open_context(sam, stack)
    # Then its buttons are the answer's, in its order, the new one toggling its form
    shown = sam.locator("#context .action-buttons button:visible")
    expect(shown).to_have_text(["Pick Up", "Snooze"], timeout=10_000)
    toggle = sam.locator("#do-snooze")
    expect(toggle).to_have_attribute("aria-controls", "form-snooze")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_have_class("secondary")
    # When he opens it: focus on its field, labelled with its hint, as the answer describes it
    toggle.click()
    field = sam.locator("#snooze-until")
    expect(field).to_be_focused()
    expect(sam.locator("#form-snooze h4")).to_have_text("Put it back in the queue later")
    expect(sam.locator("label[for=snooze-until]")).to_have_text("Until (a time today)")
    expect(field).to_have_attribute("maxlength", "5")
    expect(field).to_have_attribute("required", "")
    assert axe_violations(sam, axe_script) == []
    # When he sends it
    field.fill("14:00")
    sam.get_by_role("button", name="Snooze it").click()
    # Then the API got it by its name with the form's fields, and he is told the answer's sentence, filled in
    message = sam.locator("#context-message")
    expect(message).to_have_text("Snoozed: Jules Junior (Acme)'s handoff stays open until then.")
    expect(message).to_be_focused()
    assert sent == [{"until": "14:00"}]
    expect(sam.locator("#form-snooze")).to_be_hidden()
    expect(shown).to_have_text(["Pick Up", "Snooze"])


def test_a_button_without_a_form_acts_at_once_and_a_vanished_action_takes_its_form_along(sign_in: SignIn, stack: Stack) -> None:
    # Given a senior on an escalation with the Snooze form open and something typed into it
    sam = sign_in("senior@acme.test", live=False)
    sam.route(CONTEXT, _with_snooze)
    _open_context(sam, stack)
    sam.locator("#do-snooze").click()
    sam.locator("#snooze-until").fill("09:30")
    # When he picks it up instead (a button whose entry has no form), and the next answer no longer offers snooze
    sam.unroute(CONTEXT)
    sam.locator("#do-claim").click()
    # Then the claim was sent at once, the holder's actions replace the old ones, and the form went with its button
    expect(sam.locator("#context-message")).to_have_text(re.compile("^Picked up: it is yours"))
    expect(sam.locator("#context .action-buttons button:visible")).to_have_text(["Release", "Reassign", "Resolve"])
    expect(sam.locator("#form-snooze")).to_have_count(0)
    expect(sam.locator("#context-message")).to_be_focused()
