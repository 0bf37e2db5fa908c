"""In-memory stand-ins for the repositories, for use-case tests."""

from __future__ import annotations

from typing import Any

from baton.domain import lifecycle
from baton.domain.errors import Conflict, NotFound
from baton.domain.invitation_rules import expires_epoch, why_unusable
from baton.domain.ladder import Policy, default_policy
from baton.domain.lifecycle import Action
from baton.domain.models import (
    EmailMode,
    EmailSettingsChange,
    Handoff,
    HandoffStatus,
    Invitation,
    MineRole,
    QueuePage,
    Role,
    Session,
    TimelineEntry,
    User,
)


class InMemoryUsers:
    def __init__(self, *users: User) -> None:
        self.by_id = {user.id: user for user in users}

    def get(self, user_id: str) -> User | None:
        return self.by_id.get(user_id)

    def list_by_account(self, account_id: str) -> list[User]:
        return [u for u in self.by_id.values() if u.account_id == account_id]

    def update(self, current: User, role: Role | None, notify_email: bool | None, email_mode: EmailMode | None = None) -> User:
        changes: dict[str, Any] = {"role": role or current.role}
        if email_mode is not None:
            changes["email_mode"] = email_mode
        self.by_id[current.id] = User.model_validate({**current.model_dump(), **changes})
        return self.by_id[current.id]

    def set_email_settings(self, current: User, change: EmailSettingsChange) -> User:
        changes = change.model_dump(exclude_none=True)
        self.by_id[current.id] = User.model_validate({**current.model_dump(), **changes})
        return self.by_id[current.id]

    def by_email(self, account_id: str, email: str) -> User | None:
        return next((u for u in self.by_id.values() if u.account_id == account_id and u.email == email), None)

    def remove(self, current: User) -> None:
        owners = [u for u in self.by_id.values() if u.account_id == current.account_id and u.role == Role.OWNER]
        if current.role == Role.OWNER and len(owners) == 1:
            raise Conflict("The account's last owner cannot be removed; make someone else an owner first.")
        if self.by_id.pop(current.id, None) is None:
            raise NotFound("No such user in your account.")


class InMemoryInvitations:
    """What the store promises: one invitation per address and account; accept is all or nothing."""

    def __init__(self, users: InMemoryUsers) -> None:
        self.users = users
        self.by_key: dict[tuple[str, str], Invitation] = {}

    def create(self, invitation: Invitation, now_epoch: int) -> None:
        old = self.by_key.get((invitation.email, invitation.account_id))
        if old and old.status == "pending" and expires_epoch(old) > now_epoch:
            raise Conflict(f"{invitation.email} already has a pending invitation to this account.")
        self.by_key[(invitation.email, invitation.account_id)] = invitation

    def for_email(self, email: str) -> list[Invitation]:
        return [i for (address, _), i in self.by_key.items() if address == email]

    def of_account(self, account_id: str) -> list[Invitation]:
        return [i for (_, account), i in self.by_key.items() if account == account_id]

    def in_account(self, account_id: str, invitation_id: str) -> Invitation | None:
        return next((i for i in self.of_account(account_id) if i.id == invitation_id), None)

    def revoke(self, invitation: Invitation, at: str) -> None:
        self.by_key[(invitation.email, invitation.account_id)] = invitation.model_copy(update={"status": "revoked"})

    def accept(self, invitation: Invitation, user: User, at: str, now_epoch: int) -> None:
        current = self.by_key[(invitation.email, invitation.account_id)]
        refused = why_unusable(current, now_epoch)
        if refused:
            raise refused
        if self.users.get(user.id):
            raise Conflict("You are already a member of a baton account; one person belongs to one account.")
        self.by_key[(invitation.email, invitation.account_id)] = current.model_copy(update={"status": "accepted"})
        self.users.by_id[user.id] = user


class InMemoryHandoffs:
    def __init__(self) -> None:
        self.sessions: dict[tuple[str, str], Session] = {}
        self.handoffs: dict[tuple[str, str], list[Handoff]] = {}
        self.transitions: list[tuple[str, str, str, str]] = []
        self.policies: dict[str, Policy] = {}

    def create_session(self, session: Session) -> None:
        self.sessions[(session.account_id, session.id)] = session

    def get_session(self, account_id: str, session_id: str) -> Session | None:
        return self.sessions.get((account_id, session_id))

    def session_and_policy(self, account_id: str, session_id: str) -> tuple[Session | None, Policy]:
        return self.get_session(account_id, session_id), self.sla_policy(account_id)

    def get_session_with_handoffs(self, account_id: str, session_id: str) -> tuple[Session | None, list[Handoff]]:
        return self.get_session(account_id, session_id), list(self.handoffs.get((account_id, session_id), []))

    def create_handoff(self, handoff: Handoff) -> None:
        key = (handoff.account_id, handoff.session_id)
        if key not in self.sessions:
            raise NotFound("No such session in your account.")
        if any(h.status in lifecycle.ACTIVE_STATUSES for h in self.handoffs.get(key, [])):
            raise Conflict("already open")
        self.handoffs.setdefault(key, []).append(handoff)

    def get_handoff(self, account_id: str, session_id: str, handoff_id: str) -> Handoff | None:
        return next((h for h in self.handoffs.get((account_id, session_id), []) if h.id == handoff_id), None)

    def transition(
        self,
        account_id: str,
        session_id: str,
        handoff_id: str,
        action: Action,
        actor: User,
        entry: TimelineEntry,
        fields: dict[str, Any],
    ) -> Handoff:
        """What the table's conditional write does: the rule's refusal, else the change with its entry."""
        self.transitions.append((account_id, session_id, handoff_id, actor.id))
        current = self.get_handoff(account_id, session_id, handoff_id)
        if current is None:
            raise NotFound("No such handoff in your account.")
        refused = lifecycle.refusal(action, current, actor, entry.to_user_id, self.sla_policy(account_id).time_zone())
        if refused is not None:
            raise refused
        version = current.version + 1
        changed = current.model_copy(
            update={
                **fields,
                "status": lifecycle.RULES[action].target,
                "version": version,
                "updated_at": entry.at,
                "timeline": [*current.timeline, entry.model_copy(update={"version": version})],
            }
        )
        siblings = self.handoffs[(account_id, session_id)]
        siblings[siblings.index(current)] = changed
        return changed

    def open_queue(self, account_id: str, intent: str | None, limit: int, after: str | None) -> QueuePage:
        open_ones = [
            h
            for hs in self.handoffs.values()
            for h in hs
            if h.account_id == account_id and h.status == "open" and intent in (None, h.intent)
        ]
        return QueuePage(items=open_ones[:limit], next_cursor=None)

    def sla_policy(self, account_id: str) -> Policy:
        return self.policies.get(account_id, default_policy())

    def recent(self, account_id: str, limit: int) -> list[Handoff]:
        found = [h for hs in self.handoffs.values() for h in hs if h.account_id == account_id]
        return sorted(found, key=lambda h: (h.updated_at, h.id), reverse=True)[:limit]

    def mine(
        self, account_id: str, user_id: str, role: MineRole, status: HandoffStatus, limit: int, after: str | None
    ) -> QueuePage:
        field = "claimed_by" if role == "holder" else "created_by"
        found = [
            h
            for hs in self.handoffs.values()
            for h in hs
            if h.account_id == account_id and h.status == status and getattr(h, field) == user_id
        ]
        found.sort(key=lambda h: (h.updated_at, h.id), reverse=True)
        return QueuePage(items=found[:limit], next_cursor=None)


def person(role: Role, account: str = "acme", name: str = "x") -> User:
    return User(
        id=f"{account}-{name}-{role.value}", account_id=account, email=f"{name}@{account}.test", display_name=name, role=role
    )
