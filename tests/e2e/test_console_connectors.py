"""Settings > Connectors in headless Chromium: an owner connects ConnectWise PSA (the local stand-in), sees its
members mapped by email, corrects the map, tests it, sees a refusal, disconnects; engineers have no entry."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import Stack
from tests.e2e.console_kit import axe_script, axe_violations  # noqa: F401 (the axe_script fixture)
from tests.e2e.test_console import _signed_in, browser  # noqa: F401 (the browser fixture)

pytestmark = pytest.mark.skipif(
    __import__("shutil").which("chromium") is None, reason="Debian's chromium is not installed (apt-get install chromium)"
)


def _screenshot(page: Page, name: str) -> None:
    """Kept for a person to look at when BATON_SCREENSHOTS names a folder."""
    folder = os.environ.get("BATON_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_an_owner_connects_connectwise_maps_members_tests_and_disconnects(
    browser: Browser,  # noqa: F811
    stack: Stack,
    axe_script: Path,  # noqa: F811
) -> None:
    site = httpx.get(f"{stack.base_url}/local/connectors").json()["connectwise"]["host"]
    # Given acme's owner in the console
    page = _signed_in(browser, stack, "owner@acme.test")
    expect(page.locator("#queue")).to_be_visible(timeout=10_000)
    # When they open Connectors and connect ConnectWise with the stand-in's site and keys
    page.click("#nav-connectors")
    expect(page.locator("#connector-connectwise-state")).to_contain_text("Not connected")
    page.fill("#connector-connectwise-site", site)
    page.fill("#connector-connectwise-company_id", "acme")
    page.fill("#connector-connectwise-escalation_status", "Escalate to T2")
    page.fill("#connector-connectwise-public_key", "acmepublic")
    page.fill("#connector-connectwise-private_key", "acmeprivate")
    page.fill("#connector-connectwise-client_id", "console-test")
    page.click("#connector-connectwise-save")
    # Then it says it is connected, the keys are gone from the page, and the members are mapped by email
    expect(page.locator("#connector-connectwise-state")).to_contain_text("Connected to", timeout=15_000)
    assert "acmeprivate" not in page.content()
    senior = stack.user("senior@acme.test")["id"]
    expect(page.locator(f"#connector-connectwise-member-{senior}")).to_have_value("asenior")
    _screenshot(page, "connectors-connected")
    # And the page has no serious accessibility problem (axe-core)
    assert axe_violations(page, axe_script) == []
    # When the owner maps themselves by hand and saves the map, Then it is kept
    owner = stack.user("owner@acme.test")["id"]
    page.select_option(f"#connector-connectwise-member-{owner}", "aadmin")
    page.click("#connector-connectwise-save-members")
    expect(page.locator("#connector-connectwise-message")).to_contain_text("Member map saved")
    expect(page.locator(f"#connector-connectwise-member-{owner}")).to_have_value("aadmin")
    # When they test it, Then ConnectWise's answer is shown
    page.click("#connector-connectwise-test")
    expect(page.locator("#connector-connectwise-message")).to_contain_text("ConnectWise PSA answered 200")
    # When ConnectWise refuses the keys, Then the test says so
    httpx.post(f"{stack.base_url}/local/connectors/connectwise/faults", json={"status": 401, "count": 1})
    page.click("#connector-connectwise-test")
    expect(page.locator("#connector-connectwise-message")).to_contain_text("ConnectWise PSA answered 401")
    _screenshot(page, "connectors-refused")
    # When they disconnect, Then it is not connected
    page.click("#connector-connectwise-remove")
    expect(page.locator("#connector-connectwise-state")).to_contain_text("Not connected")
    page.context.close()


def test_an_engineer_has_no_connectors_entry(browser: Browser, stack: Stack) -> None:  # noqa: F811
    page = _signed_in(browser, stack, "senior@acme.test")
    expect(page.locator("#queue")).to_be_visible(timeout=10_000)
    expect(page.locator("#nav-connectors")).to_have_count(0)
    page.goto(stack.base_url + "/#/settings/connectors")
    page.reload()
    expect(page.locator("#queue")).to_be_visible(timeout=10_000)
    expect(page.locator("#connectors")).to_be_hidden()
    page.context.close()
