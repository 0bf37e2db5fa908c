"""Everyone in by lunch, in headless Chromium under `make dev` (the local issuer lets any address sign in, as the
stack's Cognito pool lets any invited address sign itself up): an owner invites 20 people at once from the People
page, and three of them sign in and join with no operator step. Then a person chooses a digest under "My email", and
the owner chooses who is emailed on the Team & SLA page.

Set BATON_SCREENSHOTS=1 to (re)write docs/console-bulk-invite.png, docs/console-my-email.png and
docs/console-who-is-emailed.png.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e import console_kit
from tests.e2e.conftest import Stack, eventually
from tests.e2e.console_kit import axe_violations
from tests.e2e.test_console_lifecycle import axe_script, browser  # noqa: F401
from tests.e2e.test_console_people import Open, oidc_sign_in, open_console, screenshot  # noqa: F401

pytestmark = console_kit.needs_chromium


def test_an_owner_invites_twenty_people_at_once_and_three_sign_in_and_join_with_no_operator_step(
    open_console: Open,  # noqa: F811
    stack: Stack,
    axe_script: Path,  # noqa: F811
) -> None:
    run = uuid.uuid4().hex[:6]
    people = [(f"team-{run}-{n:02}@example.com", "admin" if n == 0 else "engineer") for n in range(20)]
    csv = "email,role\n" + "\n".join(f"{email},{role}" for email, role in people) + "\nsenior@acme.test,engineer\n"
    # Given acme's owner on the People page
    owner = open_console()
    oidc_sign_in(owner, "owner@acme.test", demo=True)
    expect(owner.locator("#queue")).to_be_visible(timeout=10_000)
    owner.click("#nav-people")
    expect(owner.locator("#people-account")).to_have_text(re.compile("Acme"), timeout=10_000)
    # When the owner pastes 20 people (and one who is a member already) and invites them all
    owner.fill("#bulk-csv", csv)
    owner.click("#bulk-send")
    # Then 20 are invited, and the member's line is named as skipped, with why
    expect(owner.locator("#people-message")).to_contain_text("Invited 20 people; 1 skipped", timeout=20_000)
    expect(owner.locator("#bulk-skipped li")).to_have_text([re.compile(r"Line 22 \(senior@acme\.test\): .*already a member")])
    for email, _ in people:
        expect(owner.locator(f"#invitations-body tr[data-email='{email}']")).to_be_visible()
    screenshot(owner, "bulk-invite")
    assert axe_violations(owner, axe_script) == []
    # And each of them gets their invitation email
    for email, _ in people[:3]:
        eventually(lambda e=email: stack.outbox_to(e, "invited you"), 20, f"the invitation email to {email}")
    # When three of them open the console, sign in with their own address and join, with nobody's help
    for email, role in people[:3]:
        page = open_console()
        oidc_sign_in(page, email)
        join = page.get_by_role("button", name="Join Acme IT")
        expect(join).to_be_visible(timeout=10_000)
        join.click()
        # Then each is in: the live queue of acme, with the role they were invited with
        expect(page.locator("#queue")).to_be_visible(timeout=10_000)
        expect(page.locator("#who")).to_contain_text(f"{role} · acme")
        expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=10_000)
    # And the owner sees them as members, and 17 invitations still pending
    owner.reload()
    expect(owner.locator(f"#members-body tr[data-email='{people[0][0]}']")).to_be_visible(timeout=10_000)
    expect(owner.locator(f"#invitations-body tr[data-email^='team-{run}-']")).to_have_count(17)


def test_a_person_chooses_a_digest_and_the_owner_chooses_who_is_emailed(
    open_console: Open,  # noqa: F811
    stack: Stack,
    axe_script: Path,  # noqa: F811
) -> None:
    # Given senior2 of globex on "My email"
    page = open_console()
    oidc_sign_in(page, "senior2@globex.test", demo=True)
    expect(page.locator("#queue")).to_be_visible(timeout=10_000)
    page.click("#nav-profile")
    expect(page.locator("#mode-immediate")).to_be_checked(timeout=10_000)
    expect(page.locator("#profile-digest")).to_be_hidden()
    # When they choose a digest every 30 minutes and save
    page.check("#mode-digest")
    page.fill("#digest-minutes", "30")
    page.click("#profile-form button[type=submit]")
    # Then it is saved, and says so
    expect(page.locator("#profile-message")).to_have_text("Saved: one email every 30 minutes with what happened meanwhile.")
    screenshot(page, "my-email")
    assert axe_violations(page, axe_script) == []
    with stack.client("senior2@globex.test") as client:
        assert client.get("/api/v1/me").json()["email_mode"] == "digest"
    # When globex's owner says a new escalation goes to the engineers without baton open, and the creator hears of level 1
    owner = open_console()
    oidc_sign_in(owner, "owner@globex.test", demo=True)
    owner.click("#nav-team")
    expect(owner.locator("#notify-on_create-engineers")).to_be_checked(timeout=10_000)
    owner.uncheck("#notify-on_create-engineers")
    owner.uncheck("#notify-on_create-admins")
    owner.check("#notify-on_create-engineers_without_live_console")
    owner.check("#notify-on_level_1-creator")
    owner.click("#notify-form button[type=submit]")
    expect(owner.locator("#notify-message")).to_contain_text("Saved", timeout=10_000)
    screenshot(owner, "who-is-emailed")
    assert axe_violations(owner, axe_script) == []
    with stack.client("owner@globex.test") as client:
        notify = client.get("/api/v1/account/policy").json()["notify"]
        # And the ladder's steps were kept; put the defaults back for the other tests
        assert notify["on_create"] == ["engineers_without_live_console"] and "creator" in notify["on_level_1"]
        policy = client.get("/api/v1/account/policy").json()
        defaults = {"on_create": ["engineers", "admins"], "on_level_1": ["engineers"], "on_level_2": ["admins", "owners"]}
        assert client.put("/api/v1/account/policy", json={**policy, "notify": defaults}).status_code == 200
    with stack.client("senior2@globex.test") as client:
        assert client.patch("/api/v1/me", json={"email_mode": "immediate"}).status_code == 200
