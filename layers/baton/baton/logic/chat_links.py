"""Linking a chat user to a member: the member asks the console for a code, then sends it to the bot.

The code is single use and lives ten minutes; it links whoever sends it, in the account it was made for (a code
sent to another account's bot links nobody). A member may link one user per chat tool and account; linking again
replaces the old link. Links go with the member (`forget_member`).
"""

from __future__ import annotations

from baton.domain.chat import (
    PROVIDER_TITLES,
    ChatLink,
    ChatProvider,
    LinkCode,
    link_code_expiry,
    new_link_code,
    normalise_code,
)
from baton.domain.clock import iso, parse_iso, utc_now
from baton.domain.errors import NotFound
from baton.domain.modeling import Model
from baton.domain.models import User
from baton.ports import ChatLinks


def start(caller: User, provider: ChatProvider, links: ChatLinks) -> LinkCode:
    """A new code for the caller (any member may link; what they may do with a button is their role's business)."""
    code = LinkCode(
        code=new_link_code(),
        account_id=caller.account_id,
        user_id=caller.id,
        provider=provider,
        expires_at=iso(link_code_expiry(utc_now())),
    )
    links.put_code(code)
    return code


def mine(caller: User, links: ChatLinks) -> list[ChatLink]:
    return sorted(links.of_user(caller.account_id, caller.id), key=lambda link: (link.provider, link.linked_at))


def unlink(caller: User, provider: ChatProvider, links: ChatLinks) -> None:
    found = [link for link in links.of_user(caller.account_id, caller.id) if link.provider == provider]
    if not found:
        raise NotFound(f"Your profile has no {PROVIDER_TITLES[provider]} link.")
    for link in found:
        links.unlink(link)


class Redeemed(Model):
    linked: bool
    text: str  # what the bot answers the sender, privately


def redeem(
    account_id: str, provider: ChatProvider, external_id: str, workspace_id: str | None, typed: str, links: ChatLinks
) -> Redeemed:
    """The bot received a code from a chat user: link them to the member who asked for it, once."""
    now = utc_now()
    code = links.take_code(normalise_code(typed), iso(now))
    if code is None or code.account_id != account_id or code.provider != provider or parse_iso(code.expires_at) <= now:
        return Redeemed(linked=False, text="That code is unknown, used or expired: ask your baton profile for a new one.")
    for old in links.of_user(account_id, code.user_id):
        if old.provider == provider and old.external_id != external_id:
            links.unlink(old)  # one chat user per member and tool: the newest link wins
    link = ChatLink(
        account_id=account_id,
        provider=provider,
        external_id=external_id,
        user_id=code.user_id,
        linked_at=iso(now),
        workspace_id=workspace_id,
    )
    links.link(link)
    return Redeemed(linked=True, text="Linked: your clicks on baton's buttons here now act as you in baton.")


def forget_member(account_id: str, user_id: str, links: ChatLinks) -> int:
    """A removed member's links go with them (a click of theirs is refused even before this: they are no member)."""
    gone = links.of_user(account_id, user_id)
    for link in gone:
        links.unlink(link)
    return len(gone)
