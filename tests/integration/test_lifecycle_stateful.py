"""Random lifecycles on moto: a hypothesis state machine against the real use cases and repository.

Random people of both demo accounts (every role) create sessions and handoffs and try every
action on them in random order. A plain-Python model, written from DESIGN.md section 3a (not from
`baton.domain.lifecycle`), says what each attempt must do: succeed, or fail with which error. After every
step the stored state is compared with the model: one holder at most, statuses moving only along
`lifecycle.RULES`, the timeline equal to the successful actions, one active handoff per session,
each change meaning exactly its rule's event, and nothing of one account visible to the other.
At the end of each example the table's stream is routed like the stream router does: one event
per successful change, none for a refused one.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)
from moto import mock_aws

from baton.api_models import HandoffCreate, SessionCreate
from baton.domain import events, lifecycle
from baton.domain.errors import BatonError, Conflict, Forbidden, Invalid, NotFound
from baton.domain.events import HandoffEvent
from baton.domain.lifecycle import Action
from baton.domain.models import Handoff, Role, User
from baton.logic import handoffs as use_cases
from baton.logic import sessions
from baton.logic.routing import image, route_change
from baton.repositories.codec import from_attrs
from baton.repositories.handoffs import HandoffRepository, handoff_from_item
from baton.repositories.users import UserRepository
from local import demo, moto_patches, provision
from local.template import Template
from tests.conftest import ROOT
from tests.event_contract import checked
from tests.integration.event_builders import handoff_only, stream_event

TEMPLATE = Template(ROOT / "template.yaml")
TABLE = "DataTable"  # each example gets its own table declared like this one
ACCOUNTS = demo.ACCOUNTS  # ("acme", "globex")
LOGINS = ("owner", "admin", "junior", "senior", "senior2", "viewer")
PEOPLE = {(user.account_id, user.email.split("@")[0]): user for user in demo.demo_users()}
BY_ID = {user.id: user for user in PEOPLE.values()}

# An actor is a login and whether they belong to the other account than the handoff's (mostly not:
# most steps should reach the lifecycle's own rules rather than stop at "not in your account").
logins = st.sampled_from(LOGINS)
# The holder and the creator by name (twice as likely as anyone else): most rules are about them.
actors = st.sampled_from(("holder", "creator", "holder", "creator", *LOGINS))
away = st.sampled_from((False, False, False, True))
reasons = st.none() | st.just("") | st.text(min_size=1, max_size=24)
notes = st.text(max_size=24)
fixes = st.text(max_size=24).filter(str.strip)  # a resolve says what fixed it (blank notes are a 422 of their own)
intents = st.sampled_from(("park", "escalate"))
# Which handoff a step acts on: mostly ("fit") the newest one the action can start from, so that long
# lifecycles happen; sometimes ("misfit") one in a status the action cannot start from, preferably an
# open or claimed one (withdraw a claimed handoff, release an open one); sometimes the one drawn.
aims = st.sampled_from(("fit", "fit", "fit", "misfit", "drawn"))
MAX_SESSIONS = 4  # per example: enough for cross-session and cross-account mix-ups, few enough to go deep
labels = st.sampled_from(("guided", "troubleshooting", "free_text", "ticket", "discovery", "low")) | st.from_regex(
    r"\A[a-z0-9_-]{1,32}\Z"
)

# The table of DESIGN.md 3a, restated by hand so that a changed rule in `baton.domain.lifecycle` shows up.
SOURCE = {
    Action.CLAIM: "open",
    Action.RELEASE: "claimed",
    Action.REASSIGN: "claimed",
    Action.ESCALATE: "open",
    Action.WITHDRAW: "open",
    Action.RESOLVE: "claimed",
}
TARGET = {
    Action.CLAIM: "claimed",
    Action.RELEASE: "open",
    Action.REASSIGN: "claimed",
    Action.ESCALATE: "open",
    Action.WITHDRAW: "withdrawn",
    Action.RESOLVE: "resolved",
}
HOLDER_ONLY = {Action.RELEASE, Action.REASSIGN, Action.RESOLVE}  # the claimer, admin, owner
CREATOR_ONLY = {Action.ESCALATE, Action.WITHDRAW}  # the creator, admin, owner
EVENT = {
    Action.CREATE: "handoff_created",
    Action.CLAIM: "handoff_claimed",
    Action.RELEASE: "handoff_released",
    Action.REASSIGN: "handoff_reassigned",
    Action.ESCALATE: "handoff_escalated",
    Action.WITHDRAW: "handoff_withdrawn",
    Action.RESOLVE: "handoff_resolved",
}

Step = tuple[str, str, str | None, str | None]  # a timeline entry as the model sees it: action, actor, to_user, reason


@dataclass
class ModelHandoff:
    id: str
    session_id: str
    account_id: str
    intent: str
    notes: str
    created_by: str
    status: str = "open"
    claimed_by: str | None = None
    resolution_notes: str | None = None
    timeline: list[Step] = field(default_factory=list)


@dataclass
class ModelSession:
    id: str
    account_id: str
    active: str | None = None  # the open or claimed handoff, if any
    handoffs: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Refusal:
    error: type[BatonError]
    extra: dict[str, Any] = field(default_factory=dict)  # what the error must name (status, holder, handoff)


def person(account_id: str, login: str, elsewhere: bool = False) -> User:
    if elsewhere:
        account_id = next(other for other in ACCOUNTS if other != account_id)
    return PEOPLE[(account_id, login)]


def actor(handoff: ModelHandoff, login: str, elsewhere: bool) -> User:
    """A demo user by login, or the handoff's holder or creator (a senior of the other account when elsewhere)."""
    if login in ("holder", "creator"):
        user_id = handoff.claimed_by if login == "holder" else handoff.created_by
        if elsewhere or user_id is None:
            return person(handoff.account_id, "senior", elsewhere)
        return BY_ID[user_id]
    return person(handoff.account_id, login, elsewhere)


def is_engineer(user: User) -> bool:
    return user.role in (Role.OWNER, Role.ADMIN, Role.ENGINEER)


def is_supervisor(user: User) -> bool:
    return user.role in (Role.OWNER, Role.ADMIN)


def expected_refusal(action: Action, actor: User, handoff: ModelHandoff, to_user: User | None = None) -> Refusal | None:
    """What DESIGN.md says happens when `actor` tries `action` on `handoff` as the model has it."""
    if not is_engineer(actor):
        return Refusal(Forbidden)
    if action is Action.REASSIGN:
        assert to_user is not None
        if to_user.account_id != actor.account_id:
            return Refusal(NotFound)  # another account's user does not exist
        if to_user.id == actor.id or not is_engineer(to_user):
            return Refusal(Invalid)
    if handoff.account_id != actor.account_id:
        return Refusal(NotFound)
    if handoff.status != SOURCE[action]:
        return Refusal(Conflict, {"status": handoff.status, "claimed_by": handoff.claimed_by})
    if action is Action.ESCALATE and handoff.intent != "park":
        return Refusal(Conflict, {"status": handoff.status})
    if action is Action.CLAIM and handoff.intent == "escalate" and handoff.created_by == actor.id:
        return Refusal(Forbidden)
    if not is_supervisor(actor):
        if action in HOLDER_ONLY and handoff.claimed_by != actor.id:
            return Refusal(Forbidden)
        if action in CREATOR_ONLY and handoff.created_by != actor.id:
            return Refusal(Forbidden)
    if to_user is not None and handoff.claimed_by == to_user.id:
        return Refusal(Conflict, {"status": handoff.status})
    return None


def allowed(handoff: ModelHandoff, user: User) -> list[Action]:
    """What the console may offer `user` (no assignee chosen yet), in table order."""
    return [action for action in SOURCE if _same_account_refusal(action, user, handoff) is None]


def _same_account_refusal(action: Action, user: User, handoff: ModelHandoff) -> Refusal | None:
    if action is not Action.REASSIGN:
        return expected_refusal(action, user, handoff)
    # Without an assignee the reassign checks reduce to the handoff's own state: any colleague will do.
    colleague = next(
        u
        for u in PEOPLE.values()
        if u.account_id == user.account_id and is_engineer(u) and u.id not in (user.id, handoff.claimed_by)
    )
    return expected_refusal(action, user, handoff, colleague)


class _OneTable:
    """The data table of template.yaml under another name, for `provision.create_tables`."""

    def __init__(self, name: str) -> None:
        self.name = name

    def tables(self) -> dict[str, dict[str, Any]]:
        return {self.name: TEMPLATE.tables()[TABLE]}


class RandomLifecycles(RuleBasedStateMachine):
    handoffs = Bundle("handoffs")

    def __init__(self) -> None:
        super().__init__()
        # A fresh table per example (on the test's moto), declared as template.yaml declares the data
        # table, with the two demo accounts in it: ten times cheaper than a fresh moto.
        self.table = f"{TABLE}-{uuid.uuid4().hex[:12]}"
        provision.create_tables(_OneTable(self.table), endpoint_url=None)
        self.client = provision.local_client("dynamodb", None)
        self.users = UserRepository(self.table, self.client)
        demo.seed(self.users)
        self.store = HandoffRepository(self.table, self.client)
        self.model_sessions: dict[str, ModelSession] = {}
        self.model_handoffs: dict[str, ModelHandoff] = {}
        self._touched: set[str] = set()  # sessions the current step wrote to

    def teardown(self) -> None:
        """The end of an example: every session read back, the intent queues, and the stream's events.

        Hypothesis calls this in a `finally`: when a step already failed, that failure is the report.
        """
        try:
            if sys.exc_info()[0] is None:
                for session in self.model_sessions.values():
                    self._check_session(session)
                self._check_intent_queues()
                self._check_stream_events()
        finally:
            self.client.delete_table(TableName=self.table)

    # --- sessions and handoffs ------------------------------------------------------------
    @initialize(target=handoffs, account=st.sampled_from(ACCOUNTS), login=st.sampled_from(LOGINS[:-1]), intent=intents)
    def first_case(self, account: str, login: str, intent: str) -> Any:
        """Every example starts with one open handoff, so that its steps have something to act on."""
        return self.open_case(account, login, intent, "first", "guided")

    @precondition(lambda self: len(self.model_sessions) < MAX_SESSIONS)
    @rule(target=handoffs, account=st.sampled_from(ACCOUNTS), login=logins, intent=intents, text=notes, tier=labels)
    def open_case(self, account: str, login: str, intent: str, text: str, tier: str) -> Any:
        """Someone records a session the AI product labelled freely and hands it off."""
        who = person(account, login)
        body = SessionCreate(
            session_type=tier, intake_type="free_text", intake_content={"text": "printer on fire"}, confidence_tier=tier
        )
        if not is_engineer(who):
            self._refused(Refusal(Forbidden), lambda: sessions.create_session(who, body, self.store))
            return multiple()
        session = sessions.create_session(who, body, self.store)
        self.model_sessions[session.id] = ModelSession(session.id, account)
        self._touched.add(session.id)
        return self._hand_off(session.id, who, intent, text)

    @precondition(lambda self: any(session.active is None for session in self.model_sessions.values()))
    @rule(target=handoffs, handoff_id=handoffs, aim=aims, login=actors, elsewhere=away, intent=intents, text=notes)
    def hand_off_again(self, handoff_id: str, aim: str, login: str, elsewhere: bool, intent: str, text: str) -> Any:
        """A new handoff for a session whose last one is over, or (as drawn) for any: refused while one is active."""
        earlier = self.model_handoffs[handoff_id]
        if aim == "fit":
            free = [s for s in self.model_sessions.values() if s.active is None]
            over = [self.model_handoffs[s.handoffs[-1]] for s in free]
            earlier = next((h for h in over if h.account_id == earlier.account_id), over[0])
        return self._hand_off(earlier.session_id, actor(earlier, login, elsewhere), intent, text)

    def _hand_off(self, session_id: str, who: User, intent: str, text: str) -> Any:
        session = self.model_sessions[session_id]
        body = HandoffCreate(intent=intent, engineer_notes=text)  # type: ignore[arg-type]
        expected: Refusal | None = None
        if not is_engineer(who):
            expected = Refusal(Forbidden)
        elif who.account_id != session.account_id:
            expected = Refusal(NotFound)
        elif session.active is not None:
            expected = Refusal(Conflict, {"handoff_id": session.active})  # the body names the active one
        if expected is not None:
            # Given the session as it is stored, when someone may not hand it off,
            # then it is the predicted error and nothing changed
            before = self.store.get_session_with_handoffs(session.account_id, session_id)
            self._refused(expected, lambda: use_cases.create_handoff(who, session_id, body, self.store))
            assert self.store.get_session_with_handoffs(session.account_id, session_id) == before
            return multiple()
        # When someone may hand it off
        created = use_cases.create_handoff(who, session_id, body, self.store)
        # Then it is open, theirs, at version 1, and it means handoff_created
        handoff = ModelHandoff(created.id, session_id, session.account_id, intent, text, who.id)
        handoff.timeline.append((Action.CREATE.value, who.id, None, None))
        self.model_handoffs[created.id] = handoff
        session.active = created.id
        session.handoffs.append(created.id)
        self._touched.add(session_id)
        stored = self._stored(handoff)
        assert stored == created
        self._check_event(Action.CREATE, who, None, stored)
        return created.id

    # --- the lifecycle's actions ----------------------------------------------------------
    @precondition(lambda self: self._can_start(Action.CLAIM))
    @rule(handoff_id=handoffs, aim=aims, login=actors, elsewhere=away)
    def claim(self, handoff_id: str, aim: str, login: str, elsewhere: bool) -> None:
        handoff = self._aim(handoff_id, aim, Action.CLAIM)
        who = actor(handoff, login, elsewhere)
        self._attempt(Action.CLAIM, who, handoff, lambda: use_cases.claim(who, handoff.session_id, handoff.id, self.store))

    @precondition(lambda self: self._can_start(Action.RELEASE))
    @rule(handoff_id=handoffs, aim=aims, login=actors, elsewhere=away, reason=reasons)
    def release(self, handoff_id: str, aim: str, login: str, elsewhere: bool, reason: str | None) -> None:
        handoff = self._aim(handoff_id, aim, Action.RELEASE)
        who = actor(handoff, login, elsewhere)
        self._attempt(
            Action.RELEASE,
            who,
            handoff,
            lambda: use_cases.release(who, handoff.session_id, handoff.id, reason, self.store),
            reason=reason,
        )

    @precondition(lambda self: self._can_start(Action.REASSIGN))
    @rule(
        handoff_id=handoffs,
        aim=aims,
        login=actors,
        elsewhere=away,
        to_login=actors,
        to_elsewhere=away,
        reason=reasons,
    )
    def reassign(
        self, handoff_id: str, aim: str, login: str, elsewhere: bool, to_login: str, to_elsewhere: bool, reason: str | None
    ) -> None:
        handoff = self._aim(handoff_id, aim, Action.REASSIGN)
        who = actor(handoff, login, elsewhere)
        to_user = actor(handoff, to_login, to_elsewhere)
        self._attempt(
            Action.REASSIGN,
            who,
            handoff,
            lambda: use_cases.reassign(who, handoff.session_id, handoff.id, to_user.id, reason, self.store, self.users),
            to_user=to_user,
            reason=reason,
        )

    @precondition(lambda self: self._can_start(Action.ESCALATE))
    @rule(handoff_id=handoffs, aim=aims, login=actors, elsewhere=away, text=st.none() | notes)
    def escalate(self, handoff_id: str, aim: str, login: str, elsewhere: bool, text: str | None) -> None:
        handoff = self._aim(handoff_id, aim, Action.ESCALATE)
        who = actor(handoff, login, elsewhere)
        self._attempt(
            Action.ESCALATE,
            who,
            handoff,
            lambda: use_cases.escalate(who, handoff.session_id, handoff.id, text, self.store),
            notes=text,
        )

    @precondition(lambda self: self._can_start(Action.WITHDRAW))
    @rule(handoff_id=handoffs, aim=aims, login=actors, elsewhere=away, reason=reasons)
    def withdraw(self, handoff_id: str, aim: str, login: str, elsewhere: bool, reason: str | None) -> None:
        handoff = self._aim(handoff_id, aim, Action.WITHDRAW)
        who = actor(handoff, login, elsewhere)
        self._attempt(
            Action.WITHDRAW,
            who,
            handoff,
            lambda: use_cases.withdraw(who, handoff.session_id, handoff.id, reason, self.store),
            reason=reason,
        )

    @precondition(lambda self: self._can_start(Action.RESOLVE))
    @rule(handoff_id=handoffs, aim=aims, login=actors, elsewhere=away, text=fixes)
    def resolve(self, handoff_id: str, aim: str, login: str, elsewhere: bool, text: str) -> None:
        handoff = self._aim(handoff_id, aim, Action.RESOLVE)
        who = actor(handoff, login, elsewhere)
        self._attempt(
            Action.RESOLVE,
            who,
            handoff,
            lambda: use_cases.resolve(who, handoff.session_id, handoff.id, text, self.store),
            notes=text,
        )

    # --- reads ------------------------------------------------------------------------------
    @rule(handoff_id=handoffs, aim=aims, login=actors, elsewhere=away)
    def look(self, handoff_id: str, aim: str, login: str, elsewhere: bool) -> None:
        """Someone reads the handoff, its session and the session's handoffs by their ids."""
        handoff = self._aim(handoff_id, aim)
        who = actor(handoff, login, elsewhere)
        session_id = handoff.session_id
        if who.account_id != handoff.account_id:
            # A member of the other account never learns that these ids exist (a viewer is stopped earlier)
            hidden = Forbidden if not is_engineer(who) else NotFound
            with pytest.raises(NotFound):
                sessions.get_session(who, session_id, self.store)
            for read in (
                lambda: use_cases.handoff_context(who, session_id, handoff.id, self.store),
                lambda: use_cases.session_handoffs(who, session_id, self.store),
            ):
                with pytest.raises(hidden):
                    read()
            return
        assert sessions.get_session(who, session_id, self.store).id == session_id
        if not is_engineer(who):
            with pytest.raises(Forbidden):
                use_cases.handoff_context(who, session_id, handoff.id, self.store)
            return
        # A member of its account with the engineer role sees it all, timeline included
        seen, session = use_cases.handoff_context(who, session_id, handoff.id, self.store)
        assert session.id == session_id
        self._same_as_model(seen, handoff)
        listed = use_cases.session_handoffs(who, session_id, self.store)
        assert sorted(h.id for h in listed) == sorted(self.model_sessions[session_id].handoffs)
        assert [h.created_at for h in listed] == sorted((h.created_at for h in listed), reverse=True)  # newest first

    # --- after every step -----------------------------------------------------------------
    @invariant()
    def the_store_is_what_the_model_says(self) -> None:
        """After a step that changed something: its sessions read back whole, then each account's views.

        A refused step is checked where it happens (the predicted error, the handoff read back
        unchanged) and at the end of the example, where the stream must hold no write for it.
        """
        if not self._touched:
            return
        for session_id in sorted(self._touched):
            self._check_session(self.model_sessions[session_id])
        self._touched.clear()
        for account in ACCOUNTS:
            mine = [h for h in self.model_handoffs.values() if h.account_id == account]
            # The queue: exactly the account's open handoffs, oldest first, none of the other account's
            queue = use_cases.open_queue(person(account, "senior"), None, 200, None, self.store)
            assert queue.next_cursor is None
            assert sorted(h.id for h in queue.items) == sorted(h.id for h in mine if h.status == "open")
            assert [(h.created_at, h.id) for h in queue.items] == sorted((h.created_at, h.id) for h in queue.items)
            assert all(h.account_id == account and h.claimed_by is None for h in queue.items)
            # Resume after a gap: every handoff of the account at its latest version, none of the other's
            changed = {h.id: h.version for h in self.store.changed_since(account, "0", 1000)}
            assert changed == {h.id: len(h.timeline) for h in mine}

    # --- helpers --------------------------------------------------------------------------
    def _attempt(
        self,
        action: Action,
        who: User,
        handoff: ModelHandoff,
        act: Callable[[], Handoff],
        to_user: User | None = None,
        reason: str | None = None,
        notes: str | None = None,
    ) -> None:
        # Given the handoff as it is stored
        before = self._stored(handoff)
        expected = expected_refusal(action, who, handoff, to_user)
        if expected is not None:
            # When the action is not allowed, then it fails as predicted and changes nothing: no event
            self._refused(expected, act)
            after = self._stored(handoff)
            assert after == before
            assert events.event_for_change(before, after, "refused") is None
            return
        # When it is allowed, it answers the handoff as now stored
        answered = act()
        self._apply(action, who, handoff, to_user, reason, notes)
        after = self._stored(handoff)
        assert answered == after
        # Then the status moved along the lifecycle's table, and the change means the rule's event
        rule_ = lifecycle.RULES[action]
        assert before.status in rule_.sources and after.status == rule_.target, (action, before.status, after.status)
        assert after.version == before.version + 1
        self._check_event(action, who, before, after)
        self._touched.add(handoff.session_id)

    def _refused(self, expected: Refusal, act: Callable[[], object]) -> None:
        with pytest.raises(BatonError) as caught:
            act()
        error = caught.value
        assert type(error) is expected.error, f"expected {expected.error.__name__}, got {type(error).__name__}: {error.detail}"
        assert error.detail
        for name, value in expected.extra.items():
            assert error.extra.get(name) == value, (name, error.extra)

    def _apply(
        self, action: Action, who: User, handoff: ModelHandoff, to_user: User | None, reason: str | None, notes: str | None
    ) -> None:
        """The model's side of a successful action, from DESIGN.md 3a."""
        handoff.status = TARGET[action]
        if action is Action.CLAIM:
            handoff.claimed_by = who.id
        elif action is Action.RELEASE:
            handoff.claimed_by = None
        elif action is Action.REASSIGN:
            assert to_user is not None
            handoff.claimed_by = to_user.id
        elif action is Action.ESCALATE:
            handoff.intent = "escalate"
            handoff.notes = notes or handoff.notes
        elif action is Action.RESOLVE:
            handoff.resolution_notes = notes
        if handoff.status in ("withdrawn", "resolved"):
            self.model_sessions[handoff.session_id].active = None
        keeps_reason = action in (Action.RELEASE, Action.REASSIGN, Action.WITHDRAW)
        handoff.timeline.append(
            (action.value, who.id, to_user.id if to_user else None, (reason or None) if keeps_reason else None)
        )

    def _check_session(self, session: ModelSession) -> None:
        stored_session, stored = self.store.get_session_with_handoffs(session.account_id, session.id)
        assert stored_session is not None
        # A session has at most one open or claimed handoff, and it is the one the session points to
        active = [h.id for h in stored if h.status in ("open", "claimed")]
        assert len(active) <= 1, f"session {session.id} has {len(active)} active handoffs"
        assert active == ([session.active] if session.active else [])
        assert stored_session.active_handoff_id == session.active
        assert sorted(h.id for h in stored) == sorted(session.handoffs)
        for handoff in stored:
            model = self.model_handoffs[handoff.id]
            self._same_as_model(handoff, model)
            # The console offers each member of the account what the table allows them
            for login in LOGINS:
                user = person(handoff.account_id, login)
                assert lifecycle.allowed_actions(handoff, user) == allowed(model, user), (login, model)

    def _check_intent_queues(self) -> None:
        for account in ACCOUNTS:
            for intent in ("park", "escalate"):
                queue = use_cases.open_queue(person(account, "admin"), intent, 200, None, self.store)
                assert sorted(h.id for h in queue.items) == sorted(
                    h.id for h in self.model_handoffs.values() if (h.account_id, h.status, h.intent) == (account, "open", intent)
                )

    def _fits(self, action: Action | None) -> list[ModelHandoff]:
        """Handoffs that `action` can start from (by status and intent), oldest first."""
        wanted = (SOURCE[action],) if action else ("open", "claimed")
        intents = ("park",) if action is Action.ESCALATE else ("park", "escalate")
        return [h for h in self.model_handoffs.values() if h.status in wanted and h.intent in intents]

    def _can_start(self, action: Action) -> bool:
        """An action is only drawn while some handoff could take it (refusals still come from who tries it,
        and from misfit and drawn handoffs): otherwise most steps knock on handoffs long over."""
        return bool(self._fits(action))

    def _aim(self, handoff_id: str, aim: str, action: Action | None = None) -> ModelHandoff:
        """The handoff a step acts on (see `aims`), of the drawn handoff's account when there is one."""
        drawn = self.model_handoffs[handoff_id]
        if aim == "fit":
            candidates = self._fits(action)
        elif aim == "misfit" and action is not None:
            fits = {h.id for h in self._fits(action)}
            misfits = [h for h in self.model_handoffs.values() if h.id not in fits]
            active = [h for h in misfits if h.status in ("open", "claimed")]
            candidates = active or misfits
        else:
            candidates = []
        mine = [h for h in candidates if h.account_id == drawn.account_id]
        return (mine or candidates or [drawn])[-1]

    def _stored(self, handoff: ModelHandoff) -> Handoff:
        stored = self.store.get_handoff(handoff.account_id, handoff.session_id, handoff.id)
        assert stored is not None
        return stored

    def _same_as_model(self, stored: Handoff, handoff: ModelHandoff) -> None:
        assert (stored.status, stored.intent, stored.created_by) == (handoff.status, handoff.intent, handoff.created_by)
        assert (stored.account_id, stored.session_id) == (handoff.account_id, handoff.session_id)
        assert stored.engineer_notes == handoff.notes
        # At most one holder: a claimed handoff has exactly one, an open or withdrawn one none
        assert stored.claimed_by == handoff.claimed_by
        if stored.status == "claimed":
            assert stored.claimed_by is not None and stored.claimed_at is not None
            assert stored.claimed_by_name == BY_ID[stored.claimed_by].display_name
        if stored.status in ("open", "withdrawn"):
            assert (stored.claimed_by, stored.claimed_by_name, stored.claimed_at) == (None, None, None)
        if stored.status == "resolved":
            assert stored.resolved_at is not None and stored.resolution_notes == handoff.resolution_notes
        # The timeline is the successful actions, oldest first; entry n made version n
        assert [(e.action, e.actor_id, e.to_user_id, e.reason) for e in stored.timeline] == handoff.timeline
        assert [e.version for e in stored.timeline] == list(range(1, len(handoff.timeline) + 1))
        assert stored.version == len(handoff.timeline)
        for entry in stored.timeline:
            assert entry.actor_name == BY_ID[entry.actor_id or ""].display_name
            assert entry.to_user_name == (BY_ID[entry.to_user_id].display_name if entry.to_user_id else None)

    def _check_event(self, action: Action, who: User, before: Handoff | None, after: Handoff) -> None:
        event = events.event_for_change(before, after, f"{after.id}:{after.version}")
        assert event is not None, f"{action.value} made no event"
        checked(event.model_dump(mode="json"))
        assert event.type == EVENT[action] == lifecycle.RULES[action].event_type
        assert event.actor is not None and (event.actor.id, event.actor.name) == (who.id, who.display_name)
        assert event.account_id == who.account_id == after.account_id
        assert event.timeline_entry is not None and event.timeline_entry.version == after.version

    def _check_stream_events(self) -> None:
        """The table's stream, routed as the stream router does: one event per successful action, in order."""
        published: list[HandoffEvent] = []

        class Collect:
            def publish(self, event: HandoffEvent) -> None:
                published.append(event)

        records = handoff_only(stream_event(self.table))["Records"]
        # Every write to a handoff is one successful change: a refused action wrote nothing at all
        assert len(records) == sum(len(h.timeline) for h in self.model_handoffs.values())
        for record in records:
            change = record["dynamodb"]
            new, old = image(change, "NewImage"), image(change, "OldImage")
            after = handoff_from_item(from_attrs(new)) if new else None
            before = handoff_from_item(from_attrs(old)) if old else None
            route_change(before, after, record["eventID"], Collect())
        seen: dict[str, list[tuple[str, str | None, int]]] = {}
        for event in published:
            checked(event.model_dump(mode="json"))
            assert event.account_id == event.handoff.account_id == self.model_handoffs[event.handoff.id].account_id
            actor_account = BY_ID[event.actor.id].account_id if event.actor else None
            assert actor_account == event.account_id, "an event names an actor of another account"
            seen.setdefault(event.handoff.id, []).append(
                (event.type, event.actor.id if event.actor else None, event.handoff.version)
            )
        expected = {
            handoff.id: [(EVENT[Action(step[0])], step[1], n) for n, step in enumerate(handoff.timeline, start=1)]
            for handoff in self.model_handoffs.values()
        }
        assert seen == expected


SETTINGS = settings(
    max_examples=40,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def test_random_lifecycles_keep_every_invariant() -> None:
    moto_patches.install()  # as the `aws` fixture does: moto with the local endpoint's transaction fix
    with mock_aws():
        run_state_machine_as_test(RandomLifecycles, settings=SETTINGS)
