"""The console's Chat links (#/profile/chat-links): a member asks for a code, the bot receives it, the link shows;
unlinking removes it. Accessible (axe-core) like every other screen."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from baton.logic import chat_links
from baton.repositories.chat import ChatRepository
from tests.e2e.conftest import Stack, eventually
from tests.e2e.console_kit import axe_violations
from tests.e2e.test_console_lifecycle import axe_script, browser  # noqa: F401
from tests.e2e.test_console_people import Open, oidc_sign_in, open_console, screenshot  # noqa: F401


def test_a_viewer_links_their_slack_user_with_a_code_and_unlinks_it(
    open_console: Open,  # noqa: F811
    stack: Stack,
    axe_script: Path,  # noqa: F811
) -> None:
    # Given globex's viewer on Chat links
    page = open_console()
    oidc_sign_in(page, "viewer@globex.test", demo=True)
    page.click("#nav-chatLinks")
    expect(page.locator("#link-slack-state")).to_have_text("Not linked.", timeout=10_000)
    # When they ask for a Slack code
    page.click("#link-slack-start")
    # Then the code and how to send it show
    expect(page.locator("#link-slack-code")).to_contain_text("/baton link ")
    code = page.locator("#link-slack-code").inner_text().split("Your code: ")[1].split(" ")[0]
    assert axe_violations(page, axe_script) == []
    screenshot(page, "chat-links")
    # When the bot receives it from their Slack user (the hook's own use case, on the runtime's table)
    repository = ChatRepository("DataTable", "ConnectionsTable", stack.aws("dynamodb"))
    assert chat_links.redeem("globex", "slack", "UVIEWERG", None, code, repository).linked
    # Then, reloaded, the screen shows the link; Unlink removes it
    page.reload()
    page.click("#nav-chatLinks")
    expect(page.locator("#link-slack-state")).to_contain_text("UVIEWERG", timeout=10_000)
    page.click("#link-slack-remove")
    expect(page.locator("#link-slack-state")).to_have_text("Not linked.")
    eventually(lambda: repository.find("globex", "slack", "UVIEWERG") is None, 5, "the link removed")
