"""A button pressed in a chat message: who pressed it, and the console's own use case for it.

The clicker is the member their chat user is linked to in this account, read afresh (role and membership as they
are now, as every API request reads them). The action is `logic/handoffs`' claim, release or resolve: the same
conditional write as the console's, so one click wins across chat and console. Whatever happens, the clicker gets a
sentence (never a trace): done; lost ("Sam picked this up at Mon 7 Dec 10:42 CET", in the account's zone); moved on
(its current state); refused.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo

from baton.domain.chat import PROVIDER_TITLES, ChatProvider, Click, ClickAnswer, how_to_link
from baton.domain.clock import local_time
from baton.domain.errors import Conflict, Forbidden, NotFound
from baton.domain.lifecycle import RULES, Action
from baton.domain.models import Handoff, Role, User
from baton.logic import handoffs
from baton.ports import ChatLinks, Handoffs, Users


def clicker(
    account_id: str, provider: ChatProvider, external_id: str, links: ChatLinks, users: Users, console_url: str
) -> User | ClickAnswer:
    """The member behind a chat user, if they may act on handoffs now; else the private answer that says why not."""
    link = links.find(account_id, provider, external_id)
    if link is None:
        return ClickAnswer(outcome="unlinked", text=how_to_link(provider, console_url))
    user = users.get(link.user_id)
    if user is None or user.account_id != account_id:
        title = PROVIDER_TITLES[provider]
        return ClickAnswer(outcome="refused", text=f"This {title} user is linked to someone who is no longer a member here.")
    if refused := user.role.refusal(Role.ENGINEER):
        return ClickAnswer(outcome="refused", text=refused.detail)
    return user


def act(click: Click, links: ChatLinks, users: Users, store: Handoffs, console_url: str) -> tuple[ClickAnswer, Handoff | None]:
    """Run the click as its member; the answer, and the handoff as it is now when it could be read."""
    who = clicker(click.account_id, click.provider, click.external_id, links, users, console_url)
    if isinstance(who, ClickAnswer):
        return who, None
    run = _USE_CASES[click.action]
    try:
        handoff = run(who, click, store)
    except Conflict:
        current = store.get_handoff(click.account_id, click.session_id, click.handoff_id)
        zone = store.sla_policy(click.account_id).time_zone()  # read on this path only
        return _lost(click.action, who, current, zone), current
    except Forbidden as refused:
        return ClickAnswer(outcome="refused", text=refused.detail), None
    except NotFound:
        return ClickAnswer(outcome="not_found", text="baton has no such handoff in this account any more."), None
    control = RULES[click.action].control
    done = control.done.format(**handoff.model_dump()) if control else "Done."
    return ClickAnswer(outcome="done", text=done), handoff


def _lost(action: Action, who: User, current: Handoff | None, zone: tzinfo) -> ClickAnswer:
    """Someone else got there first, or the handoff moved on: say where it stands and who has it (times in the
    account's zone)."""

    def at(moment: str | None) -> str:
        return local_time(moment, zone) if moment else "an unknown time"

    if current is None:
        return ClickAnswer(outcome="not_found", text="baton has no such handoff in this account any more.")
    if current.status == "claimed" and action is Action.CLAIM:  # a race lost (to oneself, from another copy, too)
        name = "You" if current.claimed_by == who.id else current.claimed_by_name or "Someone"
        return ClickAnswer(outcome="lost", text=f"{name} picked this up at {at(current.claimed_at)}.")
    if current.status == "claimed":
        holder = "you" if current.claimed_by == who.id else current.claimed_by_name or "someone"
        return ClickAnswer(
            outcome="moved_on", text=f"It is picked up by {holder} (since {at(current.claimed_at)}): nothing changed."
        )
    if current.status == "resolved":
        return ClickAnswer(outcome="moved_on", text=f"It was already resolved at {at(current.resolved_at)}: nothing changed.")
    if current.status == "withdrawn":
        return ClickAnswer(outcome="moved_on", text="It was withdrawn by the engineer who handed it off: nothing changed.")
    return ClickAnswer(outcome="moved_on", text="It is back in the queue, waiting for a senior: nothing changed.")


def _claim(user: User, click: Click, store: Handoffs) -> Handoff:
    return handoffs.claim(user, click.session_id, click.handoff_id, store)


def _release(user: User, click: Click, store: Handoffs) -> Handoff:
    return handoffs.release(user, click.session_id, click.handoff_id, None, store)


def _resolve(user: User, click: Click, store: Handoffs) -> Handoff:
    return handoffs.resolve(user, click.session_id, click.handoff_id, (click.notes or "").strip(), store)


_USE_CASES: dict[Action, Callable[[User, Click, Handoffs], Handoff]] = {
    Action.CLAIM: _claim,
    Action.RELEASE: _release,
    Action.RESOLVE: _resolve,
}
