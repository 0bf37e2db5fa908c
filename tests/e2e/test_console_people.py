"""Accounts and people in headless Chromium: the whole path of issue 11 (baton-admin invites a new
address -> the console's OIDC sign-in on the local issuer's page -> join -> the queue -> Pick Up ->
an owner removes them on the People page -> they lose access), the People page's actions, sign-in
shared across tabs with sign-out everywhere, the silent refresh, and axe-core on the new screens.

Set BATON_SCREENSHOTS=1 to (re)write docs/console-sign-in.png, docs/console-join.png, docs/console-people.png.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import Stack
from tests.e2e.console_kit import axe_violations as _axe_violations
from tests.e2e.test_accounts_live import admin_cli
from tests.e2e.test_console_lifecycle import DOCS, _card, _handoff, axe_script, browser  # noqa: F401

pytestmark = pytest.mark.skipif(
    not Path("/usr/bin/chromium").exists(), reason="Debian's chromium is not installed (apt-get install chromium)"
)

Open = Callable[..., Page]


@pytest.fixture
def open_console(browser: Browser, stack: Stack) -> Iterator[Open]:  # noqa: F811
    """A fresh browser context (one person) on the console; closed after the test."""
    contexts: list[BrowserContext] = []

    def opened(clock: bool = False) -> Page:
        context = browser.new_context(viewport={"width": 1100, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        if clock:
            page.clock.install()
        page.goto(stack.base_url + "/")
        expect(page.locator("#oidc-button")).to_be_visible(timeout=10_000)
        return page

    yield opened
    for context in contexts:
        context.close()


def oidc_sign_in(page: Page, email: str, demo: bool = False) -> None:
    """The console's real sign-in: to the issuer's authorize page, pick or type an address, come back."""
    page.click("#oidc-button")
    expect(page.get_by_role("heading", name="Sign in to baton")).to_be_visible(timeout=10_000)
    if demo:
        page.locator("ul.people button", has_text=email).click()
    else:
        page.fill("#email", email)
        page.click("#continue")
    page.wait_for_url(re.compile(r"^[^?]*$"), timeout=10_000)  # back on the console, the code exchanged


def screenshot(page: Page, name: str) -> None:
    if os.environ.get("BATON_SCREENSHOTS"):
        page.screenshot(path=str(DOCS / f"console-{name}.png"), full_page=True)


def stored_tokens(page: Page) -> dict[str, object]:
    return dict(json.loads(page.evaluate("localStorage.getItem('baton.auth')") or "{}"))


def test_invited_by_baton_admin_signs_in_joins_picks_up_and_loses_access_when_removed(
    open_console: Open,
    stack: Stack,
    axe_script: Path,  # noqa: F811
) -> None:
    newbie = f"nia-{uuid.uuid4().hex[:6]}@example.com"
    # Given the operator invited a new address to acme with baton-admin
    invited = admin_cli(stack, "invite", "--account", "acme", "--email", newbie, "--role", "engineer")
    assert invited.returncode == 0, invited.stderr
    # When she opens the console and signs in through the identity provider with that address
    page = open_console()
    screenshot(page, "sign-in")
    page.click("#oidc-button")
    expect(page.get_by_role("heading", name="Sign in to baton")).to_be_visible(timeout=10_000)
    screenshot(page, "sign-in-picker")
    assert _axe_violations(page, axe_script) == []
    page.fill("#email", newbie)
    page.click("#continue")
    # Then she is not a member yet, and the join screen offers acme's invitation
    join = page.get_by_role("button", name="Join Acme IT")
    expect(join).to_be_visible(timeout=10_000)
    expect(page.locator("#join")).to_contain_text("invites you as engineer")
    screenshot(page, "join")
    assert _axe_violations(page, axe_script) == []
    # When she joins, Then she has the live queue of acme
    join.click()
    expect(page.locator("#queue")).to_be_visible(timeout=10_000)
    expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=10_000)
    expect(page.locator("#who")).to_contain_text("engineer · acme")
    # When a junior escalates, Then it arrives in her queue and she picks it up
    handoff_id = _handoff(stack, notes="Printer on fire")
    card = _card(page, handoff_id)
    expect(card).to_be_visible(timeout=10_000)
    card.locator(".pickup").click()
    expect(page.locator("#context-notes")).to_have_text("Printer on fire", timeout=10_000)
    # When acme's owner removes her on the People page
    owner = open_console()
    oidc_sign_in(owner, "owner@acme.test", demo=True)
    expect(owner.locator("#queue")).to_be_visible(timeout=10_000)
    owner.click("#nav-people")
    row = owner.locator(f"#members-body tr[data-email='{newbie}']")
    expect(row).to_be_visible(timeout=10_000)
    row.get_by_role("button", name=re.compile("^Remove")).click()
    expect(owner.locator("#people-message")).to_contain_text("was removed", timeout=10_000)
    expect(row).to_have_count(0)
    # Then her live connection is gone at once, and on her next load she is told she is not a member
    expect(page.locator("#connection")).not_to_have_attribute("data-state", "live", timeout=10_000)
    # (issue 24: she is told why, the page stops reconnecting, and what it shows can no longer be acted on)
    expect(page.locator("#notice")).to_contain_text("You were removed from Acme IT.", timeout=10_000)
    expect(page.locator("#connection")).to_have_text("Disconnected")
    expect(page.locator("#context-actions .action-buttons button").first).to_be_disabled()
    screenshot(page, "removed")
    page.reload()
    expect(page.locator("#join")).to_be_visible(timeout=10_000)
    expect(page.locator("#join-why")).to_contain_text("not a member")
    expect(page.locator("#join-none")).to_be_visible()


def test_the_people_page_invites_revokes_and_changes_roles(open_console: Open, stack: Stack, axe_script: Path) -> None:  # noqa: F811
    address = f"pat-{uuid.uuid4().hex[:6]}@example.com"
    owner = open_console()
    oidc_sign_in(owner, "owner@acme.test", demo=True)
    owner.click("#nav-people")
    expect(owner.locator("#people-account")).to_have_text(re.compile("Acme"), timeout=10_000)
    # When the owner invites an address as a viewer, Then it is pending and its email goes out
    owner.fill("#invite-email", address)
    owner.select_option("#invite-role", "viewer")
    owner.click("#invite-form button[type=submit]")
    pending = owner.locator(f"#invitations-body tr[data-email='{address}']")
    expect(pending).to_be_visible(timeout=10_000)
    expect(owner.locator("#people-message")).to_contain_text(f"Invited {address} as viewer")
    assert httpx.get(f"{stack.base_url}/local/outbox").status_code == 200
    screenshot(owner, "people")
    assert _axe_violations(owner, axe_script) == []
    # When the same address is invited again, Then the server's 409 is shown
    owner.fill("#invite-email", address)
    owner.click("#invite-form button[type=submit]")
    expect(owner.locator("#people-message")).to_contain_text("already has a pending invitation", timeout=10_000)
    # When it is revoked, Then it leaves the list
    pending.get_by_role("button", name=f"Revoke the invitation of {address}").click()
    expect(pending).to_have_count(0, timeout=10_000)
    # When the owner makes senior2 a viewer and back (each confirmed: issue 24), Then each change is said
    role = owner.locator("#members-body tr[data-email='senior2@acme.test'] select")
    role.select_option("viewer")
    owner.locator("#role-confirm").click()
    expect(owner.locator("#people-message")).to_contain_text("is now a viewer", timeout=10_000)
    owner.locator("#members-body tr[data-email='senior2@acme.test'] select").select_option("engineer")
    owner.locator("#role-confirm").click()
    expect(owner.locator("#people-message")).to_contain_text("is now an engineer", timeout=10_000)
    # And an admin sees the owner's row locked and cannot offer the owner role
    admin = open_console()
    oidc_sign_in(admin, "admin@acme.test", demo=True)
    admin.goto(stack.base_url + "/#/people")
    expect(admin.locator("#members-body tr[data-email='owner@acme.test'] button")).to_be_disabled(timeout=10_000)
    assert "owner" not in admin.locator("#invite-role option").all_inner_texts()
    # And an engineer has no People page at all
    senior = open_console()
    oidc_sign_in(senior, "senior@acme.test", demo=True)
    expect(senior.locator("#queue")).to_be_visible(timeout=10_000)
    expect(senior.locator("#nav-queue")).to_be_visible()
    expect(senior.locator("#nav-people")).to_have_count(0)


def test_sign_in_is_shared_across_tabs_and_signing_out_ends_it_everywhere(open_console: Open) -> None:
    first = open_console()
    oidc_sign_in(first, "senior@acme.test", demo=True)
    expect(first.locator("#queue")).to_be_visible(timeout=10_000)
    # When a second tab of the same browser opens the console, Then it is signed in without asking
    second = first.context.new_page()
    second.goto(first.url)
    expect(second.locator("#queue")).to_be_visible(timeout=10_000)
    expect(second.locator("#who")).to_contain_text("Sam Senior")
    # When the first tab signs out, Then the second one is signed out too
    first.click("#sign-out")
    expect(second.locator("#sign-in")).to_be_visible(timeout=10_000)
    expect(first.locator("#sign-in")).to_be_visible(timeout=10_000)


def test_the_access_token_is_refreshed_silently_before_it_expires(open_console: Open, stack: Stack) -> None:
    page = open_console(clock=True)
    oidc_sign_in(page, "senior2@acme.test", demo=True)
    expect(page.locator("#queue")).to_be_visible(timeout=10_000)
    before = stored_tokens(page)
    assert before["refresh_token"] and before["access_token"]
    # When the page's clock reaches a minute before the token's expiry
    page.clock.run_for("59:10")
    # Then it holds a new access token and a rotated refresh token, and the API takes the new token
    page.wait_for_function(
        "JSON.parse(localStorage.getItem('baton.auth')).refresh_token !== " + json.dumps(before["refresh_token"])
    )
    after = stored_tokens(page)
    assert after["access_token"] != before["access_token"]
    reply = httpx.get(f"{stack.base_url}/api/v1/me", headers={"Authorization": f"Bearer {after['access_token']}"})
    assert reply.status_code == 200 and reply.json()["email"] == "senior2@acme.test"
    # And the old refresh token no longer works (rotation)
    reused = httpx.post(
        f"{stack.base_url}/local/oidc/token",
        data={"grant_type": "refresh_token", "client_id": "baton-local", "refresh_token": str(before["refresh_token"])},
    )
    assert reused.status_code == 400
