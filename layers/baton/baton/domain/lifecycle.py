"""The handoff lifecycle: one table of transitions, who may make them, and everything that follows from each.

Each rule says which statuses an action moves a handoff from and to, who may take it, whether the
handoff is then in the queue, the session's status after it, what it does to the SLA clock, the
event it means, and the button and form the console draws for it. The repository turns a rule into
a conditional write (`guard`) and its update; a refused write is explained by `refusal` on the item
as it was; the stream router names events from it; the context answer hands the console each
allowed action's `control`. Nothing else restates these rules.
"""

from collections.abc import Mapping
from datetime import UTC, tzinfo
from enum import StrEnum
from typing import Literal, NamedTuple

from baton.domain.clock import local_time
from baton.domain.errors import BatonError, Conflict, Forbidden, Invalid, NotFound
from baton.domain.models import NOTES_MAX, REASON_MAX, Handoff, HandoffStatus, Intent, Role, User

TIMELINE_MAX = 500  # entries per handoff: the item stays far below DynamoDB's 400 KB


class Action(StrEnum):
    CREATE = "create"
    CLAIM = "claim"
    RELEASE = "release"
    REASSIGN = "reassign"
    ESCALATE = "escalate"
    WITHDRAW = "withdraw"
    RESOLVE = "resolve"


class Party(StrEnum):
    """Who may act, beyond holding the engineer role (owner, admin or engineer)."""

    ANY_ENGINEER = "any engineer"
    HOLDER = "holder"  # the engineer who picked it up, an admin or an owner
    CREATOR = "creator"  # the engineer who handed it off, an admin or an owner


class SlaClock(StrEnum):
    START = "start"  # level 0 and a first deadline, if the handoff is now an open escalation
    STOP = "stop"  # no deadline: pending timers find nothing to do


class FormField(NamedTuple):
    """One input of an action's form: a field of the action's request body."""

    name: str
    label: str
    kind: Literal["text", "colleague"]  # a textarea, or a choice of the context answer's `assignees`
    hint: str | None = None
    required: bool = False
    max_length: int | None = None
    rows: int | None = None


class Form(NamedTuple):
    title: str
    submit: str
    fields: tuple[FormField, ...]


class Control(NamedTuple):
    """The button the console draws for an action, its form (None: it acts at once), and what it says after."""

    label: str
    done: str  # `{field}` is filled from the handoff the action answered with
    form: Form | None = None
    primary: bool = False


def _reason(label: str = "Reason") -> FormField:
    return FormField("reason", label, "text", hint="optional, shown in the timeline", max_length=REASON_MAX, rows=2)


class Rule(NamedTuple):
    action: Action
    sources: tuple[HandoffStatus, ...]
    target: HandoffStatus
    party: Party
    event_type: str
    in_queue: bool  # whether the handoff is in the open queue afterwards (the sparse index carries it)
    control: Control | None = None  # None: no button (create has its own screen)
    session_status: str | Mapping[Intent, str] | None = None  # the session's status after it (by the intent it sets)
    only_intent: Intent | None = None  # escalate turns a park into an escalation, nothing else
    creator_barred_for: Intent | None = None  # nobody picks up their own escalation
    frees_session: bool = False  # the session may take a new handoff afterwards
    sla_clock: SlaClock | None = None  # what the action does to the SLA ladder (baton.domain.ladder)


RULES: dict[Action, Rule] = {
    rule.action: rule
    for rule in (
        Rule(
            Action.CREATE,
            (),
            "open",
            Party.ANY_ENGINEER,
            "handoff_created",
            in_queue=True,
            session_status={"park": "parked", "escalate": "escalated"},
            sla_clock=SlaClock.START,
        ),
        Rule(
            Action.CLAIM,
            ("open",),
            "claimed",
            Party.ANY_ENGINEER,
            "handoff_claimed",
            in_queue=False,
            control=Control("Pick Up", "Picked up: it is yours. The notes, timeline and conversation are below.", primary=True),
            creator_barred_for="escalate",
            sla_clock=SlaClock.STOP,
        ),
        Rule(
            Action.RELEASE,
            ("claimed",),
            "open",
            Party.HOLDER,
            "handoff_released",
            in_queue=True,
            control=Control(
                "Release",
                "Released: it is back in the queue.",
                Form("Release to the queue", "Release to the queue", (_reason(),)),
            ),
            sla_clock=SlaClock.START,
        ),
        Rule(
            Action.REASSIGN,
            ("claimed",),
            "claimed",
            Party.HOLDER,
            "handoff_reassigned",
            in_queue=False,
            control=Control(
                "Reassign",
                "Handed to {claimed_by_name}.",
                Form(
                    "Hand it to a colleague",
                    "Hand it over",
                    (FormField("to_user_id", "Colleague", "colleague", required=True), _reason()),
                ),
            ),
        ),
        Rule(
            Action.ESCALATE,
            ("open",),
            "open",
            Party.CREATOR,
            "handoff_escalated",
            in_queue=True,
            control=Control(
                "Escalate",
                "Escalated: it is now an escalation, and the seniors have been told.",
                Form(
                    "Turn this park into an escalation",
                    "Escalate now",
                    (
                        FormField(
                            "engineer_notes",
                            "New notes for the senior",
                            "text",
                            hint="optional; empty keeps the current notes",
                            max_length=NOTES_MAX,
                            rows=3,
                        ),
                    ),
                ),
            ),
            session_status="escalated",
            only_intent="park",
            sla_clock=SlaClock.START,
        ),
        Rule(
            Action.WITHDRAW,
            ("open",),
            "withdrawn",
            Party.CREATOR,
            "handoff_withdrawn",
            in_queue=False,
            control=Control("Withdraw", "Withdrawn: it has left the queue.", Form("Take it back", "Withdraw it", (_reason(),))),
            session_status="active",
            frees_session=True,
            sla_clock=SlaClock.STOP,
        ),
        Rule(
            Action.RESOLVE,
            ("claimed",),
            "resolved",
            Party.HOLDER,
            "handoff_resolved",
            in_queue=False,
            control=Control(
                "Resolve",
                "Resolved. Thank you!",
                Form(
                    "Close it",
                    "Mark resolved",
                    (
                        FormField(
                            "resolution_notes",
                            "What fixed it",
                            "text",
                            hint="required; the engineer who handed it off reads it",
                            required=True,
                            max_length=NOTES_MAX,
                            rows=3,
                        ),
                    ),
                ),
            ),
            session_status="resolved",
            frees_session=True,
            sla_clock=SlaClock.STOP,
        ),
    )
}


class SystemRule(NamedTuple):
    """A transition no user makes: the SLA ladder's timer raising an unpicked escalation's level.
    Its timeline entry has no actor; its event is named here, not by a user action."""

    action: str
    sources: tuple[HandoffStatus, ...]
    only_intent: Intent
    event_type: str


OVERDUE = SystemRule("overdue", ("open",), "escalate", "handoff_overdue")
EVENT_TYPES = tuple(rule.event_type for rule in RULES.values())
# Every type an event can have: each rule's, the system rule's, and a resumed client's snapshot.
SNAPSHOT_EVENT = "handoff_snapshot"
ALL_EVENT_TYPES = (*EVENT_TYPES, OVERDUE.event_type, SNAPSHOT_EVENT)
ACTIVE_STATUSES: tuple[HandoffStatus, ...] = ("open", "claimed")  # a session has at most one such handoff


class Guard(NamedTuple):
    """What a conditional write must find on the stored handoff, in the repository's terms."""

    statuses: tuple[HandoffStatus, ...]
    intent: Intent | None  # the stored intent must be this
    actor_field: str | None  # "claimed_by" / "created_by" must equal the actor
    creator_barred_for: Intent | None  # created_by must not be the actor when the intent is this
    not_held_by: str | None  # claimed_by must not be this user (reassign to the current holder)


def guard(action: Action, actor: User, to_user_id: str | None = None) -> Guard:
    rule = RULES[action]
    actor_field = None
    if not actor.role.supervises:
        actor_field = {Party.HOLDER: "claimed_by", Party.CREATOR: "created_by"}.get(rule.party)
    return Guard(rule.sources, rule.only_intent, actor_field, rule.creator_barred_for, to_user_id)


def refusal(
    action: Action, handoff: Handoff, actor: User, to_user_id: str | None = None, zone: tzinfo = UTC
) -> BatonError | None:
    """Why `actor` may not take `action` on `handoff` as it is now, or None when they may (a time in the
    sentence is written in `zone`, the account's)."""
    rule = RULES[action]
    if refused := actor.role.refusal(Role.ENGINEER):
        return refused
    if handoff.status not in rule.sources:
        holder = {"claimed_by": handoff.claimed_by, "claimed_by_name": handoff.claimed_by_name, "claimed_at": handoff.claimed_at}
        return Conflict(_wrong_status(rule, handoff, zone), status=handoff.status, **holder)
    if rule.only_intent and handoff.intent != rule.only_intent:
        return Conflict("Only a parked handoff can be escalated; this one is already an escalation.", status=handoff.status)
    if rule.creator_barred_for and handoff.intent == rule.creator_barred_for and handoff.created_by == actor.id:
        return Forbidden("You escalated this yourself: another engineer must pick it up (you can withdraw it).")
    if not actor.role.supervises:
        if rule.party is Party.HOLDER and handoff.claimed_by != actor.id:
            holder_name = handoff.claimed_by_name or handoff.claimed_by
            return Forbidden(f"Only the engineer who picked it up ({holder_name}), an admin or an owner can {action.value} it.")
        if rule.party is Party.CREATOR and handoff.created_by != actor.id:
            return Forbidden(
                f"Only the engineer who handed it off ({handoff.created_by_name}), an admin or an owner can {action.value} it."
            )
    if to_user_id is not None and handoff.claimed_by == to_user_id:
        return Conflict(f"{handoff.claimed_by_name} already holds this handoff.", status=handoff.status)
    if len(handoff.timeline) >= TIMELINE_MAX:
        return Conflict(f"This handoff has reached {TIMELINE_MAX} changes; resolve it and hand off anew.")
    return None


def allowed_actions(handoff: Handoff, user: User) -> list[Action]:
    """The actions `user` may take on `handoff` now, in table order (the console shows these)."""
    return [action for action, rule in RULES.items() if rule.sources and refusal(action, handoff, user) is None]


def session_status_after(action: Action, intent: Intent | None = None) -> str | None:
    """The session's status after `action` (None: it leaves it as it is). A rule whose status depends on the
    intent (create: parked or escalated) is given the intent it sets."""
    status = RULES[action].session_status
    if status is None or isinstance(status, str):
        return status
    if intent is None:
        raise ValueError(f"the session's status after {action.value} depends on the intent it sets")
    return status[intent]


def check_assignee(actor: User, assignee: User | None) -> User:
    """A reassign goes to another engineer-or-admin of the actor's account (another account's user does not exist)."""
    if assignee is None or assignee.account_id != actor.account_id:
        raise NotFound("No such user in your account.")
    if assignee.id == actor.id:
        raise Invalid("You cannot reassign a handoff to yourself; pick a colleague.")
    if not assignee.role.at_least(Role.ENGINEER):
        raise Invalid(
            f"{assignee.display_name} is a {assignee.role.value}; a handoff can only go to an engineer, admin or owner."
        )
    return assignee


def assignees(handoff: Handoff, actor: User, members: list[User]) -> list[User]:
    """Whom `actor` may hand `handoff` to now (empty unless an action they may take now asks for a colleague)."""
    if not asks_for_colleague(allowed_actions(handoff, actor)):
        return []
    return [m for m in members if m.id != handoff.claimed_by and _is_assignable(actor, m)]


def asks_for_colleague(actions: list[Action]) -> bool:
    """Whether one of `actions` has a form field that names a colleague (the answer then lists `assignees`)."""
    controls = [RULES[action].control for action in actions]
    return any(field.kind == "colleague" for control in controls if control and control.form for field in control.form.fields)


def _is_assignable(actor: User, member: User) -> bool:
    try:
        check_assignee(actor, member)
    except BatonError:
        return False
    return True


def event_type(action: str) -> str | None:
    """The event a timeline entry's action means (None for an action this contract does not know)."""
    return next((rule.event_type for rule in RULES.values() if rule.action.value == action), None)


def _wrong_status(rule: Rule, handoff: Handoff, zone: tzinfo) -> str:
    state: str = handoff.status
    if state == "claimed":
        since = f" at {local_time(handoff.claimed_at, zone)}" if handoff.claimed_at else ""
        state = f"claimed by {handoff.claimed_by_name or handoff.claimed_by}{since}"
    needs = " or ".join(rule.sources)
    return f"Cannot {rule.action.value} this handoff: it is {state}; {rule.action.value} needs it {needs}."
