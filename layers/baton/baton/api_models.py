"""Request and response bodies of the HTTP API (v1). Unknown fields are rejected; types are not coerced."""

import re
from typing import Annotated, Any, Literal

from annotated_types import Ge, Le
from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from baton.connectors.declaration import ConnectorKind
from baton.connectors.registry import CHANNELS, Channel, ConnectorName
from baton.domain import email_address, invitation_csv, ladder, safe_text
from baton.domain.chat import ChatProvider
from baton.domain.lifecycle import Action
from baton.domain.modeling import Complete, Model
from baton.domain.models import (
    DIGEST_MINUTES_MAX,
    DIGEST_MINUTES_MIN,
    NOTES_MAX,
    REASON_MAX,
    EmailMode,
    EmailSettingsChange,
    Handoff,
    HandoffDraft,
    HandoffFields,
    InvitationStatus,
    Priority,
    Role,
    Session,
    SessionDraft,
    SessionFields,
    TimelineEntryFields,
    TriageFields,
    UserChange,
    UserFields,
)
from baton.domain.recipients import Audience

# The whitespace Python's str.strip() removes, spelled out: `\s` is a different set in JSON Schema (ECMA-262), in
# pydantic (Rust) and in Python, and a pattern must mean the same to the document's readers as to the server.
SPACE = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"


class RequestBody(Model):
    model_config = ConfigDict(extra="forbid")  # no stripping: what the product sends is stored as sent

    @model_validator(mode="before")
    @classmethod
    def _text_is_unicode(cls, data: Any) -> Any:
        _check_unicode(data)
        return data


def _check_unicode(value: Any) -> None:
    """JSON may escape a lone surrogate ("\\ud800"); no store or JSON encoder downstream can write it."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("text must be valid Unicode (a lone surrogate such as \\ud800 cannot be stored)") from None
    elif isinstance(value, dict):
        for key, child in value.items():
            _check_unicode(key)
            _check_unicode(child)
    elif isinstance(value, list):
        for child in value:
            _check_unicode(child)


class SessionCreate(RequestBody, SessionDraft):
    """A new session: its fields are declared once, in the domain (`SessionDraft`)."""


class HandoffCreate(RequestBody, HandoffDraft):
    """Park or escalate: the fields are declared once, in the domain (`HandoffDraft`)."""


class HandoffResolve(RequestBody):
    resolution_notes: str = Field(
        min_length=1,
        max_length=NOTES_MAX,
        json_schema_extra={"pattern": f"[^{SPACE}]"},
        description="What fixed it (required, not only white space): shown to the engineer who handed it off.",
    )


class HandoffRelease(RequestBody):
    reason: str | None = Field(default=None, max_length=REASON_MAX)


class HandoffWithdraw(RequestBody):
    reason: str | None = Field(default=None, max_length=REASON_MAX)


class HandoffReassign(RequestBody):
    to_user_id: str = Field(min_length=1, max_length=128, description="The colleague (engineer, admin or owner) who takes it.")
    reason: str | None = Field(default=None, max_length=REASON_MAX)


class HandoffEscalate(RequestBody):
    engineer_notes: str | None = Field(default=None, max_length=NOTES_MAX, description="Replaces the park's notes when given.")


class UserPatch(RequestBody, UserChange):
    """At least one field; a field left out is unchanged (null is refused: neither can be cleared)."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    role: Role | SkipJsonSchema[None] = None
    notify_email: StrictBool | SkipJsonSchema[None] = None

    @model_validator(mode="before")
    @classmethod
    def _something_to_change(cls, data: Any) -> Any:
        if isinstance(data, dict):
            if not data:
                raise ValueError("give at least one of role, notify_email")
            if nulls := sorted(str(name) for name, value in data.items() if value is None):
                raise ValueError(f"leave {', '.join(nulls)} out rather than send null")
        return data


# A name people read (in a header, a chat card): not only white space, and none of `safe_text`'s unsafe characters.
NAME_PATTERN = rf"^[^{safe_text.UNSAFE_CLASS}]*[^{SPACE}{safe_text.UNSAFE_CLASS}][^{safe_text.UNSAFE_CLASS}]*$"
# An address email can be sent to, as `email_address` requires it: ASCII dot-atoms (an international
# domain in its xn-- form), with white space around it allowed.
ATEXT = "A-Za-z0-9!#$%&'*+/=?^_`{|}~-"
EMAIL_PATTERN = rf"^[{SPACE}]*[{ATEXT}]+(\.[{ATEXT}]+)*@[{ATEXT}]+(\.[{ATEXT}]+)+[{SPACE}]*$"


class AccountPatch(RequestBody):
    name: str = Field(
        min_length=1, max_length=100, json_schema_extra={"pattern": NAME_PATTERN}, description="The account's display name."
    )

    @field_validator("name")
    @classmethod
    def _readable(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the account name needs a character that is not white space")
        if (why := safe_text.problem(value)) is not None:
            raise ValueError(f"the account name {why}")
        return value


class AccountOut(Model):
    id: str
    name: str
    created_at: str | None
    policy: dict[str, Any] | None = Field(default=None, description="The SLA policy (null until one is set).")


class InvitationCreate(RequestBody):
    email: str = Field(min_length=3, max_length=254, json_schema_extra={"pattern": EMAIL_PATTERN})
    role: Role

    @field_validator("email")
    @classmethod
    def _deliverable(cls, value: str) -> str:
        why = email_address.problem(value)
        if why is None and re.search(EMAIL_PATTERN, value) is None:
            why = "an invitation goes to an ASCII address such as name@example.com (an international domain in its xn-- form)"
        if why is not None:
            raise ValueError(why)
        return value


class BulkInvitationsCreate(RequestBody):
    csv: str = Field(
        min_length=1,
        max_length=60_000,
        description="One `email,role` line per person (a header line is fine; no role means engineer); at most 200 people.",
    )


class SkippedLineOut(Model):
    line: int = Field(description="The CSV line (from 1).")
    email: str
    detail: str = Field(description="Why nobody was invited from this line.")


def invitation_rows(text: str) -> tuple[list[tuple[int, str, Role]], list[SkippedLineOut]]:
    """The CSV's lines as invitations to make (line, address, role), each checked as `InvitationCreate` checks one,
    and the lines that cannot be, with why. The console's bulk invite and `baton-admin invite-bulk` both read CSV here."""
    ready: list[tuple[int, str, Role]] = []
    refused: list[SkippedLineOut] = []
    for row in invitation_csv.rows(text):
        try:
            checked = InvitationCreate.model_validate({"email": row.email, "role": row.role})
        except ValidationError as error:
            problem = error.errors()[0]
            where = str(problem["loc"][0]) if problem["loc"] else "line"
            refused.append(SkippedLineOut(line=row.line, email=row.email, detail=f"{where}: {problem['msg']}"))
            continue
        ready.append((row.line, checked.email, checked.role))
    return ready, refused


class InvitationAccept(RequestBody):
    invitation_id: str = Field(min_length=1, max_length=64)


class InvitationOut(Model):
    id: str
    account_id: str
    account_name: str
    email: str
    role: Role
    status: InvitationStatus
    invited_by_name: str | None
    created_at: str
    expires_at: str


class BulkInvitationsOut(Model):
    invited: list[InvitationOut] = Field(description="The pending invitations made (each gets its email).")
    skipped: list[SkippedLineOut] = Field(description="The lines that invited nobody: a member, pending, a bad address...")


# The answers build on the domain's field bases (every field required: `Complete`). A docstring here would become
# the schema's description in the OpenAPI document.
class UserOut(Complete, UserFields):
    pass


class SessionOut(Complete, SessionFields):
    pass


class TriageOut(Complete, TriageFields):
    pass


class HandoffOut(Complete, HandoffFields):
    session: TriageOut


class TimelineEntryOut(Complete, TimelineEntryFields):
    pass


class RecentHandoffOut(Model):
    """One of the account's recent handoffs, read only, with its timeline (what a viewer follows)."""

    handoff: HandoffOut
    timeline: list[TimelineEntryOut]


# The stored fields an answer leaves out, each on purpose (a test holds every other one to be in its answer).
NOT_ANSWERED: dict[type[Model], set[str]] = {
    Handoff: {"timeline"},  # answered on its own (`.../timeline`, and in the context answer)
    Session: {"active_handoff_id"},  # the store's mark of the session's one live handoff
}


class FormFieldOut(Model):
    name: str = Field(description="The request body's field it fills.")
    label: str
    kind: Literal["text", "colleague"] = Field(description="text: free text; colleague: one of the answer's `assignees`.")
    hint: str | None
    required: bool
    max_length: int | None
    rows: int | None


class FormOut(Model):
    title: str
    submit: str
    fields: list[FormFieldOut]


class ActionOut(Model):
    """How the console draws one action the caller may take: its button, its form, and what it says once done."""

    action: Action
    label: str
    primary: bool
    form: FormOut | None = Field(description="None: the button acts at once.")
    done: str = Field(description="Said after it worked; `{field}` is filled from the handoff it answered with.")


class HandoffContext(Model):
    handoff: HandoffOut
    session: SessionOut
    timeline: list[TimelineEntryOut]
    allowed_actions: list[Action] = Field(description="What the caller may do with this handoff now.")
    actions: list[ActionOut] = Field(description="The same actions, as the console draws them (from the lifecycle table).")
    assignees: list[UserOut] = Field(description="Whom the caller may reassign it to now (empty unless reassign is allowed).")


def _integral_float_as_int(value: Any) -> Any:
    """60.0 is the JSON number 60 (JSON Schema's `integer` agrees): anything else is left to StrictInt to judge."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


# A whole number however the client's JSON writes it; never a string, a boolean or a fraction.
WholeNumber = Annotated[StrictInt, BeforeValidator(_integral_float_as_int)]
DigestMinutes = Annotated[StrictInt, Ge(DIGEST_MINUTES_MIN), Le(DIGEST_MINUTES_MAX), BeforeValidator(_integral_float_as_int)]


class PriorityStepsIn(RequestBody):
    """One priority's steps (seconds, each at least 30, at most 7 days)."""

    remind_after_s: WholeNumber = Field(ge=30, le=604_800)
    escalate_after_s: WholeNumber = Field(ge=30, le=604_800)
    repeat_every_s: WholeNumber = Field(ge=30, le=604_800)
    always_on: StrictBool = Field(default=False, description="The clock runs outside business hours too.")


class SlaPolicyIn(RequestBody):
    """The account's SLA ladder, in seconds between deadlines (each at least 30 s, at most 7 days), and who is emailed
    (`notify`; left out, it stays as it is)."""

    remind_after_s: WholeNumber = Field(ge=30, le=604_800, description="Open escalation to level 1 (the engineers are told).")
    escalate_after_s: WholeNumber = Field(ge=30, le=604_800, description="Level 1 to level 2 (admins and owners are told).")
    repeat_every_s: WholeNumber = Field(ge=30, le=604_800, description="Each further level (admins and owners again).")
    max_level: WholeNumber = Field(
        default=ladder.DEFAULT_MAX_LEVEL,
        ge=1,
        le=ladder.MAX_LEVEL_LIMIT,
        description="The last level (default 3): no raise and no notice after it.",
    )
    priorities: dict[Priority, PriorityStepsIn] | SkipJsonSchema[None] = Field(
        default=None, description="Steps per priority; a priority left out gets the default (P1: half the steps, always on)."
    )
    business_hours: ladder.BusinessHours | None = Field(
        default=None, description="When the clock runs (null or left out: around the clock)."
    )
    notify: "NotifyPolicyIn | SkipJsonSchema[None]" = None


class SlaPolicyOut(Model):
    """The policy in force, with every priority's steps spelled out."""

    remind_after_s: int
    escalate_after_s: int
    repeat_every_s: int
    max_level: int
    priorities: dict[Priority, ladder.PrioritySteps]
    business_hours: ladder.BusinessHours | None
    notify: "NotifyPolicyOut"


# Who is emailed (baton/domain/recipients.py): each a set of these, without repeats.
AudienceList = Annotated[list[Audience], Field(max_length=5, json_schema_extra={"uniqueItems": True})]


class NotifyPolicyIn(RequestBody):
    """Who is emailed at creation and at each level of the SLA ladder (each a set; [] is nobody)."""

    on_create: AudienceList = Field(description="A new escalation, or a park turned escalation.")
    on_level_1: AudienceList = Field(description="Level 1 of the SLA ladder.")
    on_level_2: AudienceList = Field(description="Level 2 of the SLA ladder and every level after it.")

    @model_validator(mode="after")
    def _no_repeats(self) -> "NotifyPolicyIn":
        for name in ("on_create", "on_level_1", "on_level_2"):
            chosen = getattr(self, name)
            if len(set(chosen)) != len(chosen):
                raise ValueError(f"{name} names an audience twice")
        return self


class NotifyPolicyOut(Model):
    on_create: list[Audience]
    on_level_1: list[Audience]
    on_level_2: list[Audience]


class MyEmailSettings(RequestBody, EmailSettingsChange):
    """At least one field; a field left out is unchanged (null is refused)."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    email_mode: EmailMode | SkipJsonSchema[None] = None
    # The bounds sit on the number itself: a Field(ge, le) on this union is written as `ge`/`le`, which JSON Schema
    # does not know, so the document said any integer while the server refused 0.
    digest_minutes: DigestMinutes | SkipJsonSchema[None] = None
    email_when_live: StrictBool | SkipJsonSchema[None] = None

    @model_validator(mode="before")
    @classmethod
    def _something_to_change(cls, data: Any) -> Any:
        if isinstance(data, dict):
            if not data:
                raise ValueError("give at least one of email_mode, digest_minutes, email_when_live")
            if nulls := sorted(str(name) for name, value in data.items() if value is None):
                raise ValueError(f"leave {', '.join(nulls)} out rather than send null")
        return data


class WebhookSet(RequestBody):
    webhook_url: str = Field(
        min_length=1,
        max_length=2048,
        description="The channel's incoming-webhook URL (https, on the provider's hosts). Stored encrypted, never returned.",
    )


class WebhookDeliveryOut(Model):
    at: str
    outcome: Literal["delivered", "rejected", "retrying"]
    provider_status: int | None = None
    detail: str = Field(description="What the provider answered, e.g. 'Slack answered 404: channel_not_found.'")
    event_id: str | None = Field(default=None, description="The event it was about; none for a test message.")


class IntegrationOut(Model):
    channel: Channel
    configured: bool
    last4: str | None = Field(default=None, description="The URL's last 4 characters, to tell which one is set.")
    updated_at: str | None = None
    updated_by_name: str | None = None
    last_delivery: WebhookDeliveryOut | None = Field(default=None, description="How the last post went (a refusal shows here).")


# One field per chat channel, in the registry's order: {"teams": IntegrationOut, "slack": IntegrationOut}.
_CHANNEL_FIELDS: dict[str, Any] = {channel: (IntegrationOut, ...) for channel in CHANNELS}
IntegrationsOut = create_model("IntegrationsOut", __base__=Model, **_CHANNEL_FIELDS)


class ConnectorOut(Model):
    name: ConnectorName
    kind: ConnectorKind = Field(description="chat: announcements to a channel; psa: notes on the PSA ticket.")
    configured: bool
    settings: dict[str, Any] = Field(description="The connector's settings, never a secret (a webhook's: its last4).")
    last_delivery: WebhookDeliveryOut | None = Field(default=None, description="How the last post went (a refusal shows here).")
    last_inbound: dict[str, Any] | None = Field(
        default=None, description="The last call the provider made to baton (null: no connector receives calls yet)."
    )


class ConnectorSet(RequestBody):
    settings: dict[str, Any] = Field(default_factory=dict, description="The connector's settings (never a secret).")
    secrets: dict[str, Any] = Field(
        description="Its credentials (e.g. ConnectWise's public_key, private_key, client_id). Stored encrypted, never returned."
    )


class MemberMapEntry(RequestBody):
    user_id: str = Field(min_length=1, max_length=128)
    external_id: str = Field(min_length=1, max_length=128, description="Who the member is in the provider (a PSA member id).")


class MembersSet(RequestBody):
    members: list[MemberMapEntry] = Field(max_length=2000)


class MemberRowOut(Model):
    user_id: str
    display_name: str
    email: str
    external_id: str | None = Field(default=None, description="null: not mapped (the connector leaves them out).")
    external_name: str | None = None
    matched_by: Literal["email", "manual"] | None = None


class MembersOut(Model):
    members: list[MemberRowOut] = Field(description="Every member of the account, mapped or not.")
    unmatched: list[str] = Field(description="The ids of the account's members no provider member is mapped to.")
    directory: list[dict[str, Any]] = Field(description="The provider's members as last listed: {external_id, name, email}.")


class ConnectorTestOut(Model):
    ok: bool
    detail: str


class WebhookTestOut(Model):
    channel: Channel
    delivered: bool
    provider_status: int | None = Field(description="The provider's HTTP status; null when it did not answer.")
    detail: str


class ErrorOut(Model):
    detail: str


# --- chat links (the profile's "Link Slack" / "Link Teams") ------------------------------------------------
class ChatLinkCodeOut(Model):
    code: str = Field(description="Send it to the bot within 10 minutes: `/baton link CODE` in Slack, `link CODE` to Teams' bot.")
    provider: ChatProvider
    expires_at: str
    instruction: str


class ChatLinkOut(Model):
    provider: ChatProvider
    external_id: str = Field(description="Who you are in the chat tool (its user id).")
    workspace_id: str | None
    linked_at: str
