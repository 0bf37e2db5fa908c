"""Issue 24, "the loop closes", in headless Chromium: the junior learns who picked it up and what fixed it, the
ladder's clocks per priority and business hours, overdue first, raises grouped in the timeline, a console that
never says "Live" while behind, a member told why the live connection ended, a role change that asks first, a
phone that shows the first card and Pick Up above the fold, and the viewer's read-only list.

Set BATON_SCREENSHOTS=1 to (re)write docs/console-loop-*.png.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, Route, WebSocketRoute, expect

from tests.e2e import console_kit, oidc_client
from tests.e2e.conftest import Stack, eventually
from tests.e2e.console_kit import PHONE_WIDTH, SignIn, axe_violations
from tests.e2e.test_accounts_live import accept, mine
from tests.e2e.test_console_workday import JULES, SAM, SAM_NAME, SASHA, _act, _card, _handoff, _in_view, _nav

# The shared fixtures, by name (empty_queues runs before each test).
browser, sign_in, axe_script, empty_queues = (
    console_kit.browser,
    console_kit.sign_in,
    console_kit.axe_script,
    console_kit.empty_queues,
)
pytestmark = console_kit.needs_chromium

DOCS = Path(__file__).resolve().parents[2] / "docs"
POLICY = "/api/v1/account/policy"
DEFAULT_STEPS = {"remind_after_s": 300, "escalate_after_s": 900, "repeat_every_s": 900}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _screenshot(page: Page, name: str, full_page: bool = False) -> None:
    if os.environ.get("BATON_SCREENSHOTS"):
        page.wait_for_function("document.getAnimations().every((a) => a.playState !== 'running')")
        page.screenshot(path=str(DOCS / f"console-loop-{name}.png"), full_page=full_page)


LAYOUT = """(id) => {
  const lines = [];
  const walk = (element, depth) => {
    for (const child of element.children) {
      const box = child.getBoundingClientRect();
      if (box.height === 0 || (child.matches("li.card") && child.dataset.id !== id)) continue;
      const classes = String(child.className || "").trim().split(/\\s+/).filter(Boolean);
      const name = [child.tagName.toLowerCase() + (child.id ? "#" + child.id : ""), ...classes].join(".");
      lines.push(`${"  ".repeat(depth)}${name} y=${Math.round(box.y)} h=${Math.round(box.height)}`);
      if (depth < 9) walk(child, depth + 1);
    }
  };
  walk(document.body, 0);
  return lines.join("\\n");
}"""


def _layout(page: Page, handoff_id: str) -> str:
    """Every visible block down to the card's parts, with its top and height: what pushed a fold check over."""
    return str(page.evaluate(LAYOUT, handoff_id))


def _no_violations(page: Page, axe_script: Path) -> None:
    assert axe_violations(page, axe_script) == []


@pytest.fixture
def acme_policy(stack: Stack) -> Iterator[Any]:
    """Sets acme's SLA policy for a test, and puts the defaults back after it."""

    def put(policy: dict[str, Any]) -> dict[str, Any]:
        with stack.client("admin@acme.test") as client:
            reply = client.put(POLICY, json=policy)
            assert reply.status_code == 200, reply.text
            return dict(reply.json())

    yield put
    put(DEFAULT_STEPS)


# --- 1. the junior learns the fix ------------------------------------------------------------------------


def test_the_junior_is_shown_who_picked_it_up_and_what_fixed_it_and_keeps_it_in_her_list(
    sign_in: SignIn, stack: Stack, axe_script: Path
) -> None:
    # Given Jules's console open on the queue, and her escalation
    jules = sign_in(JULES)
    handoff = _handoff(stack, notes="Mail bounces for the whole office", subject="Outlook offline", ticket_ref="INC-42")
    # When Sam picks it up, Then she is told visibly (not only in the live region), with who and when
    _act(stack, SAM, handoff, "claim")
    notice = jules.locator("#notice")
    expect(notice).to_be_visible(timeout=5_000)
    expect(notice).to_contain_text(f"{SAM_NAME} picked up your escalation (Outlook offline) at")
    # When he resolves it, saying what fixed it, Then the notice says so in those words
    _act(stack, SAM, handoff, "resolve", {"resolution_notes": "Fixed the CNAME"})
    expect(notice).to_contain_text(f"{SAM_NAME} resolved it: Fixed the CNAME", timeout=5_000)
    _screenshot(jules, "junior-notice")
    _no_violations(jules, axe_script)
    # And My work keeps it: not among the active ones, but under "Resolved", with the fix on its card
    _nav(jules, "My work")
    expect(_card(jules, handoff["id"], within="#created-list")).to_have_count(0)
    jules.locator("#created-filter").get_by_label("Resolved", exact=True).check()
    card = _card(jules, handoff["id"], within="#created-list")
    expect(card).to_be_visible(timeout=5_000)
    expect(card.locator(".resolution")).to_have_text("What fixed it: Fixed the CNAME")
    expect(card.locator(".standing")).to_contain_text(f"Resolved by {SAM_NAME}")
    _screenshot(jules, "junior-resolved-list", full_page=True)
    _no_violations(jules, axe_script)
    # And a reload keeps it there (read from the API, not only from the pushes)
    jules.reload()
    expect(jules.locator("#connection")).to_have_attribute("data-state", "live", timeout=10_000)
    _nav(jules, "My work")
    jules.locator("#created-filter").get_by_label("All", exact=True).check()
    expect(_card(jules, handoff["id"], within="#created-list")).to_be_visible(timeout=5_000)
    # When she opens it, Then the handoff screen shows the fix, and the timeline's resolve entry carries it
    _card(jules, handoff["id"], within="#created-list").get_by_role("button", name=re.compile("^Open")).click()
    expect(jules.locator("#context-resolution")).to_be_visible(timeout=5_000)
    expect(jules.locator("#context-resolution-notes")).to_have_text("Fixed the CNAME")
    expect(jules.locator("#context-timeline")).to_contain_text("What fixed it: Fixed the CNAME")
    _screenshot(jules, "junior-fix", full_page=True)
    _no_violations(jules, axe_script)


def test_a_withdrawn_handoff_stays_in_the_creators_list_under_its_filter(sign_in: SignIn, stack: Stack) -> None:
    jules = sign_in(JULES)
    handoff = _handoff(stack, subject="Printer jammed")
    _act(stack, JULES, handoff, "withdraw", {"reason": "The client fixed it"})
    _nav(jules, "My work")
    expect(_card(jules, handoff["id"], within="#created-list")).to_have_count(0)
    jules.locator("#created-filter").get_by_label("Withdrawn", exact=True).check()
    expect(_card(jules, handoff["id"], within="#created-list")).to_be_visible(timeout=5_000)
    jules.locator("#created-filter").get_by_label("Resolved", exact=True).check()
    expect(_card(jules, handoff["id"], within="#created-list")).to_have_count(0)


def test_resolving_from_the_console_needs_the_fix_and_escalating_a_park_keeps_its_notes(sign_in: SignIn, stack: Stack) -> None:
    # Given a park with notes that Jules turns into an escalation with new notes
    park = _handoff(stack, intent="park", notes="Waiting for the DNS logs", subject="DNS")
    _act(stack, JULES, park, "escalate", {"engineer_notes": "Logs show NXDOMAIN"})
    # When Sam picks it up and tries to resolve it with white space only
    sam = sign_in(SAM)
    _card(sam, park["id"]).locator(".pickup").click()
    expect(sam.locator("#context-message")).to_contain_text("Picked up", timeout=5_000)
    sam.locator("#do-resolve").click()
    sam.fill("#resolution-notes", "   ")
    sam.get_by_role("button", name="Mark resolved").click()
    # Then the server's sentence says the notes are required, and it is still his
    expect(sam.locator("#context-message")).to_contain_text("Resolution notes are required", timeout=5_000)
    expect(sam.locator("#context-facts")).to_contain_text("picked up by you")
    # And the timeline keeps the park's notes in the escalate entry
    expect(sam.locator("#context-timeline")).to_contain_text("The park's notes were: Waiting for the DNS logs")
    _act(stack, SAM, park, "resolve", {"resolution_notes": "Added the missing record"})


# --- 2. the ladder: per-priority clocks, overdue first, grouped raises, business hours ------------------------


def test_each_priority_has_its_own_clock_and_an_overdue_one_sorts_first(
    sign_in: SignIn, stack: Stack, acme_policy: Any, axe_script: Path
) -> None:
    # Given a policy where P1 gets 10 minutes and P4 30 seconds (its own steps), and a P1 then a P4
    acme_policy(
        {**DEFAULT_STEPS, "remind_after_s": 600, "priorities": {
            "P1": {"remind_after_s": 600, "escalate_after_s": 600, "repeat_every_s": 600, "always_on": True},
            "P4": {"remind_after_s": 30, "escalate_after_s": 600, "repeat_every_s": 600},
        }}
    )  # fmt: skip
    p1 = _handoff(stack, subject="Site down", priority="P1")
    p4 = _handoff(stack, subject="New mouse", priority="P4")
    sam = sign_in(SAM)
    # Then each card says its own time left, and the P1 comes first
    expect(_card(sam, p1["id"]).locator(".sla")).to_contain_text("10 min left", timeout=5_000)
    expect(_card(sam, p4["id"]).locator(".sla")).to_contain_text("1 min left")
    expect(sam.locator("#queue-list li.card").first).to_have_attribute("data-id", p1["id"])
    # When the P4 is overdue (its 30 s passed), Then it moves to the top of the default sort, saying so
    expect(_card(sam, p4["id"]).locator(".sla")).to_contain_text("Overdue, level 1", timeout=45_000)
    expect(sam.locator("#queue-list li.card").first).to_have_attribute("data-id", p4["id"])
    _screenshot(sam, "overdue-first")
    _no_violations(sam, axe_script)
    for handoff in (p1, p4):
        _act(stack, JULES, handoff, "withdraw")


def test_the_timeline_groups_the_ladders_raises_into_one_row(sign_in: SignIn, stack: Stack) -> None:
    # Given a handoff whose timeline holds three raises in a row (the answer as the ladder leaves it after level 3)
    handoff = _handoff(stack, subject="Grouped raises")
    start = datetime.now(UTC)

    def with_raises(route: Route) -> None:
        answer = route.fetch().json()
        for level in (1, 2, 3):
            at = (start + timedelta(seconds=30 * level)).isoformat().replace("+00:00", "Z")
            last = " (the last: no more reminders)" if level == 3 else ""
            told = "engineers" if level == 1 else "admins and owners"
            reason = f"Nobody picked it up by {at}: overdue level {level}{last}, {told} told."
            answer["timeline"].append({"at": at, "action": "overdue", "actor_id": None, "actor_name": None, "to_user_id": None,
                                       "to_user_name": None, "reason": reason, "notes": None, "version": level + 1})  # fmt: skip
        route.fulfill(json=answer)

    sam = sign_in(SAM)
    sam.route(re.compile(rf".*/handoffs/{handoff['id']}$"), with_raises)
    _card(sam, handoff["id"]).get_by_role("button", name=re.compile("^Details")).click()
    # Then the three raises read as one row: up to level 3, three reminders, the last one's reason
    rows = sam.locator("#context-timeline > li")
    expect(rows).to_have_count(2, timeout=5_000)
    expect(rows.nth(1)).to_contain_text("raised it to level 3; 3 reminders")
    expect(rows.nth(1)).to_contain_text("the last: no more reminders")
    _act(stack, JULES, handoff, "withdraw")


def test_a_handoff_raised_outside_business_hours_waits_for_them_unless_its_priority_is_always_on(
    sign_in: SignIn, stack: Stack, acme_policy: Any
) -> None:
    # Given business hours (UTC) only on the day after tomorrow, 08:00-18:00: now is outside them
    today = datetime.now(UTC).date()
    open_day = today + timedelta(days=2)
    hours = {"time_zone": "UTC", "weekly": {WEEKDAYS[open_day.weekday()]: [["08:00", "18:00"]]}}
    acme_policy({**DEFAULT_STEPS, "business_hours": hours})
    # When a P3 and a P1 are escalated now
    p3 = _handoff(stack, subject="Slow laptop", priority="P3")
    p1 = _handoff(stack, subject="Firewall down", priority="P1")
    # Then the P3's clock starts when the hours do: due 5 minutes after 08:00 on that day, so nobody is paged before
    assert p3["due_at"] == f"{open_day.isoformat()}T08:05:00.000Z"
    # And the P1 (always on by default, half the steps) is due in 150 s, hours or not
    created = datetime.fromisoformat(p1["created_at"].replace("Z", "+00:00"))
    assert datetime.fromisoformat(p1["due_at"].replace("Z", "+00:00")) - created == timedelta(seconds=150)
    sam = sign_in(SAM)
    expect(_card(sam, p1["id"]).locator(".sla")).to_contain_text("3 min left", timeout=5_000)
    expect(_card(sam, p3["id"]).locator(".sla")).to_contain_text(re.compile(r"\d+ h \d+ min left"))
    _screenshot(sam, "business-hours")
    for handoff in (p1, p3):
        _act(stack, JULES, handoff, "withdraw")


# --- 3. never "Live" while behind ----------------------------------------------------------------------------


def test_a_console_that_missed_a_push_says_catching_up_and_catches_up_at_the_next_pong(sign_in: SignIn, stack: Stack) -> None:
    # Given Sam's console whose socket loses the next new-escalation push, and holds back "resumed" until told
    state: dict[str, Any] = {"dropped": [], "held": [], "sockets": []}

    def relay(ws: WebSocketRoute) -> None:
        state["sockets"].append(ws)
        server = ws.connect_to_server()
        ws.on_message(server.send)

        def to_page(message: str | bytes) -> None:
            text = str(message)
            if '"handoff_created"' in text and not state["dropped"]:
                state["dropped"].append(text)  # the push that never arrives (a push function that failed)
            elif '"resumed"' in text and state["dropped"]:
                state["held"].append((ws, message))
            else:
                ws.send(message)

        server.on_message(to_page)

    sam = sign_in(
        SAM, config={"pingSeconds": 1}, prepare=lambda page: page.route_web_socket(re.compile(r".*/ws\?ticket=.*"), relay)
    )
    # When a P1 is escalated and its push is lost
    handoff = _handoff(stack, subject="Core switch down", priority="P1")
    eventually(lambda: state["dropped"] or sam.wait_for_timeout(100), 10, "the push to be dropped")
    # Then at the next pong the console knows it is behind: "Catching up", and the card arrives by the resume
    badge = sam.locator("#connection")
    expect(badge).to_have_attribute("data-state", "catching", timeout=5_000)
    expect(badge).to_have_text("Catching up…")
    expect(_card(sam, handoff["id"])).to_be_visible(timeout=5_000)
    _screenshot(sam, "catching-up")
    # And once the resume is done, it is live again
    eventually(lambda: state["held"] or sam.wait_for_timeout(100), 10, "the resume's answer")
    for ws, message in state["held"]:
        ws.send(message)
    expect(badge).to_have_attribute("data-state", "live", timeout=5_000)
    _act(stack, JULES, handoff, "withdraw")


def test_offline_the_queue_is_dimmed_marked_as_of_and_cannot_be_acted_on(sign_in: SignIn, stack: Stack) -> None:
    handoff = _handoff(stack, subject="Offline check")
    sam = sign_in(SAM)
    pick_up = _card(sam, handoff["id"]).locator(".pickup")
    expect(pick_up).to_be_enabled(timeout=5_000)
    # When the network goes away
    sam.context.set_offline(True)
    # Then the page says since when it is behind, dims the queue and disables Pick Up
    expect(sam.locator("#stale-note")).to_contain_text(re.compile(r"as of \d{1,2}:\d{2}"), timeout=2_000)
    expect(pick_up).to_be_disabled()
    assert sam.locator("#queue-list").evaluate("(list) => getComputedStyle(list).opacity") == "0.6"
    _screenshot(sam, "offline")
    # When it comes back, Then all of it is undone
    sam.context.set_offline(False)
    expect(sam.locator("#connection")).to_have_attribute("data-state", "live", timeout=10_000)
    expect(sam.locator("#stale-note")).to_be_hidden()
    expect(pick_up).to_be_enabled()
    _act(stack, JULES, handoff, "withdraw")


def test_a_member_made_viewer_is_told_why_the_live_connection_ended(sign_in: SignIn, stack: Stack) -> None:
    sasha = sign_in(SASHA)
    handoff = _handoff(stack, subject="Demotion check")
    expect(_card(sasha, handoff["id"])).to_be_visible(timeout=5_000)
    sasha_id = stack.user(SASHA)["id"]
    with stack.client("owner@acme.test") as owner:
        try:
            assert owner.patch(f"/api/v1/account/users/{sasha_id}", json={"role": "viewer"}).status_code == 200
            expect(sasha.locator("#notice")).to_contain_text("is now viewer: live updates need the engineer role", timeout=10_000)
            expect(sasha.locator("#connection")).to_have_text("Disconnected")
            expect(_card(sasha, handoff["id"]).locator(".pickup")).to_be_disabled()
            sasha.wait_for_timeout(1_500)  # no reconnection attempts: it stays disconnected
            expect(sasha.locator("#connection")).to_have_attribute("data-state", "closed")
        finally:
            owner.patch(f"/api/v1/account/users/{sasha_id}", json={"role": "engineer"})
    _act(stack, JULES, handoff, "withdraw")


# --- 4. a role change asks first --------------------------------------------------------------------------------


def test_a_role_change_asks_first_says_what_the_role_can_do_and_a_keystroke_changes_nothing(
    sign_in: SignIn, stack: Stack, axe_script: Path
) -> None:
    owner = sign_in("owner@acme.test")
    _nav(owner, "People")
    role = owner.locator("#members-body tr[data-email='senior2@acme.test'] select")
    expect(role).to_have_value("engineer", timeout=10_000)
    # When the owner presses ArrowDown on the focused select (the keystroke that used to promote at once)
    role.focus()
    owner.keyboard.press("ArrowDown")
    dialog = owner.locator("#role-dialog")
    # Then a question opens, saying what an admin can do, and nothing has changed yet
    expect(dialog).to_be_visible(timeout=5_000)
    expect(dialog).to_contain_text("Make Sasha Senior (Acme) an admin?")
    expect(dialog).to_contain_text("invite and remove people")
    _screenshot(owner, "role-confirm")
    _no_violations(owner, axe_script)
    with stack.client("owner@acme.test") as client:
        assert {u["email"]: u["role"] for u in client.get("/api/v1/account/users").json()}["senior2@acme.test"] == "engineer"
    # When the owner keeps the current role, Then the select shows it again and the server was not asked
    owner.locator("#role-cancel").click()
    expect(dialog).to_be_hidden()
    expect(role).to_have_value("engineer")
    expect(owner.locator("#people-message")).to_have_text("")


def test_the_people_page_shows_someone_who_joined_without_a_reload(sign_in: SignIn, stack: Stack) -> None:
    # Given the owner on the People page
    owner = sign_in("owner@acme.test")
    _nav(owner, "People")
    expect(owner.locator("#members-body tr[data-email='owner@acme.test']")).to_be_visible(timeout=10_000)
    # When someone invited meanwhile joins (elsewhere: their own sign-in)
    newbie = f"kai-{uuid.uuid4().hex[:6]}@example.com"
    with stack.client("owner@acme.test") as client:
        assert client.post("/api/v1/account/invitations", json={"email": newbie, "role": "engineer"}).status_code == 201
    token = oidc_client.sign_in(stack.base_url, newbie)["access_token"]
    (invitation,) = mine(stack, token)
    joined = accept(stack, token, invitation["id"])
    assert joined.status_code == 200, joined.text
    # Then the page shows them when it looks again (every 15 s, and when the tab is shown): no reload
    owner.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    expect(owner.locator(f"#members-body tr[data-email='{newbie}']")).to_be_visible(timeout=20_000)
    with stack.client("owner@acme.test") as client:
        client.delete(f"/api/v1/account/users/{joined.json()['id']}")


# --- 5. a phone at 390 x 844 --------------------------------------------------------------------------------------


def _release_all(stack: Stack, email: str) -> None:
    with stack.client(email) as client:
        held = client.get("/api/v1/handoffs/mine", params={"role": "holder", "status": "claimed", "limit": 100})
        assert held.status_code == 200, held.text
    for handoff in held.json():
        _act(stack, email, handoff, "release")


def test_on_a_phone_the_first_card_and_pick_up_are_above_the_fold(browser: Any, stack: Stack, axe_script: Path) -> None:
    # Given Sam holds nothing (what earlier tests on this shared runtime left him would be listed above the queue)
    _release_all(stack, SAM)
    # And an escalation with words enough for a screen and more, under a ticket of its own
    wordy = " ".join(["The mailbox sync fails after the certificate was renewed on the gateway"] * 25)
    ticket = f"INC-{uuid.uuid4().hex[:8]}"
    handoff = _handoff(
        stack, subject="Phone fold check: " + wordy[:180], priority="P2", ticket_ref=ticket, client_name="Contoso", notes=wordy
    )
    context = browser.new_context(viewport={"width": PHONE_WIDTH, "height": 844})
    page = context.new_page()
    try:
        page.goto(stack.base_url + "/")
        page.select_option("#demo-user", SAM)
        page.click("#local-sign-in button")
        card = _card(page, handoff["id"])
        expect(card).to_be_visible(timeout=10_000)
        # When the senior finds it by its ticket (the queue is shared with other tests: this makes it the first card)
        page.fill("#queue-search", ticket)
        first = page.locator("#queue-list li.card:visible").first
        expect(first).to_have_attribute("data-id", handoff["id"])
        # Then the header is one compact bar, and the whole first card with its Pick Up fits the first screen
        assert page.locator("header.top").bounding_box()["height"] <= 110  # type: ignore[index]
        assert _in_view(page, card.locator(".pickup")), _layout(page, handoff["id"])
        assert _in_view(page, card), _layout(page, handoff["id"])
        _screenshot(page, "phone-queue")
        _no_violations(page, axe_script)
        # And the account menu tells who is signed in
        page.locator("#account-menu summary").click()
        expect(page.locator("#who")).to_be_visible()
        expect(page.locator("#who")).to_contain_text("engineer · acme")
        page.locator("#account-menu summary").click()
        # When the handoff screen opens, Then its Pick Up is above the fold too
        card.get_by_role("button", name=re.compile("^Details")).click()
        pick_up = page.locator("#do-claim")
        expect(pick_up).to_be_visible(timeout=5_000)
        assert _in_view(page, pick_up), pick_up.bounding_box()
        _screenshot(page, "phone-handoff")
        _no_violations(page, axe_script)
    finally:
        context.close()
        _act(stack, JULES, handoff, "withdraw")


def test_at_1100_px_the_header_is_one_line(sign_in: SignIn) -> None:
    owner = sign_in("owner@acme.test")  # the most links: queue, my work, hand off, team, people, channels
    height = owner.locator("header.top").bounding_box()["height"]  # type: ignore[index]
    assert height <= 90, height  # one line (with more links than fit, the nav scrolls: its scrollbar adds ~8 px)


# --- 6. the viewer -------------------------------------------------------------------------------------------------


def test_a_viewer_reads_the_recent_handoffs_and_a_link_opens_there(sign_in: SignIn, stack: Stack, axe_script: Path) -> None:
    handoff = _handoff(stack, subject="Viewer list check", ticket_ref="INC-77")
    _act(stack, SAM, handoff, "claim")
    viewer = sign_in("viewer@acme.test", live=False)
    # Then the Sessions screen lists it, with where it stands and who holds it, read only
    item = viewer.locator(f"#v-{handoff['id']}")
    expect(item).to_be_visible(timeout=10_000)
    expect(item.locator("summary")).to_contain_text(f"Viewer list check — Picked up, held by {SAM_NAME}")
    expect(viewer.locator("#viewer .pickup, #viewer #do-claim")).to_have_count(0)
    item.locator("summary").click()
    expect(item.locator(".timeline")).to_contain_text("picked it up")
    _screenshot(viewer, "viewer-list", full_page=True)
    _no_violations(viewer, axe_script)
    # When the viewer opens the handoff's link (from an email), Then it opens in that list, not on an empty lookup
    viewer.goto(f"{stack.base_url}/#/handoffs/{handoff['session_id']}/{handoff['id']}")
    viewer.reload()
    opened = viewer.locator(f"#v-{handoff['id']} details")
    expect(opened).to_have_attribute("open", "", timeout=10_000)
    expect(viewer.locator(f"#v-{handoff['id']} summary")).to_be_focused()
    _act(stack, SAM, handoff, "resolve", {"resolution_notes": "done"})


def test_a_bad_link_is_told_as_a_sentence(sign_in: SignIn, stack: Stack) -> None:
    sam = sign_in(SAM)
    sam.goto(f"{stack.base_url}/#/handoffs/not-a-session/not-a-handoff")
    expect(sam.locator("#queue-message")).to_have_text(
        "That link does not name a handoff: it should end in two 36-character ids. Check that it was copied whole.",
        timeout=5_000,
    )
    assert "uuid" not in (sam.locator("#queue-message").text_content() or "").lower()
