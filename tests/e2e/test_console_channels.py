"""Settings > Channels in headless Chromium: an owner pastes a Teams webhook URL, sends a test message, sees a
refusal, removes it; engineers have no Channels entry."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import Stack
from tests.e2e.test_console import _signed_in, browser  # noqa: F401 (the browser fixture)

pytestmark = pytest.mark.skipif(
    __import__("shutil").which("chromium") is None, reason="Debian's chromium is not installed (apt-get install chromium)"
)


def test_an_owner_sets_tests_and_removes_the_teams_webhook_from_the_console(browser: Browser, stack: Stack) -> None:  # noqa: F811
    receiver = stack.health().json()["webhook_receiver"]
    url = f"{receiver}/teams/console-test-WXYZ"
    # Given acme's owner in the console
    page = _signed_in(browser, stack, "owner@acme.test")
    expect(page.locator("#queue")).to_be_visible(timeout=10_000)
    # When they open Channels from the nav, paste the Teams webhook URL and save
    page.click("#nav-channels")
    expect(page.locator("#channel-teams-state")).to_contain_text("Not set")
    page.fill("#channel-teams-url", url)
    page.click("#channel-teams-save")
    # Then it says it is set, by its last 4 characters only, and the URL is nowhere on the page
    expect(page.locator("#channel-teams-state")).to_contain_text("…WXYZ")
    expect(page.locator("#channel-teams-message")).to_contain_text("Saved")
    assert url not in page.content()
    # When they send a test message, Then the page says what Teams answered, and the receiver has it
    page.click("#channel-teams-test")
    expect(page.locator("#channel-teams-message")).to_contain_text("Microsoft Teams answered 200")
    received = httpx.get(f"{stack.base_url}/local/webhooks").json()
    assert any(post["path"] == "/teams/console-test-WXYZ" for post in received)
    # When Teams refuses the next one, Then the page shows the refusal as the last delivery
    httpx.post(f"{stack.base_url}/local/webhooks/faults", json={"status": 404, "count": 1})
    page.click("#channel-teams-test")
    expect(page.locator("#channel-teams-message")).to_contain_text("Microsoft Teams answered 404")
    expect(page.locator("#channel-teams-last")).to_have_attribute("data-outcome", "rejected")
    # When they paste a URL that is not https, Then the API's rule is shown and nothing changes
    page.fill("#channel-teams-url", "http://contoso.webhook.office.com/x")
    page.click("#channel-teams-save")
    expect(page.locator("#channel-teams-message")).to_contain_text("https")
    expect(page.locator("#channel-teams-state")).to_contain_text("…WXYZ")
    # When they remove it, Then it is not set
    page.click("#channel-teams-remove")
    expect(page.locator("#channel-teams-state")).to_contain_text("Not set")
    page.context.close()


def test_an_engineer_has_no_channels_entry(browser: Browser, stack: Stack) -> None:  # noqa: F811
    page = _signed_in(browser, stack, "senior@acme.test")
    expect(page.locator("#queue")).to_be_visible(timeout=10_000)
    expect(page.locator("#nav-queue")).to_be_visible()
    expect(page.locator("#nav-channels")).to_have_count(0)
    # And going to the address directly does not open it
    page.goto(stack.base_url + "/#/settings/channels")
    page.reload()
    expect(page.locator("#queue")).to_be_visible(timeout=10_000)
    expect(page.locator("#channels")).to_be_hidden()
    page.context.close()
