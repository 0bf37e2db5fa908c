"""The console for a whole working day, in headless Chromium with several people signed in at once:
triage (search, sort, SLA state, "N new", paging) on a long queue, "My work" that survives a reload,
the junior's side (hand off from a ticket or a transcript, follow it, escalate a park, withdraw),
a live state that never lies (offline, a silent socket, the loser's card after a release), the
email's deep link, and axe-core, touch targets and a 390 px phone on every screen.

Set BATON_SCREENSHOTS=1 to (re)write docs/console-workday-*.png.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Locator, Page, Route, WebSocketRoute, expect

from baton.repositories import keys
from tests.e2e import console_kit
from tests.e2e.conftest import Stack, eventually
from tests.e2e.console_kit import PHONE_WIDTH, SignIn, axe_violations, overflows, small_targets

# The shared fixtures, by name (empty_queues runs before each test).
browser, sign_in, axe_script, empty_queues = (
    console_kit.browser,
    console_kit.sign_in,
    console_kit.axe_script,
    console_kit.empty_queues,
)
pytestmark = console_kit.needs_chromium

DOCS = Path(__file__).resolve().parents[2] / "docs"
SAM, SASHA, JULES = "senior@acme.test", "senior2@acme.test", "junior@acme.test"
SAM_NAME = "Sam Senior (Acme)"


def _handoff(
    stack: Stack, intent: str = "escalate", notes: str = "Need a senior", email: str = JULES, **triage: str
) -> dict[str, Any]:
    with stack.client(email) as client:
        session = client.post(
            "/api/v1/ai-sessions", json={"intake_type": "ticket", "intake_content": {"ticket": "T-1"}, **triage}
        )
        assert session.status_code == 201, session.text
        reply = client.post(
            f"/api/v1/ai-sessions/{session.json()['id']}/handoff", json={"intent": intent, "engineer_notes": notes}
        )
        assert reply.status_code == 201, reply.text
        return dict(reply.json())


def _act(stack: Stack, email: str, handoff: dict[str, Any], action: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    with stack.client(email) as client:
        path = f"/api/v1/ai-sessions/{handoff['session_id']}/handoffs/{handoff['id']}/{action}"
        reply = client.post(path, json=body) if body else client.post(path)
        assert reply.status_code == 200, reply.text
        return dict(reply.json())


def _card(page: Page, handoff_id: str, within: str = "#queue-list") -> Locator:
    return page.locator(f"{within} li.card[data-id='{handoff_id}']")


def _nav(page: Page, name: str) -> None:
    page.locator("#nav").get_by_role("link", name=name).click()


def _actions(page: Page, names: list[str]) -> None:
    shown = page.locator("#context .action-buttons button:visible")
    if names:
        expect(shown).to_have_text(names, timeout=5_000)
    else:
        expect(shown).to_have_count(0, timeout=5_000)


def _in_view(page: Page, locator: Locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= page.viewport_size["height"]  # type: ignore[index]


def _screenshot(page: Page, name: str) -> None:
    if os.environ.get("BATON_SCREENSHOTS"):
        page.wait_for_function("document.getAnimations().every((a) => a.playState !== 'running')")
        page.screenshot(path=str(DOCS / f"console-workday-{name}.png"), full_page=name.endswith("phone"))


def test_a_40_card_queue_is_searched_and_paged_and_a_new_p1_is_seen_at_the_top_or_through_the_new_pill(
    sign_in: SignIn, stack: Stack
) -> None:
    # Given 40 open handoffs of one client, and a senior with the console open
    tag = f"Bulk{int(time.time() * 1000) % 10**8}"
    for n in range(40):
        _handoff(
            stack,
            notes=f"Card {n}",
            client_name=tag,
            subject=f"{tag} printer {n}",
            priority=f"P{2 + n % 3}",
            ticket_ref=f"{tag}-{n}",
        )
    sam = sign_in(SAM)
    # When he searches for the client, Then 25 of the 40 show, and "Show more" says how many are left
    sam.fill("#queue-search", tag.lower())
    cards = sam.locator("#queue-list li.card")
    expect(cards).to_have_count(25)
    more = sam.locator("#queue-more")
    expect(more).to_have_text("Show 15 more (15 not shown)")
    # The list of 25 (not the page: "Picked up by you" above it depends on earlier tests) stays short;
    # 35 cards once made a 4,600 px page with the newest at the very bottom
    height = sam.locator("#queue-list").evaluate("list => list.getBoundingClientRect().height")
    print(f"queue list height with 25 of 40 cards shown: {height} px")
    assert height < 3_400  # each card also says its SLA state (a line) now that escalations have deadlines
    more.click()
    expect(cards).to_have_count(40)
    expect(cards.nth(25).locator("article")).to_be_focused()  # focus on the first card it added
    expect(more).to_be_hidden()
    # And a search by ticket, by subject or by the junior's name finds the same card
    for words in (f"{tag}-7", f"{tag} printer 7", f"jules {tag}-7"):
        sam.fill("#queue-search", words)
        expect(cards.filter(has_text=f"{tag}-7")).to_have_count(1)
    sam.fill("#queue-search", "no such thing at all")
    expect(sam.locator("#queue-no-match")).to_be_visible()
    sam.fill("#queue-search", tag)
    # When a new P1 of that client comes in (sorted by priority, the default)
    sam.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    p1 = _handoff(stack, notes="Whole office offline", client_name=tag, subject=f"{tag} core switch down", priority="P1")
    # Then it is the first card, and the screen reader is told it is a P1
    expect(cards.first).to_have_attribute("data-id", p1["id"], timeout=5_000)
    expect(sam.locator("#announcer")).to_contain_text("New P1 escalation from Jules Junior (Acme)")
    expect(sam.locator("#queue-new")).to_have_text("1 new ↑")  # it came in above what he is looking at
    sam.locator("#queue-new").click()
    expect(cards.first.locator("article")).to_be_focused()
    expect(sam.locator("#queue-new")).to_be_hidden()
    sam.evaluate("window.scrollTo(0, 0)")
    _screenshot(sam, "triage")
    # When he sorts oldest first and another one comes in, out of sight at the bottom
    sam.select_option("#queue-sort", "age")
    sam.evaluate("window.scrollTo(0, 0)")
    late = _handoff(stack, notes="One more", client_name=tag, subject=f"{tag} late arrival", priority="P3")
    pill = sam.locator("#queue-new")
    expect(pill).to_have_text("1 new ↓", timeout=5_000)
    expect(pill).to_have_attribute("aria-label", "Show 1 new handoff")
    assert not _in_view(sam, _card(sam, late["id"]))
    _screenshot(sam, "new-pill")
    # Then the pill, by keyboard, brings him to it and goes away
    pill.focus()
    sam.keyboard.press("Enter")
    expect(_card(sam, late["id"]).locator("article")).to_be_focused()
    assert _in_view(sam, _card(sam, late["id"]))
    expect(pill).to_be_hidden()
    for handoff in (p1, late):  # leave the shared queue as it was
        _act(stack, JULES, handoff, "withdraw")


def test_sla_state_says_time_left_and_overdue_level_in_words_as_well_as_colour(sign_in: SignIn, stack: Stack) -> None:
    # Given two escalations, one due in 4 minutes and one at overdue level 2 (as the SLA ladder writes them)
    tag = f"Sla{int(time.time() * 1000) % 10**8}"
    soon = _handoff(stack, notes="due soon", subject=f"{tag} running")
    late = _handoff(stack, notes="overdue", subject=f"{tag} overdue")
    table = stack.aws("dynamodb")
    for handoff, due, level in ((soon, 4, 0), (late, 10, 2)):
        key = keys.handoff_key(handoff["account_id"], handoff["session_id"], handoff["id"])
        due_at = (datetime.now(UTC) + timedelta(minutes=due, seconds=30)).isoformat().replace("+00:00", "Z")
        table.update_item(
            TableName="DataTable",
            Key={name: {"S": value} for name, value in key.items()},
            UpdateExpression="SET due_at = :due, overdue_level = :level",
            ExpressionAttributeValues={":due": {"S": due_at}, ":level": {"N": str(level)}},
        )
    # When a senior opens the queue
    sam = sign_in(SAM, live=False)
    sam.fill("#queue-search", tag)
    # Then the running clock reads as time left, and the overdue one says its level, with an icon beside the colour
    running = _card(sam, soon["id"]).locator(".sla")
    expect(running).to_have_text(re.compile(r"^◔ SLA: [45] min left$"))
    expect(running).to_have_attribute("data-tone", "ok")
    overdue = _card(sam, late["id"]).locator(".sla")
    expect(overdue).to_have_text(re.compile(r"^⚠ Overdue, level 2; next step in 1[01] min$"))
    expect(overdue).to_have_attribute("data-tone", "overdue")
    for handoff in (soon, late):
        _act(stack, JULES, handoff, "withdraw")


def test_my_work_survives_a_reload_and_follows_a_pick_up_a_hand_over_and_a_resolve_live(sign_in: SignIn, stack: Stack) -> None:
    # Given Sam, who picks up an escalation in the console
    sam, sasha = sign_in(SAM), sign_in(SASHA)
    mine = _handoff(
        stack, notes="Exchange certificate expired", subject="Mail down at Contoso", client_name="Contoso", priority="P1"
    )
    _card(sam, mine["id"]).locator(".pickup").click()
    expect(sam.locator("#context-message")).to_contain_text("Picked up")
    # When he opens "My work" and reloads the page
    _nav(sam, "My work")
    expect(sam.locator("#mywork-title")).to_be_focused()
    sam.reload()
    # Then it is still under "Picked up by me", saying since when, read from the API
    held = _card(sam, mine["id"], within="#held-list")
    expect(held.locator(".standing")).to_contain_text("Picked up by you at", timeout=10_000)
    expect(sam.locator("#nav a[aria-current=page]")).to_have_text("My work")
    held_before = int(sam.locator("#held-count").inner_text().strip("()"))  # earlier tests may have left him some
    # When Sasha picks up another one and hands it to him
    other = _handoff(stack, notes="VPN for the new branch", subject="Branch VPN")
    _card(sasha, other["id"]).locator(".pickup").click()
    expect(sasha.locator("#context-message")).to_contain_text("Picked up")
    sam_id = stack.user(SAM)["id"]
    _act(stack, SASHA, other, "reassign", {"to_user_id": sam_id, "reason": "Sam knows the branch"})
    # Then it appears in Sam's list without a reload, and he is told
    expect(_card(sam, other["id"], within="#held-list")).to_be_visible(timeout=5_000)
    expect(sam.locator("#announcer")).to_contain_text("Sasha Senior (Acme) handed you")
    expect(sam.locator("#held-count")).to_have_text(f"({held_before + 1})")
    _screenshot(sam, "my-work")
    # When he resolves the first from its card's context screen
    held.get_by_role("button", name=re.compile("^Open")).click()
    expect(sam.locator("#back")).to_have_text("← Back to my work")
    sam.locator("#do-resolve").click()
    sam.fill("#resolution-notes", "Renewed the certificate")
    sam.get_by_role("button", name="Mark resolved").click()
    expect(sam.locator("#context-message")).to_have_text("Resolved. Thank you!")
    sam.locator("#back").click()
    # Then it has moved to "Resolved recently", and a reload keeps it there
    expect(_card(sam, mine["id"], within="#resolved-list").locator(".standing")).to_contain_text("Resolved by you")
    expect(_card(sam, mine["id"], within="#held-list")).to_have_count(0)
    sam.reload()
    expect(_card(sam, mine["id"], within="#resolved-list")).to_be_visible(timeout=10_000)
    expect(_card(sam, other["id"], within="#held-list")).to_be_visible()
    _act(stack, SAM, other, "resolve", {"resolution_notes": "done"})
    expect(_card(sam, other["id"], within="#resolved-list")).to_be_visible(timeout=5_000)


def test_a_junior_hands_off_a_ticket_and_sees_it_picked_up_then_parks_a_transcript_escalates_and_withdraws_it(
    sign_in: SignIn, stack: Stack
) -> None:
    jules, sam = sign_in(JULES), sign_in(SAM)
    # When the junior hands off a ticket as an escalation, by keyboard after the first field
    _nav(jules, "Hand off")
    expect(jules.locator("#new-title")).to_be_focused()
    jules.fill("#new-ticket", "INC-2040")
    jules.fill("#new-client", "Fabrikam")
    jules.select_option("#new-priority", "P2")
    jules.fill("#new-subject", "Printers offline on floor 3")
    jules.fill("#new-details", "Since 9:00 nothing prints; the print server answers ping.")
    jules.fill("#new-notes", "Restarted the spooler; no change.")
    _screenshot(jules, "hand-off")
    jules.locator("#new-notes").press("Tab")
    jules.keyboard.press("Enter")
    # Then the new handoff opens with what they may do (withdraw), and they are told, focused
    expect(jules.locator("#context-message")).to_contain_text("Escalated: the seniors have been told.")
    expect(jules.locator("#context-message")).to_be_focused()
    _actions(jules, ["Withdraw"])
    expect(jules.locator("#context-facts")).to_contain_text("INC-2040")
    handoff_id = re.search(r"#/handoffs/[\w-]+/([\w-]+)$", jules.url).group(1)  # type: ignore[union-attr]
    # And under "My work" it waits for a senior
    jules.locator("#back").click()
    expect(jules.locator("#mywork-title")).to_be_focused()
    mine = _card(jules, handoff_id, within="#created-list")
    expect(mine.locator(".standing")).to_contain_text("Waiting for a senior")
    # When Sam picks it up in his console
    _card(sam, handoff_id).locator(".pickup").click()
    expect(sam.locator("#context-message")).to_contain_text("Picked up")
    # Then the junior's card says who and when, live, and the screen reader hears it
    expect(mine.locator(".standing")).to_have_text(
        re.compile(rf"^Picked up by {re.escape(SAM_NAME)} at \d\d:\d\d"), timeout=5_000
    )
    expect(jules.locator("#announcer")).to_contain_text(f"{SAM_NAME} picked up your escalation")
    _screenshot(jules, "my-escalations")
    # When the junior parks a pasted transcript
    _nav(jules, "Hand off")
    jules.check("input[name=source][value=transcript]")
    expect(jules.locator("#new-details-label")).to_have_text("The AI conversation (pasted)")
    jules.fill("#new-subject", "Backup job fails nightly")
    jules.fill("#new-details", "User: the backup fails at 02:00\nAssistant: check the VSS writers\nThey show as failed.")
    jules.check("input[name=handoff-intent][value=park]")
    jules.fill("#new-notes", "Waiting for the VSS logs")
    jules.get_by_role("button", name="Hand it off").click()
    # Then it is parked: the conversation came from the transcript, and they may resume, escalate or withdraw it
    expect(jules.locator("#context-message")).to_contain_text("Parked")
    expect(jules.locator("#context-conversation li")).to_have_text(
        ["user: the backup fails at 02:00", "assistant: check the VSS writers\nThey show as failed."]
    )
    _actions(jules, ["Pick Up", "Escalate", "Withdraw"])
    park_id = re.search(r"#/handoffs/[\w-]+/([\w-]+)$", jules.url).group(1)  # type: ignore[union-attr]
    expect(_card(sam, park_id)).to_have_attribute("data-intent", "park", timeout=5_000)
    # When they escalate the park, Then Sam's card turns into an escalation, live
    jules.locator("#do-escalate").click()
    jules.fill("#escalate-notes", "Logs show disk full on the target")
    jules.get_by_role("button", name="Escalate now").click()
    expect(jules.locator("#context-message")).to_contain_text("Escalated")
    _actions(jules, ["Withdraw"])
    expect(_card(sam, park_id)).to_have_attribute("data-intent", "escalate", timeout=5_000)
    # When they withdraw it, Then it leaves their list and Sam's queue
    jules.locator("#do-withdraw").click()
    jules.get_by_role("button", name="Withdraw it").click()
    expect(jules.locator("#context-message")).to_contain_text("Withdrawn")
    expect(_card(sam, park_id)).to_have_count(0, timeout=5_000)
    _nav(jules, "My work")
    expect(_card(jules, park_id, within="#created-list")).to_have_count(0)
    expect(_card(jules, handoff_id, within="#created-list")).to_be_visible()


def test_offline_during_an_escalation_says_offline_and_shows_what_was_missed_when_back(sign_in: SignIn, stack: Stack) -> None:
    # Given a senior's live console, whose network goes away
    sam = sign_in(SAM)
    indicator = sam.locator("#connection")
    sam.context.set_offline(True)
    # Then the indicator says so at once (not "Live")
    expect(indicator).to_have_attribute("data-state", "offline", timeout=2_000)
    expect(indicator).to_have_text("Offline")
    # When an escalation is made meanwhile
    missed = _handoff(stack, notes="Made while you were offline", subject="Missed while offline")
    sam.wait_for_timeout(1_000)
    expect(_card(sam, missed["id"])).to_have_count(0)
    # And the network comes back
    sam.context.set_offline(False)
    # Then the page reconnects, resumes, and shows it without a reload
    expect(indicator).to_have_attribute("data-state", "live", timeout=10_000)
    expect(_card(sam, missed["id"])).to_be_visible(timeout=10_000)
    _act(stack, JULES, missed, "withdraw")


def _in_parallel(stack: Stack, work: Callable[[httpx.Client, Any], Any], items: list[Any]) -> list[Any]:
    """`work(client, item)` for every item, four at a time, each thread with Jules's client of its own."""

    def share(part: list[Any]) -> list[Any]:
        with stack.client(JULES) as client:
            return [work(client, item) for item in part]

    with ThreadPoolExecutor(4) as pool:
        return [done for part in pool.map(share, [items[n::4] for n in range(4)]) for done in part]


def _escalate(client: httpx.Client, subject: str) -> dict[str, Any]:
    session = client.post("/api/v1/ai-sessions", json={"intake_type": "ticket", "intake_content": {}, "subject": subject})
    assert session.status_code == 201, session.text
    reply = client.post(f"/api/v1/ai-sessions/{session.json()['id']}/handoff", json={"intent": "escalate"})
    assert reply.status_code == 201, reply.text
    return dict(reply.json())


def _withdraw(client: httpx.Client, handoff: dict[str, Any]) -> None:
    reply = client.post(f"/api/v1/ai-sessions/{handoff['session_id']}/handoffs/{handoff['id']}/withdraw")
    assert reply.status_code == 200, reply.text


def test_back_from_an_absence_longer_than_a_resume_the_console_asks_again_and_misses_nothing(
    sign_in: SignIn, stack: Stack
) -> None:
    # Given 200 open escalations on a senior's live console, whose network goes away
    tag = f"Away{int(time.time() * 1000) % 10**8}"
    fillers = _in_parallel(stack, _escalate, [f"{tag} filler"] * 200)
    sam = sign_in(SAM)
    sent: list[str] = []
    sam.on("websocket", lambda socket: socket.on("framesent", lambda frame: sent.append(str(frame))))
    sam.fill("#queue-search", tag)
    expect(sam.locator("#queue-list li.card")).to_have_count(25, timeout=10_000)
    sam.context.set_offline(True)
    expect(sam.locator("#connection")).to_have_attribute("data-state", "offline", timeout=2_000)
    # When more handoffs change meanwhile than one resume sends (all 200 withdrawn), then a new one comes, last
    _in_parallel(stack, _withdraw, fillers)
    newest = _handoff(stack, notes="The newest, made last", subject=f"{tag} newest")
    # And the network comes back
    sam.context.set_offline(False)
    expect(sam.locator("#connection")).to_have_attribute("data-state", "live", timeout=10_000)
    # Then the page resumes, is told there is more, asks again from `next_since`: the newest shows, no filler is left
    expect(_card(sam, newest["id"])).to_be_visible(timeout=15_000)
    expect(sam.locator("#queue-list li.card")).to_have_count(1)
    assert len([frame for frame in sent if '"resume"' in frame]) >= 2, sent
    _act(stack, JULES, newest, "withdraw")  # leave the shared queue as it was


def _first_socket_goes_silent(sockets: list[WebSocketRoute]) -> Any:
    """A page preparer: its first WebSocket passes "ready" and then nothing (no pong, no push); later ones relay all."""

    def relay(ws: WebSocketRoute) -> None:
        sockets.append(ws)
        server = ws.connect_to_server()
        first = len(sockets) == 1
        ws.on_message(server.send)

        def to_page(message: str | bytes) -> None:
            if not first or '"ready"' in str(message):
                ws.send(message)

        server.on_message(to_page)

    return lambda page: page.route_web_socket(re.compile(r".*/ws\?ticket=.*"), relay)


def _wait_for_sockets(page: Page, sockets: list[WebSocketRoute], n: int, seconds: float = 10) -> None:
    for _ in range(int(seconds * 10)):  # Playwright runs the routes' callbacks only while the test waits through it
        if len(sockets) >= n:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"{len(sockets)} WebSocket(s), not {n}, within {seconds} s")


def test_a_silent_socket_is_dropped_by_the_heartbeat_and_the_page_reconnects_and_resumes(sign_in: SignIn, stack: Stack) -> None:
    # Given a console whose first socket goes silent after "ready", with a 1 s heartbeat
    sockets: list[WebSocketRoute] = []
    sam = sign_in(SAM, config={"pingSeconds": 1, "pongTimeoutSeconds": 1}, prepare=_first_socket_goes_silent(sockets))
    # When an escalation is made while that socket says nothing
    missed = _handoff(stack, notes="Made while the socket was silent", subject="Silent socket")
    # Then the heartbeat gives up on it, a new socket opens, and the resume brings the escalation
    _wait_for_sockets(sam, sockets, 2)
    expect(sam.locator("#connection")).to_have_attribute("data-state", "live", timeout=10_000)
    expect(_card(sam, missed["id"])).to_be_visible(timeout=10_000)


def test_coming_back_to_the_tab_checks_the_socket_at_once(sign_in: SignIn, stack: Stack) -> None:
    # Given a console whose socket went silent, with a heartbeat too slow to notice soon (10 min)
    sockets: list[WebSocketRoute] = []
    sam = sign_in(SAM, config={"pingSeconds": 600, "pongTimeoutSeconds": 1}, prepare=_first_socket_goes_silent(sockets))
    missed = _handoff(stack, notes="Made while the tab was hidden", subject="Hidden tab")
    sam.wait_for_timeout(1_500)
    assert len(sockets) == 1
    # When the user comes back to the tab
    sam.evaluate(
        """() => {
          Object.defineProperty(document, "hidden", { value: false, configurable: true });
          document.dispatchEvent(new Event("visibilitychange"));
        }"""
    )
    # Then the page pings at once, gets no pong, reconnects and shows what it missed
    _wait_for_sockets(sam, sockets, 2, seconds=5)
    expect(_card(sam, missed["id"])).to_be_visible(timeout=10_000)


def test_the_losers_card_says_who_won_and_is_a_plain_card_again_after_the_winner_releases(sign_in: SignIn, stack: Stack) -> None:
    # Given Sam and Sasha with the same escalation in their queues
    sam, sasha = sign_in(SAM), sign_in(SASHA)
    handoff = _handoff(stack, notes="Race me", subject="The race")
    card = _card(sasha, handoff["id"])
    expect(card).to_be_visible(timeout=5_000)
    expect(_card(sam, handoff["id"])).to_be_visible(timeout=5_000)

    # When Sam's Pick Up reaches the server just before Sasha's
    def sam_first(route: Route) -> None:
        _act(stack, SAM, handoff, "claim")
        route.continue_()

    sasha.route("**/claim", sam_first)
    card.locator(".pickup").click()
    # Then Sasha's card says who has it, offers Dismiss, and no longer counts as open
    expect(card.locator(".outcome")).to_contain_text(f"Picked up by {SAM_NAME} at", timeout=5_000)
    expect(card.locator(".pickup")).to_have_text("Dismiss")
    expect(card.locator(".pickup")).to_be_focused()
    count_while_taken = sasha.locator("#queue-count").inner_text()
    # When Sam releases it
    sasha.unroute("**/claim")
    _act(stack, SAM, handoff, "release", {"reason": "Wrong client"})
    # Then Sasha's card is a plain open card again, counted, with Pick Up (no stale "picked up by")
    expect(card.locator(".outcome")).to_have_text("", timeout=5_000)
    expect(card).to_have_attribute("data-taken", "false")
    expect(card.locator(".pickup")).to_have_text("Pick Up")
    n = int(count_while_taken.strip("()"))
    expect(sasha.locator("#queue-count")).to_have_text(f"({n + 1})")
    # And her Pick Up now works
    card.locator(".pickup").click()
    expect(sasha.locator("#context-message")).to_contain_text("Picked up")
    _act(stack, SASHA, handoff, "resolve", {"resolution_notes": "done"})


def test_the_emails_pick_it_up_link_opens_the_handoff_with_pick_up_after_sign_in_and_after_a_reload(
    browser: Any, stack: Stack
) -> None:
    # Given the link of the email an escalation sent to Sasha
    handoff = _handoff(stack, notes="Follow the email", subject="Email deep link")
    (mail,) = eventually(lambda: stack.outbox_to(SASHA, handoff["id"]), 15, "the escalation email")
    link = re.search(r"https?://\S+#/handoffs/[\w-]+/[\w-]+", mail["text"]).group(0)  # type: ignore[union-attr]
    assert link.startswith(stack.base_url)
    # When she opens it signed out, and signs in
    context = browser.new_context(viewport={"width": PHONE_WIDTH, "height": 844})
    page = context.new_page()
    page.goto(link)
    page.select_option("#demo-user", SASHA)
    page.click("#local-sign-in button")
    # Then the handoff is open with Pick Up, on a phone
    expect(page.locator("#context-notes")).to_have_text("Follow the email", timeout=10_000)
    _actions(page, ["Pick Up"])
    _screenshot(page, "deep-link-phone")
    page.locator("#do-claim").click()
    _actions(page, ["Release", "Reassign", "Resolve"])
    # And a reload keeps the handoff and her holder's actions
    page.reload()
    expect(page.locator("#context-notes")).to_have_text("Follow the email", timeout=10_000)
    _actions(page, ["Release", "Reassign", "Resolve"])
    context.close()
    _act(stack, SASHA, handoff, "resolve", {"resolution_notes": "done"})


def _check_screen(page: Page, script: Path, name: str) -> None:
    assert axe_violations(page, script) == [], name
    assert small_targets(page) == [], name
    assert not overflows(page), f"{name} is wider than {PHONE_WIDTH} px"


def test_every_screen_is_axe_clean_with_44_px_targets_and_fits_a_390_px_phone(
    browser: Any, sign_in: SignIn, stack: Stack, axe_script: Path
) -> None:
    # The sign-in screen, before anyone signs in: no live indicator, since nothing is connected
    context = browser.new_context(viewport={"width": PHONE_WIDTH, "height": 844})
    page = context.new_page()
    page.goto(stack.base_url + "/")
    expect(page.locator("#demo-user")).to_be_visible()
    expect(page.locator("#connection")).to_be_hidden()
    _check_screen(page, axe_script, "sign-in")
    context.close()
    # A senior's phone: the queue (with an overdue-looking P1 card), my work, hand off, a handoff's context
    handoff = _handoff(
        stack, notes="Phone check", subject="A rather long subject line that has to wrap on a phone", priority="P1"
    )
    sam = sign_in(SAM, width=PHONE_WIDTH)
    expect(_card(sam, handoff["id"])).to_be_visible()
    _check_screen(sam, axe_script, "queue")
    _screenshot(sam, "queue-phone")
    for name, title in (("My work", "#mywork-title"), ("Hand off", "#new-title")):
        sam.locator("#nav").get_by_role("link", name=name).focus()  # keyboard: the nav link, then Enter
        sam.keyboard.press("Enter")
        expect(sam.locator(title)).to_be_focused()
        _check_screen(sam, axe_script, name)
    _nav(sam, "Queue")
    _card(sam, handoff["id"]).locator(".pickup").click()
    expect(sam.locator("#context-message")).to_contain_text("Picked up")
    sam.locator("#do-reassign").click()
    _check_screen(sam, axe_script, "context")
    _screenshot(sam, "context-phone")
    _nav(sam, "My work")
    expect(_card(sam, handoff["id"], within="#held-list")).to_be_visible()
    _check_screen(sam, axe_script, "my work with a card")
    # The viewer's screen, with a session looked up
    viewer = sign_in("viewer@acme.test", live=False, width=PHONE_WIDTH)
    viewer.fill("#session-id", handoff["session_id"])
    viewer.click("#session-lookup button")
    expect(viewer.locator("#viewer-session")).to_be_visible()
    _check_screen(viewer, axe_script, "viewer")
    _act(stack, SAM, handoff, "resolve", {"resolution_notes": "done"})
