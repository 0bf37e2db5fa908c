"""What the console's Chromium tests share: the browser, one signed-in context per person, axe-core."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.e2e.conftest import Stack

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
A11Y = Path(__file__).resolve().parent / "a11y"  # package.json + lock: axe-core pinned with its integrity hash
AXE_SCRIPT = Path(os.environ.get("BATON_AXE_SCRIPT", A11Y / "node_modules" / "axe-core" / "axe.min.js"))
TOUCH_TARGET_PX = 44
PHONE_WIDTH = 390

needs_chromium = pytest.mark.skipif(
    shutil.which("chromium") is None, reason="Debian's chromium is not installed (apt-get install chromium); .ci/run installs it"
)
SignIn = Callable[..., Page]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def sign_in(browser: Browser, stack: Stack) -> Iterator[SignIn]:
    """Opens the console in a browser context of its own (one per person) and signs in; closed after the test."""
    contexts: list[BrowserContext] = []

    def signed_in(
        email: str,
        live: bool = True,
        width: int = 1100,
        config: dict[str, Any] | None = None,
        prepare: Callable[[Page], None] | None = None,
    ) -> Page:
        context = browser.new_context(viewport={"width": width, "height": 900})
        contexts.append(context)
        page = context.new_page()
        if os.environ.get("BATON_CONSOLE_LOG"):
            page.on("console", lambda message: print(email, message.type, message.text))
        if prepare:  # routes that must be in place before the page opens
            prepare(page)
        if not live:  # no WebSocket: the page sees only what it fetches itself
            page.route("**/api/v1/ws-ticket", lambda route: route.abort())
        if config:  # e.g. a quicker heartbeat
            page.route("**/config.json", lambda route: route.fulfill(json={**route.fetch().json(), **config}))
        page.goto(f"{stack.base_url}/")
        page.select_option("#demo-user", email)
        page.click("#local-sign-in button")
        expect(page.locator("#sign-out")).to_be_visible(timeout=10_000)
        if live:
            expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=10_000)
        return page

    yield signed_in
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def axe_script() -> Path:
    """axe-core from tests/e2e/a11y's lock file (`make axe` installs it; so does this, when npm is there).

    Without npm the accessibility checks skip, saying so, unless BATON_REQUIRE_AXE is set (CI): then they fail.
    """
    if AXE_SCRIPT.exists():
        return AXE_SCRIPT
    npm = shutil.which("npm")
    if npm is None:
        if os.environ.get("BATON_REQUIRE_AXE"):
            pytest.fail("npm is needed for axe-core (apt-get install npm); BATON_REQUIRE_AXE is set, so this check may not skip")
        pytest.skip("npm is not installed, so axe-core cannot be installed (apt-get install npm)")
    install = [npm, "ci", "--prefix", str(A11Y), "--no-audit", "--no-fund", "--loglevel=error"]
    done = subprocess.run(install, capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0 or not AXE_SCRIPT.exists():
        pytest.fail(f"npm ci could not install axe-core from {A11Y / 'package-lock.json'}: {done.stderr.strip()[-500:]}")
    return AXE_SCRIPT


def axe_violations(page: Page, script: Path) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    page.wait_for_function("document.getAnimations().every((a) => a.playState !== 'running')")  # a card sliding in is faded
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(script))
    found: list[dict[str, Any]] = page.evaluate(
        """async () => (await axe.run(document, { resultTypes: ["violations"] })).violations
          .filter((v) => v.impact === "serious" || v.impact === "critical")
          .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(" ")) }))"""
    )
    return found


def small_targets(page: Page) -> list[Any]:
    """Visible things one taps that are less than 44 px tall."""
    found: list[Any] = page.evaluate(
        """min => [...document.querySelectorAll('button, select, input, a, .filters label')]
          .filter((el) => el.getClientRects().length && el.getBoundingClientRect().right > 0 && el.type !== 'radio')
          .map((el) => [el.id || el.textContent.trim().slice(0, 40), Math.round(el.getBoundingClientRect().height)])
          .filter(([, height]) => height < min)""",
        TOUCH_TARGET_PX,
    )
    return found


def overflows(page: Page) -> bool:
    """True when the page is wider than its viewport (sideways scrolling on a phone)."""
    return bool(page.evaluate("document.scrollingElement.scrollWidth > window.innerWidth"))


@pytest.fixture(autouse=True)
def empty_queues(stack: Stack) -> None:
    """Each console test starts with no open handoffs in acme or globex (an admin withdraws what earlier tests left).

    The runtime is shared by every e2e test, and a queue shows 25 cards before "Show more": a test's
    card must not depend on how many others came before it.
    """
    for admin in ("admin@acme.test", "admin@globex.test"):
        with stack.client(admin) as client:
            while True:
                page = client.get("/api/v1/ai-sessions/queue", params={"limit": 200})
                assert page.status_code == 200, page.text
                if not page.json():
                    break
                for handoff in page.json():
                    path = f"/api/v1/ai-sessions/{handoff['session_id']}/handoffs/{handoff['id']}/withdraw"
                    reply = client.post(path, json={"reason": "test isolation"})
                    assert reply.status_code in (200, 409), reply.text  # 409: picked up meanwhile
