"""The escalation console in headless Chromium (Debian's), driven by Playwright, against the local runtime."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.e2e import console_kit
from tests.e2e.conftest import Stack

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

empty_queues = console_kit.empty_queues  # before each test: no open handoffs left by earlier tests
pytestmark = pytest.mark.skipif(
    shutil.which("chromium") is None, reason="Debian's chromium is not installed (apt-get install chromium); .ci/run installs it"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


def _signed_in(browser: Browser, stack: Stack, email: str, reduced_motion: str = "no-preference") -> Page:
    page = browser.new_context(reduced_motion=reduced_motion).new_page()  # type: ignore[arg-type]
    page.goto(stack.base_url + "/")
    page.select_option("#demo-user", email)
    page.click("#local-sign-in button")
    return page


def _live(page: Page) -> None:
    expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=10_000)


def _escalate(stack: Stack, email: str = "junior@acme.test", notes: str = "Need a senior") -> tuple[str, str]:
    with stack.client(email) as client:
        session = client.post("/api/v1/ai-sessions", json={"intake_type": "ticket", "intake_content": {"ticket": "T-9"}}).json()
        handoff = client.post(
            f"/api/v1/ai-sessions/{session['id']}/handoff", json={"intent": "escalate", "engineer_notes": notes}
        )
        return session["id"], handoff.json()["id"]


def _card(page: Page, handoff_id: str):  # type: ignore[no-untyped-def]
    return page.locator(f"li.card[data-id='{handoff_id}']")


def test_two_seniors_see_a_new_escalation_without_reload_and_exactly_one_picks_it_up(browser: Browser, stack: Stack) -> None:
    # Given two acme seniors with the console open
    one, two = _signed_in(browser, stack, "senior@acme.test"), _signed_in(browser, stack, "senior2@acme.test")
    _live(one)
    _live(two)
    # When a junior escalates, Then both see it appear, without a reload
    _, handoff_id = _escalate(stack, notes="Exchange down for the whole office")
    for page in (one, two):
        expect(_card(page, handoff_id)).to_contain_text("Exchange down for the whole office", timeout=5_000)
        expect(_card(page, handoff_id)).to_contain_text("Jules Junior")
    # When both click Pick Up at the same moment
    for page in (one, two):
        page.evaluate("id => document.querySelector(`li.card[data-id='${id}'] .pickup`).click()", handoff_id)
    # Then exactly one gets the context screen and the other is told who picked it up
    expect(one.locator("#context:not([hidden]), li.card .outcome:has-text('Picked up by')").first).to_be_visible(timeout=5_000)
    expect(two.locator("#context:not([hidden]), li.card .outcome:has-text('Picked up by')").first).to_be_visible(timeout=5_000)
    winners = [page for page in (one, two) if page.locator("#context").is_visible()]
    assert len(winners) == 1
    loser = two if winners[0] is one else one
    expect(_card(loser, handoff_id).locator(".outcome")).to_contain_text("Picked up by")
    expect(winners[0].locator("#context-notes")).to_have_text("Exchange down for the whole office")
    expect(winners[0].locator("#context-intake")).to_contain_text("T-9")


def test_after_a_server_side_drop_the_page_reconnects_and_shows_what_it_missed(browser: Browser, stack: Stack) -> None:
    # Given a live console
    page = _signed_in(browser, stack, "admin@acme.test")
    _live(page)
    connection_id = page.evaluate("document.body.dataset.connectionId")
    # When the server drops its WebSocket and an escalation is made while it is away
    assert httpx.delete(f"{stack.base_url}/@connections/{connection_id}").status_code == 204
    expect(page.locator("#connection")).not_to_have_attribute("data-state", "live", timeout=5_000)
    _, handoff_id = _escalate(stack, notes="Made while you were away")
    # Then it reconnects (a new connection) and shows the escalation
    _live(page)
    assert page.evaluate("document.body.dataset.connectionId") != connection_id
    expect(_card(page, handoff_id)).to_contain_text("Made while you were away", timeout=10_000)


def test_a_globex_page_never_shows_acmes_escalation(browser: Browser, stack: Stack) -> None:
    acme, globex = _signed_in(browser, stack, "owner@acme.test"), _signed_in(browser, stack, "senior@globex.test")
    _live(acme)
    _live(globex)
    _, handoff_id = _escalate(stack, notes="acme only")
    expect(_card(acme, handoff_id)).to_be_visible(timeout=5_000)
    globex.wait_for_timeout(1_000)
    expect(_card(globex, handoff_id)).to_have_count(0)
    assert "acme only" not in globex.content()


@pytest.mark.parametrize(("motion", "animation"), [("reduce", "none"), ("no-preference", "slide-in")])
def test_the_slide_in_respects_prefers_reduced_motion(browser: Browser, stack: Stack, motion: str, animation: str) -> None:
    page = _signed_in(browser, stack, "senior@acme.test", reduced_motion=motion)
    _live(page)
    _, handoff_id = _escalate(stack)
    card = _card(page, handoff_id)
    expect(card).to_have_class("card arriving", timeout=5_000)
    assert card.evaluate("element => getComputedStyle(element).animationName") == animation


def test_a_viewer_is_told_why_there_is_no_queue(browser: Browser, stack: Stack) -> None:
    page = _signed_in(browser, stack, "viewer@acme.test")
    expect(page.locator("#viewer")).to_contain_text("engineer role")
    expect(page.locator("#queue")).to_be_hidden()
    expect(page.locator(".pickup")).to_have_count(0)
    # And no live indicator: a viewer has no live connection, so "Offline" would mean nothing
    expect(page.locator("#connection")).to_be_hidden()
    # When they look up an id that is not one, Then the form says what an id looks like
    page.fill("#session-id", "not-an-id")
    page.click("#session-lookup button")
    expect(page.locator("#viewer-message")).to_contain_text("36 characters")
    expect(page.locator("#session-id")).to_be_focused()
    # When they look up a session, Then its facts read as facts, not as raw JSON
    session_id, _ = _escalate(stack)
    page.fill("#session-id", session_id)
    page.click("#session-lookup button")
    facts = page.locator("#viewer-facts")
    expect(facts).to_contain_text("troubleshooting, from ticket")
    expect(page.locator("#viewer-intake")).to_contain_text("T-9")
    expect(page.locator("#viewer-session")).not_to_contain_text("{")
    expect(page.locator("#viewer-session-title")).to_be_focused()


def test_the_filter_shows_escalations_or_parks(browser: Browser, stack: Stack) -> None:
    page = _signed_in(browser, stack, "senior2@acme.test")
    _live(page)
    with stack.client("junior@acme.test") as junior:
        session = junior.post("/api/v1/ai-sessions", json={"intake_type": "ticket", "intake_content": {}}).json()
        parked = junior.post(f"/api/v1/ai-sessions/{session['id']}/handoff", json={"intent": "park"}).json()["id"]
    expect(_card(page, parked)).to_be_visible(timeout=5_000)
    page.check("input[name=intent][value=escalate]")
    expect(_card(page, parked)).to_have_count(0)
    page.check("input[name=intent][value=park]")
    expect(_card(page, parked)).to_be_visible()
