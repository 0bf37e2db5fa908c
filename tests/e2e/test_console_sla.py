"""The console's SLA parts in headless Chromium: the figures strip, the team page, the policy editor, desktop
notifications for new and overdue escalations, and axe-core. On globex, whose policy it restores."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import Stack
from tests.e2e.console_kit import axe_violations as _axe_violations
from tests.e2e.test_console_lifecycle import (  # noqa: F401 (pytest fixtures shared with the lifecycle tests)
    DOCS,
    SignIn,
    _card,
    _handoff,
    axe_script,
    browser,
    pytestmark,
    sign_in,
)
from tests.e2e.test_sla_ladder import quick_policy

# Records every desktop notification the page makes, and still makes it.
RECORD_NOTIFICATIONS = """
(() => {
  const Real = window.Notification;
  window.__notified = [];
  class Recording extends Real {
    constructor(title, options) { super(title, options); window.__notified.push({ title, ...options }); }
  }
  Object.defineProperty(Recording, "permission", { get: () => Real.permission });
  Recording.requestPermission = (...args) => Real.requestPermission(...args);
  window.Notification = Recording;
})();
"""


@pytest.fixture
def notifying(browser: Browser, stack: Stack) -> Iterator[Page]:  # noqa: F811
    """senior@globex with notifications allowed by the browser (still off in baton until turned on)."""
    context = browser.new_context(viewport={"width": 1100, "height": 900}, reduced_motion="reduce")
    context.grant_permissions(["notifications"], origin=stack.base_url)
    context.add_init_script(RECORD_NOTIFICATIONS)
    page = context.new_page()
    page.goto(stack.base_url + "/")
    page.select_option("#demo-user", "senior@globex.test")
    page.click("#local-sign-in button")
    expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=10_000)
    yield page
    context.close()


def _titles(page: Page) -> list[str]:
    return [str(n["title"]) for n in page.evaluate("window.__notified")]


def test_an_admin_sets_the_ladder_on_the_team_page_and_an_engineer_cannot(
    sign_in: SignIn,  # noqa: F811
    stack: Stack,
    axe_script: Path,  # noqa: F811
) -> None:
    # Given globex's admin on the console: the figures strip sits above the queue
    admin = sign_in("admin@globex.test")
    expect(admin.locator("#figures")).to_be_visible(timeout=5_000)
    expect(admin.locator("#figures")).to_contain_text("Escalations today")
    # When they open Team & SLA, Then the week's figures and the ladder (the defaults) are there
    admin.click("#nav-team")
    expect(admin.locator("#team")).to_be_visible()
    expect(admin.locator("#week")).to_contain_text("Median time to pickup")
    expect(admin.locator("#remind-after")).to_have_value("5")  # minutes on the page, seconds in the API
    # When they set a 1/2/3 minute ladder, Then it is saved and the API has it in seconds
    try:
        for field, value in (("#remind-after", "1"), ("#escalate-after", "2"), ("#repeat-every", "3")):
            admin.fill(field, value)
        admin.click("#policy-form button[type=submit]")
        expect(admin.locator("#policy-message")).to_contain_text("Saved")
        with stack.client("admin@globex.test") as client:
            saved = client.get("/api/v1/account/policy").json()  # policy v2 answers more: the cap, priorities, hours
            assert {name: saved[name] for name in ("remind_after_s", "escalate_after_s", "repeat_every_s")} == {
                "remind_after_s": 60,
                "escalate_after_s": 120,
                "repeat_every_s": 180,
            }
            assert saved["max_level"] == 3 and saved["priorities"]["P1"]["remind_after_s"] == 30
        # And a step under 30 s is refused by the server's own sentence (the browser's check bypassed)
        admin.evaluate("document.querySelector('#policy-form').noValidate = true")
        admin.fill("#remind-after", "0.1")
        admin.click("#policy-form button[type=submit]")
        expect(admin.locator("#policy-message")).to_contain_text("30")
        # And the page has nothing serious for axe-core
        assert _axe_violations(admin, axe_script) == []
        if os.environ.get("BATON_SCREENSHOTS"):
            admin.fill("#remind-after", "1")
            admin.locator("#policy-message").evaluate("el => { el.textContent = ''; }")
            admin.screenshot(path=str(DOCS / "console-team-sla.png"), full_page=True)
    finally:
        with stack.client("admin@globex.test") as client:
            client.put("/api/v1/account/policy", json={"remind_after_s": 300, "escalate_after_s": 900, "repeat_every_s": 900})
    # And back to the queue by the link
    admin.click("#team .back-link")
    expect(admin.locator("#queue")).to_be_visible()
    # Given an engineer, Then the team page shows the figures but no ladder editor
    engineer = sign_in("senior2@globex.test")
    engineer.click("#nav-team")
    expect(engineer.locator("#week")).to_contain_text("Escalations")
    expect(engineer.locator("#policy")).to_be_hidden()


def test_opted_in_desktop_notifications_tell_of_new_and_overdue_escalations_until_switched_off(
    notifying: Page, stack: Stack
) -> None:
    page = notifying
    # Given notifications off (the default): a new escalation makes none
    first = _handoff(stack, notes="before opting in", email="junior@globex.test")
    expect(_card(page, first)).to_be_visible(timeout=5_000)
    page.wait_for_timeout(500)
    assert _titles(page) == []
    # When the senior turns them on on the team page
    page.click("#nav-team")
    page.click("#desktop-toggle")
    expect(page.locator("#desktop-toggle")).to_have_attribute("aria-pressed", "true")
    # Then a new escalation pops up, and ~30 s later, unpicked, its overdue level does too
    with quick_policy(stack):
        handoff_id = _handoff(stack, notes="VPN down", email="junior@globex.test", ticket_ref="INC-30", priority="P1")
        # (other tests' globex escalations may climb meanwhile: only this one's notifications are counted)
        mine = f"window.__notified.filter((n) => n.tag === 'baton-{handoff_id}')"
        page.wait_for_function(f"{mine}.length >= 1", timeout=10_000)
        assert page.evaluate(f"{mine}.map((n) => n.title)") == ["New escalation from Jules Junior (Globex)"]
        assert page.evaluate(f"{mine}[0].silent") is True  # prefers-reduced-motion: no sound
        page.wait_for_function(f"{mine}.length >= 2", timeout=50_000)
        assert page.evaluate(f"{mine}[1].title").startswith("Overdue (level 1)")
        # And the queue card and the figures strip say it is overdue (in words, not only colour)
        page.click("#team .back-link")
        expect(_card(page, handoff_id)).to_have_attribute("data-sla", "overdue", timeout=5_000)
        expect(_card(page, handoff_id).locator(".sla")).to_contain_text("Overdue, level 1")
        expect(page.locator("#figures [data-figure=overdue]")).not_to_have_text("0", timeout=5_000)
        if os.environ.get("BATON_SCREENSHOTS"):
            page.locator("#queue").screenshot(path=str(DOCS / "console-queue-figures-overdue.png"))
        # When they switch them off, Then nothing more pops up, not even the next escalation
        page.click("#nav-team")
        page.click("#desktop-toggle")
        expect(page.locator("#desktop-toggle")).to_have_attribute("aria-pressed", "false")
        shown = len(_titles(page))
        last = _handoff(stack, notes="after opting out", email="junior@globex.test")
        page.click("#team .back-link")
        expect(_card(page, last)).to_be_visible(timeout=5_000)
        page.wait_for_timeout(500)
        assert len(_titles(page)) == shown
        with stack.client("senior@globex.test") as client:  # leave no globex escalation climbing
            for opened in (first, handoff_id, last):
                path = next(h for h in client.get("/api/v1/ai-sessions/queue?limit=200").json() if h["id"] == opened)
                client.post(f"/api/v1/ai-sessions/{path['session_id']}/handoffs/{opened}/claim")
