"""The console's handoff lifecycle in headless Chromium: the timeline, the actions the server allows
(Pick Up, Release, Reassign, Escalate, Withdraw, Resolve), triage on cards, live updates between
several signed-in people at once, and an axe-core accessibility check.

Set BATON_SCREENSHOTS=1 to (re)write docs/console-lifecycle-*.png.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e import console_kit
from tests.e2e.conftest import Stack
from tests.e2e.console_kit import TOUCH_TARGET_PX, SignIn, axe_violations

# The shared fixtures, by name (empty_queues runs before each test).
browser, sign_in, axe_script, empty_queues = (
    console_kit.browser,
    console_kit.sign_in,
    console_kit.axe_script,
    console_kit.empty_queues,
)
DOCS = Path(__file__).resolve().parents[2] / "docs"
pytestmark = console_kit.needs_chromium


def _session(stack: Stack, email: str = "junior@acme.test", **triage: str) -> str:
    with stack.client(email) as client:
        body: dict[str, Any] = {"intake_type": "ticket", "intake_content": {"ticket": "T-9"}, **triage}
        reply = client.post("/api/v1/ai-sessions", json=body)
        assert reply.status_code == 201, reply.text
        return str(reply.json()["id"])


def _handoff(
    stack: Stack, intent: str = "escalate", notes: str = "Need a senior", email: str = "junior@acme.test", **triage: str
) -> str:
    session_id = _session(stack, email, **triage)
    with stack.client(email) as client:
        reply = client.post(f"/api/v1/ai-sessions/{session_id}/handoff", json={"intent": intent, "engineer_notes": notes})
        assert reply.status_code == 201, reply.text
        return str(reply.json()["id"])


def _card(page: Page, handoff_id: str, within: str = "#queue-list") -> Locator:
    return page.locator(f"{within} li.card[data-id='{handoff_id}']")


def _action(page: Page, name: str) -> Locator:
    """A toggle of the context screen's actions, by its visible label."""
    return page.locator("#context .action-buttons button", has_text=re.compile(f"^{name}$"))


def _expect_actions(page: Page, names: list[str]) -> None:
    """Exactly these action buttons are shown on the context screen, in this order."""
    shown = page.locator("#context .action-buttons button:visible")
    if names:
        expect(shown).to_have_text(names, timeout=5_000)
    else:
        expect(shown).to_have_count(0, timeout=5_000)


def _screenshot(target: Page | Locator, name: str) -> None:
    if os.environ.get("BATON_SCREENSHOTS"):
        path = str(DOCS / f"console-lifecycle-{name}.png")
        target.screenshot(path=path, full_page=True) if isinstance(target, Page) else target.screenshot(path=path)


def test_a_senior_reassigns_to_senior2_whose_open_console_shows_it_with_the_timeline(sign_in: SignIn, stack: Stack) -> None:
    # Given two seniors with the console open, and a new escalation
    sam, sasha = sign_in("senior@acme.test"), sign_in("senior2@acme.test")
    handoff_id = _handoff(stack, notes="Printer fleet offline", ticket_ref="INC-7", client_name="Contoso", priority="P2")
    expect(_card(sasha, handoff_id)).to_be_visible(timeout=5_000)
    # When Sam picks it up, Then he may release, reassign or resolve it, nothing else
    _card(sam, handoff_id).locator(".pickup").click()
    expect(sam.locator("#context")).to_be_visible(timeout=5_000)
    expect(sam.locator("#context-message")).to_contain_text("Picked up")
    _expect_actions(sam, ["Release", "Reassign", "Resolve"])
    expect(_card(sasha, handoff_id)).to_have_count(0, timeout=5_000)  # it left Sasha's open queue
    # When he opens Reassign: focus is on the colleague picker (engineers, admins, owners; not him, not the viewer)
    _action(sam, "Reassign").click()
    expect(_action(sam, "Reassign")).to_have_attribute("aria-expanded", "true")
    expect(sam.locator("#reassign-to")).to_be_focused()
    options = sam.locator("#reassign-to option").all_inner_texts()
    assert "Sasha Senior (Acme) — engineer" in options and "Olive Owner (Acme) — owner" in options
    assert not [option for option in options if "Sam Senior" in option or "viewer" in option]
    sam.select_option("#reassign-to", label="Sasha Senior (Acme) — engineer")
    sam.fill("#reassign-reason", "Sasha knows this client's printers")
    _screenshot(sam, "context-reassign")
    sam.get_by_role("button", name="Hand it over").click()
    # Then Sam is told, focus is on what he was told, and he has nothing left to do on it
    expect(sam.locator("#context-message")).to_have_text("Handed to Sasha Senior (Acme).")
    expect(sam.locator("#no-actions")).to_be_visible()
    _expect_actions(sam, [])
    expect(sam.locator("#context-message")).to_be_focused()
    entry = sam.locator("#context-timeline li").last
    expect(entry).to_contain_text("Sam Senior (Acme) reassigned it")
    expect(entry.locator(".assignee")).to_have_text("Sasha Senior (Acme)")
    expect(entry).to_contain_text("Reason: Sasha knows this client's printers")
    # And Sasha's open console shows it under "Picked up by you", live, with its triage
    mine = _card(sasha, handoff_id, within="#mine-list")
    expect(mine).to_contain_text("Printer fleet offline", timeout=5_000)
    expect(mine).to_contain_text("INC-7")
    expect(sasha.locator("#announcer")).to_contain_text("Sam Senior (Acme) handed you")
    # When she opens it, Then she sees who did what, and her own actions
    mine.get_by_role("button", name=re.compile("^Open")).click()
    expect(sasha.locator("#context-title")).to_have_text("Escalation from Jules Junior (Acme)")
    expect(sasha.locator("#context-timeline li")).to_have_count(3)
    texts = sasha.locator("#context-timeline li").all_inner_texts()
    assert "Jules Junior (Acme) handed it off" in texts[0]
    assert "Sam Senior (Acme) picked it up" in texts[1]
    assert "Sam Senior (Acme) reassigned it" in texts[2] and "Sasha Senior (Acme)" in texts[2]
    assert "Reason: Sasha knows this client's printers" in texts[2]
    _expect_actions(sasha, ["Release", "Reassign", "Resolve"])
    _screenshot(sasha, "context-senior")
    # When she releases it with a reason (keyboard only), Then it is back in Sam's open queue, live
    _action(sasha, "Release").focus()
    sasha.keyboard.press("Enter")
    expect(sasha.locator("#release-reason")).to_be_focused()
    sasha.keyboard.type("Waiting on the vendor; someone else take it")
    sasha.keyboard.press("Tab")
    sasha.keyboard.press("Enter")
    expect(sasha.locator("#context-message")).to_have_text("Released: it is back in the queue.")
    _expect_actions(sasha, ["Pick Up"])
    sam.get_by_role("button", name="← Back to the queue").click()
    expect(_card(sam, handoff_id)).to_be_visible(timeout=5_000)
    expect(_card(sasha, handoff_id, within="#mine-list")).to_have_count(0)


def test_a_junior_sees_withdraw_not_pick_up_on_their_escalation_and_withdrawing_it_removes_it_live(
    sign_in: SignIn, stack: Stack
) -> None:
    # Given a senior's live queue and a junior's own escalation
    senior, junior = sign_in("senior@acme.test"), sign_in("junior@acme.test")
    handoff_id = _handoff(stack, notes="Mailbox migration stuck at 40 %", subject="Mailbox migration", priority="P1")
    expect(_card(senior, handoff_id)).to_be_visible(timeout=5_000)
    # When the junior looks at their own card in the queue, Then it says it is theirs and offers no Pick Up
    expect(_card(junior, handoff_id)).to_be_visible(timeout=5_000)
    expect(_card(junior, handoff_id).locator(".standing")).to_have_text("You handed this off.")
    expect(_card(junior, handoff_id).locator(".pickup")).to_be_hidden()
    expect(_card(senior, handoff_id).locator(".pickup")).to_be_visible()
    # When they open its details, Then they may withdraw it, and nothing else
    _card(junior, handoff_id).get_by_role("button", name=re.compile("^Details of")).click()
    expect(junior.locator("#context")).to_be_visible()
    expect(junior.locator("#context-title")).to_be_focused()
    _expect_actions(junior, ["Withdraw"])
    expect(_action(junior, "Pick Up")).to_be_hidden()
    _screenshot(junior, "context-junior")
    # When they withdraw it with a reason
    _action(junior, "Withdraw").click()
    junior.fill("#withdraw-reason", "Fixed it myself after a restart")
    junior.get_by_role("button", name="Withdraw it").click()
    # Then they are told, the timeline says why, and the senior's card disappears without a reload
    expect(junior.locator("#context-message")).to_have_text("Withdrawn: it has left the queue.")
    expect(junior.locator("#context-message")).to_be_focused()
    expect(junior.locator("#context-facts")).to_contain_text("withdrawn")
    expect(junior.locator("#context-timeline li").last).to_contain_text("Jules Junior (Acme) withdrew it")
    expect(junior.locator("#context-timeline li").last).to_contain_text("Reason: Fixed it myself after a restart")
    expect(junior.locator("#no-actions")).to_be_visible()
    expect(_card(senior, handoff_id)).to_have_count(0, timeout=5_000)


def test_the_creator_escalates_their_park_from_the_console_and_the_seniors_card_turns_into_an_escalation(
    sign_in: SignIn, stack: Stack
) -> None:
    senior, junior = sign_in("senior@acme.test"), sign_in("junior@acme.test")
    handoff_id = _handoff(stack, intent="park", notes="Waiting for the firewall logs")
    expect(_card(senior, handoff_id)).to_have_attribute("data-intent", "park", timeout=5_000)
    expect(_card(junior, handoff_id)).to_be_visible(timeout=5_000)
    # Given the creator on their park's context screen: they may resume it, escalate or withdraw it
    _card(junior, handoff_id).get_by_role("button", name=re.compile("^Details of")).click()
    _expect_actions(junior, ["Pick Up", "Escalate", "Withdraw"])
    # When they open Escalate and think better of it, Escape closes the form and focus goes back
    _action(junior, "Escalate").click()
    expect(junior.locator("#escalate-notes")).to_be_focused()
    junior.keyboard.press("Escape")
    expect(junior.locator("#form-escalate")).to_be_hidden()
    expect(_action(junior, "Escalate")).to_be_focused()
    expect(_action(junior, "Escalate")).to_have_attribute("aria-expanded", "false")
    # When they escalate it with new notes
    junior.keyboard.press("Enter")
    expect(junior.locator("#escalate-notes")).to_be_focused()
    junior.fill("#escalate-notes", "Logs show a routing loop; need help now")
    junior.get_by_role("button", name="Escalate now").click()
    # Then it is an escalation for them (no more Escalate, no self Pick Up) and on the senior's card, live
    expect(junior.locator("#context-message")).to_contain_text("Escalated")
    expect(junior.locator("#context-title")).to_have_text("Escalation from Jules Junior (Acme)")
    _expect_actions(junior, ["Withdraw"])
    expect(junior.locator("#context-notes")).to_have_text("Logs show a routing loop; need help now")
    expect(junior.locator("#context-timeline li").last).to_contain_text("turned the park into an escalation")
    card = _card(senior, handoff_id)
    expect(card).to_have_attribute("data-intent", "escalate", timeout=5_000)
    expect(card.locator(".badge")).to_have_text("Escalation")
    expect(card.locator(".notes")).to_have_text("Logs show a routing loop; need help now")
    expect(senior.locator("#announcer")).to_contain_text("is now an escalation")


def test_a_card_shows_its_triage_fields(sign_in: SignIn, stack: Stack) -> None:
    senior = sign_in("senior@acme.test", width=900)
    handoff_id = _handoff(
        stack,
        notes="VPN drops every 10 minutes for the whole branch",
        ticket_ref="INC-4711",
        client_name="Northwind Traders",
        subject="Branch VPN unstable",
        priority="P1",
        confidence_tier="discovery",
    )
    card = _card(senior, handoff_id)
    expect(card.locator("h3")).to_have_text("Branch VPN unstable", timeout=5_000)
    expect(card.locator(".priority")).to_have_text("Priority P1")
    triage = card.locator(".triage")
    for text in ("Ticket", "INC-4711", "Client", "Northwind Traders", "Tier", "discovery", "From", "Jules Junior"):
        expect(triage).to_contain_text(text)
    # And a card without triage still says who handed it off
    bare = _handoff(stack, notes="No triage here")
    expect(_card(senior, bare).locator("h3")).to_have_text("Escalation from Jules Junior (Acme)", timeout=5_000)
    _screenshot(card, "card")


def test_a_stale_pick_up_shows_the_servers_409_and_the_screen_catches_up(sign_in: SignIn, stack: Stack) -> None:
    # Given a senior whose page gets no pushes, on the context screen of an open escalation
    senior = sign_in("senior@acme.test", live=False)
    handoff_id = _handoff(stack, notes="Stale view")
    senior.reload()
    _card(senior, handoff_id).get_by_role("button", name=re.compile("^Details of")).click()
    _expect_actions(senior, ["Pick Up"])
    # When a colleague picks it up first and the senior then clicks Pick Up
    with stack.client("senior2@acme.test") as client:
        queue = client.get("/api/v1/ai-sessions/queue?limit=200").json()
        target = next(h for h in queue if h["id"] == handoff_id)
        assert client.post(f"/api/v1/ai-sessions/{target['session_id']}/handoffs/{handoff_id}/claim").status_code == 200
    _action(senior, "Pick Up").click()
    # Then the server's sentence is shown, focused, and the screen shows who has it, with no actions left
    message = senior.locator("#context-message")
    expect(message).to_contain_text("Cannot claim this handoff: it is claimed by Sasha Senior (Acme)")
    expect(message).to_have_attribute("data-tone", "error")
    expect(senior.locator("#context-message")).to_be_focused()
    expect(senior.locator("#context-facts")).to_contain_text("picked up by Sasha Senior (Acme)")
    expect(senior.locator("#no-actions")).to_be_visible()


def test_an_older_event_never_overwrites_a_newer_one(sign_in: SignIn) -> None:
    page = sign_in("senior@acme.test", live=False)
    result = page.evaluate(
        """async () => {
          const { QueueState } = await import("./js/queue.js");
          const queue = new QueueState();
          const base = { id: "h", intent: "escalate", created_at: "2026-01-01T00:00:00Z" };
          queue.apply({ ...base, status: "claimed", version: 3 });
          const older = queue.apply({ ...base, status: "open", version: 2 });
          return { older, open: queue.open("").length, status: queue.handoffs.get("h").status };
        }"""
    )
    assert result == {"older": False, "open": 0, "status": "claimed"}


def test_touch_targets_are_at_least_44_px(sign_in: SignIn, stack: Stack) -> None:
    senior = sign_in("senior@acme.test")
    handoff_id = _handoff(stack, notes="Touch me", ticket_ref="INC-44")
    card = _card(senior, handoff_id)
    expect(card).to_be_visible(timeout=5_000)
    card.locator(".pickup").click()
    expect(_action(senior, "Reassign")).to_be_visible(timeout=5_000)
    _action(senior, "Reassign").click()
    small = senior.evaluate(
        """min => [...document.querySelectorAll('button, select, .filters label')]
          .filter((el) => el.getClientRects().length)
          .map((el) => [el.textContent.trim() || el.id, el.getBoundingClientRect().height])
          .filter(([, height]) => height < min)""",
        TOUCH_TARGET_PX,
    )
    assert small == []


def test_axe_finds_nothing_serious_on_the_queue_and_the_context_screen(sign_in: SignIn, stack: Stack, axe_script: Path) -> None:
    senior = sign_in("senior@acme.test")
    handoff_id = _handoff(stack, notes="axe me", ticket_ref="INC-1", client_name="Fabrikam", subject="Disk full", priority="P2")
    parked = _handoff(stack, intent="park", notes="parked one", priority="P4")
    for card in (_card(senior, handoff_id), _card(senior, parked)):
        expect(card).to_be_visible(timeout=5_000)
    assert axe_violations(senior, axe_script) == []
    _card(senior, handoff_id).locator(".pickup").click()
    expect(_action(senior, "Reassign")).to_be_visible(timeout=5_000)
    _action(senior, "Reassign").click()
    expect(senior.locator("#reassign-to")).to_be_focused()
    assert axe_violations(senior, axe_script) == []
    # The junior's view: withdraw form open
    junior = sign_in("junior@acme.test")
    own = _handoff(stack, notes="mine")
    _card(junior, own).get_by_role("button", name=re.compile("^Details of")).click()
    _action(junior, "Withdraw").click()
    assert axe_violations(junior, axe_script) == []


def test_the_emails_deep_link_opens_with_pick_up_and_survives_a_reload(browser: Browser, stack: Stack) -> None:
    # Given an escalation and the link its email carries, opened by a senior who is not signed in yet
    handoff_id = _handoff(stack, notes="Deep link check")
    with stack.client("senior@acme.test") as senior:
        (item,) = [h for h in senior.get("/api/v1/ai-sessions/queue").json() if h["id"] == handoff_id]
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.goto(f"{stack.base_url}/#/handoffs/{item['session_id']}/{handoff_id}")
    # When they sign in
    page.select_option("#demo-user", "senior2@acme.test")
    page.click("#local-sign-in button")
    # Then the handoff opens with Pick Up, and picking it up offers what its holder may do
    expect(page.locator("#context-notes")).to_have_text("Deep link check", timeout=10_000)
    _expect_actions(page, ["Pick Up"])
    _action(page, "Pick Up").click()
    _expect_actions(page, ["Release", "Reassign", "Resolve"])
    # And a reload opens the same handoff with the same actions
    page.reload()
    expect(page.locator("#context-notes")).to_have_text("Deep link check", timeout=10_000)
    _expect_actions(page, ["Release", "Reassign", "Resolve"])
    context.close()
