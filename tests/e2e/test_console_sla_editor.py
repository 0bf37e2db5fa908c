"""The SLA policy's clocks on the Team & SLA page, in headless Chromium: an admin gives P1 its own, faster steps
around the clock and sets business hours (a zone, a week, a day off) by keyboard and mouse; they are saved, kept
over a reload and answered by the API; a bad span is refused with the API's sentence; axe-core finds nothing.
On acme, whose policy it puts back as it was.

Set BATON_SCREENSHOTS=1 to (re)write docs/console-sla-editor*.png.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from baton.domain.ladder import PRIORITIES, Steps, default_priorities
from tests.e2e import console_kit
from tests.e2e.conftest import Stack
from tests.e2e.console_kit import PHONE_WIDTH, SignIn, axe_violations, overflows

browser, sign_in, axe_script, empty_queues = (
    console_kit.browser,
    console_kit.sign_in,
    console_kit.axe_script,
    console_kit.empty_queues,
)
pytestmark = console_kit.needs_chromium

DOCS = Path(__file__).resolve().parents[2] / "docs"
POLICY = "/api/v1/account/policy"
ADMIN = "admin@acme.test"
STEPS = ("remind_after_s", "escalate_after_s", "repeat_every_s")


def _screenshot(page: Page, name: str, part: str = "#policy") -> None:
    if os.environ.get("BATON_SCREENSHOTS"):
        page.locator(part).screenshot(path=str(DOCS / f"console-sla-editor{name}.png"))


@pytest.fixture
def acme_policy_kept(stack: Stack) -> Iterator[dict[str, Any]]:
    """acme's policy as it was before the test, put back after it (the priorities that were the defaults left out,
    so they keep following the steps, as before)."""
    with stack.client(ADMIN) as client:
        before = client.get(POLICY).json()
    yield before
    defaults = default_priorities(Steps(**{name: before[name] for name in STEPS}))
    own = {p: steps for p, steps in before["priorities"].items() if steps != defaults[p].model_dump()}
    restored = {**{name: before[name] for name in (*STEPS, "max_level", "business_hours", "notify")}, "priorities": own}
    with stack.client(ADMIN) as client:
        reply = client.put(POLICY, json=restored)
        assert reply.status_code == 200, reply.text


def _team(page: Page) -> None:
    page.click("#nav-team")
    expect(page.locator("#policy")).to_be_visible(timeout=5_000)
    expect(page.locator("#remind-after")).not_to_have_value("", timeout=5_000)


def test_an_admin_sets_p1s_own_clock_and_business_hours_with_a_day_off_and_they_are_kept(
    sign_in: SignIn, stack: Stack, axe_script: Path, acme_policy_kept: dict[str, Any]
) -> None:
    # Given acme's ladder of 5/15/15 minutes without business hours, and its admin on Team & SLA
    with stack.client(ADMIN) as client:
        start = {"remind_after_s": 300, "escalate_after_s": 900, "repeat_every_s": 900, "business_hours": None}
        assert client.put(POLICY, json=start).status_code == 200
    admin = sign_in(ADMIN)
    _team(admin)
    # Then the steps read in minutes, and P1 follows the ladder (half of each step, around the clock), disabled
    expect(admin.locator("#remind-after")).to_have_value("5")
    expect(admin.locator("#prio-P1-own")).not_to_be_checked()
    expect(admin.locator("#prio-P1-remind_after_s")).to_have_value("2.5")
    expect(admin.locator("#prio-P1-remind_after_s")).to_be_disabled()
    expect(admin.locator("#prio-P1-always")).to_be_checked()
    expect(admin.locator("#hours-off")).to_be_checked()
    expect(admin.locator("#hours-detail")).to_be_hidden()
    # And a priority that follows the ladder follows it as it is typed
    admin.fill("#remind-after", "6")
    expect(admin.locator("#prio-P2-remind_after_s")).to_have_value("6")
    admin.fill("#remind-after", "5")

    # When the admin gives P1 its own steps (by keyboard: Space on the box) of 1, 2 and 3 minutes, around the clock
    admin.focus("#prio-P1-own")
    admin.keyboard.press("Space")
    expect(admin.locator("#prio-P1-remind_after_s")).to_be_enabled()
    for name, minutes in zip(STEPS, ("1", "2", "3"), strict=True):
        admin.fill(f"#prio-P1-{name}", minutes)
    expect(admin.locator("#prio-P1-always")).to_be_checked()
    # And sets business hours in Berlin: weekdays 08:00-18:00 (offered), Monday until 17:00, Saturday 09:00-13:00
    admin.check("#hours-on")
    expect(admin.locator("#hours-detail")).to_be_visible()
    admin.select_option("#hours-zone", "Europe/Berlin")
    expect(admin.locator("#day-sun-closed")).to_have_text("Closed")
    admin.fill("#day-mon-1-closes", "17:00")
    admin.click("#day-sat-add")
    expect(admin.locator("#day-sat-1-opens")).to_be_focused()
    admin.fill("#day-sat-1-opens", "09:00")
    admin.fill("#day-sat-1-closes", "13:00")
    # And Christmas Day off (typed, then Enter), and a day added by mistake and removed again
    for day in ("2026-12-25", "2026-12-24"):
        admin.fill("#holiday-new", day)
        admin.press("#holiday-new", "Enter")
    expect(admin.locator("#holidays li")).to_have_count(2)
    admin.get_by_role("button", name="Remove Thu 24 Dec 2026").click()
    expect(admin.locator("#holidays li")).to_have_text([re.compile("Fri 25 Dec 2026")])
    expect(admin.locator("#holiday-new")).to_be_focused()
    assert axe_violations(admin, axe_script) == []
    _screenshot(admin, "")
    admin.click("#policy-form button[type=submit]")
    # Then it is saved
    expect(admin.locator("#policy-message")).to_have_text(re.compile("^Saved"), timeout=5_000)
    expect(admin.locator("#policy-message")).to_be_focused()
    expect(admin.locator("#policy-summary")).to_contain_text("P1: level 1 after 1 min, around the clock")

    # And the API answers it, in seconds: P1's own steps, P2 still the ladder's, the hours as set
    with stack.client(ADMIN) as client:
        saved = client.get(POLICY).json()
    ladder = {"remind_after_s": 300, "escalate_after_s": 900, "repeat_every_s": 900}
    assert saved["priorities"]["P1"] == {"remind_after_s": 60, "escalate_after_s": 120, "repeat_every_s": 180, "always_on": True}
    assert saved["priorities"]["P2"] == {**ladder, "always_on": False}
    weekday = [["08:00", "18:00"]]
    weekly = {"mon": [["08:00", "17:00"]], **dict.fromkeys(("tue", "wed", "thu", "fri"), weekday), "sat": [["09:00", "13:00"]]}
    assert saved["business_hours"] == {"time_zone": "Europe/Berlin", "weekly": weekly, "holidays": ["2026-12-25"]}
    assert {name: saved[name] for name in STEPS} == ladder

    # When the page is loaded again, Then the editor shows what was saved
    admin.reload()
    expect(admin.locator("#sign-out")).to_be_visible(timeout=10_000)
    _team(admin)
    expect(admin.locator("#prio-P1-own")).to_be_checked()
    expect(admin.locator("#prio-P1-remind_after_s")).to_have_value("1")
    expect(admin.locator("#prio-P1-repeat_every_s")).to_have_value("3")
    expect(admin.locator("#prio-P2-own")).not_to_be_checked()
    expect(admin.locator("#hours-on")).to_be_checked()
    expect(admin.locator("#hours-zone")).to_have_value("Europe/Berlin")
    expect(admin.locator("#day-mon-1-closes")).to_have_value("17:00")
    expect(admin.locator("#day-sat-1-opens")).to_have_value("09:00")
    expect(admin.locator("#day-sun-closed")).to_be_visible()
    expect(admin.locator("#holidays li")).to_have_text([re.compile("Fri 25 Dec 2026")])
    assert axe_violations(admin, axe_script) == []

    # When a span that ends before it starts is sent (the browser's own checks set aside)
    admin.evaluate("document.querySelector('#policy-form').noValidate = true")
    admin.fill("#day-sat-1-closes", "08:00")
    admin.click("#policy-form button[type=submit]")
    # Then the API's sentence says what is wrong, and nothing changed
    message = admin.locator("#policy-message")
    expect(message).to_contain_text("a span must end after it starts", timeout=5_000)
    expect(message).to_have_attribute("data-tone", "error")
    with stack.client(ADMIN) as client:
        assert client.get(POLICY).json()["business_hours"]["weekly"]["sat"] == [["09:00", "13:00"]]
    admin.fill("#day-sat-1-closes", "13:00")

    # And on a phone the editor fits the screen, with nothing for axe-core
    admin.set_viewport_size({"width": PHONE_WIDTH, "height": 844})
    assert not overflows(admin)
    assert axe_violations(admin, axe_script) == []
    _screenshot(admin, "-phone", "#policy-form .sla-hours")


def test_around_the_clock_sends_no_business_hours_and_p1_back_to_the_ladder(
    sign_in: SignIn, stack: Stack, acme_policy_kept: dict[str, Any]
) -> None:
    # Given acme with business hours and a P1 of its own
    with stack.client(ADMIN) as client:
        hours = {"time_zone": "UTC", "weekly": {"mon": [["09:00", "17:00"]]}, "holidays": []}
        p1 = {"remind_after_s": 60, "escalate_after_s": 60, "repeat_every_s": 60, "always_on": False}
        ladder = {"remind_after_s": 300, "escalate_after_s": 900, "repeat_every_s": 900}
        assert client.put(POLICY, json={**ladder, "business_hours": hours, "priorities": {"P1": p1}}).status_code == 200
    admin = sign_in(ADMIN)
    _team(admin)
    expect(admin.locator("#prio-P1-always")).not_to_be_checked()
    # When the admin sets the clock around the clock and P1 back to the ladder's, and saves
    admin.check("#hours-off")
    admin.uncheck("#prio-P1-own")
    expect(admin.locator("#prio-P1-remind_after_s")).to_have_value("2.5")
    admin.click("#policy-form button[type=submit]")
    expect(admin.locator("#policy-message")).to_have_text(re.compile("^Saved"), timeout=5_000)
    # Then there are no business hours, and every priority has the defaults again
    with stack.client(ADMIN) as client:
        saved = client.get(POLICY).json()
    assert saved["business_hours"] is None
    defaults = default_priorities(Steps(**ladder))
    assert saved["priorities"] == {p: defaults[p].model_dump() for p in PRIORITIES}
