"""axe-core on every screen of the console a test elsewhere does not already open at a phone's width: the owner's
Team & SLA (with the policy editor's business hours shown), People (with the bulk invite), My email, Channels,
Connectors and Chat links, on a desktop and on a 390 px phone; and the viewer's Sessions list and Chat links.
(The sign-in screen, queue, my work, hand off and a handoff's context: test_console_workday's every-screen test.)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e import console_kit
from tests.e2e.console_kit import PHONE_WIDTH, SignIn, axe_violations, overflows

browser, sign_in, axe_script, empty_queues = (
    console_kit.browser,
    console_kit.sign_in,
    console_kit.axe_script,
    console_kit.empty_queues,
)
pytestmark = console_kit.needs_chromium

# Each screen: its nav entry, and what shows once it has loaded what it shows.
SOME_TEXT = re.compile(r"\w")


def _shows(selector: str, text: re.Pattern[str] = SOME_TEXT) -> Callable[[Page], None]:
    return lambda page: expect(page.locator(selector)).to_have_text(text, timeout=10_000)


OWNER_SCREENS: tuple[tuple[str, Callable[[Page], None]], ...] = (
    ("team", lambda page: expect(page.locator("#remind-after")).to_have_value(re.compile(r"\d"), timeout=10_000)),
    ("people", _shows("#people-account", re.compile("Acme"))),
    ("profile", lambda page: expect(page.locator("#profile-form [name=email_mode]:checked")).to_have_count(1, timeout=10_000)),
    ("channels", _shows("#channel-teams-state")),
    ("connectors", _shows("#connector-connectwise-state")),
    ("chatLinks", _shows("#link-slack-state")),
)


def _open(page: Page, nav: str, loaded: Callable[[Page], None]) -> None:
    page.click(f"#nav-{nav}")
    loaded(page)
    page.wait_for_load_state("networkidle")


def _clean(page: Page, script: Path, name: str) -> None:
    assert axe_violations(page, script) == [], name
    assert not overflows(page), f"{name} is wider than the screen"


@pytest.mark.parametrize("width", [1100, PHONE_WIDTH])
def test_every_owner_screen_is_axe_clean_and_fits(sign_in: SignIn, axe_script: Path, width: int) -> None:
    # Given acme's owner, on a desktop and on a phone
    owner = sign_in("owner@acme.test", width=width)
    for nav, loaded in OWNER_SCREENS:
        # When each screen is open, Then axe-core finds nothing serious and nothing is wider than the screen
        _open(owner, nav, loaded)
        _clean(owner, axe_script, nav)
        if nav == "team":  # the policy editor with its business hours shown (not saved)
            owner.check("#hours-on")
            expect(owner.locator("#hours-detail")).to_be_visible()
            _clean(owner, axe_script, "team, business hours")


def test_the_viewers_screens_are_axe_clean(sign_in: SignIn, axe_script: Path) -> None:
    # Given acme's viewer on a phone, When the Sessions list and Chat links are open, Then axe-core finds nothing
    viewer = sign_in("viewer@acme.test", live=False, width=PHONE_WIDTH)
    expect(viewer.locator("#viewer")).to_be_visible(timeout=10_000)
    viewer.wait_for_load_state("networkidle")
    _clean(viewer, axe_script, "sessions")
    _open(viewer, *OWNER_SCREENS[-1])
    _clean(viewer, axe_script, "chat links")
