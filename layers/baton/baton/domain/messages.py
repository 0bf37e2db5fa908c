"""Messages to people: what an email or a chat message carries, whatever composes or sends it.

The email library is imported where an email is checked, not at import: `email.headerregistry` alone is 23 ms of
the init of every function that declares these models, and only the email functions write emails.
"""

from typing import Literal

from pydantic import field_validator

from baton.domain import safe_text
from baton.domain.modeling import Model


class Email(Model):
    """One plain-text email. Its header values are written by the email library (`email.headerregistry`), the
    subject from text made one clean line (`safe_text.one_line`): no name or note can add a header or hide one."""

    to: str
    subject: str
    text: str

    @field_validator("to")
    @classmethod
    def _one_address(cls, value: str) -> str:
        from email.headerregistry import Address

        return Address(addr_spec=value).addr_spec  # one address, or a ValueError

    @field_validator("subject")
    @classmethod
    def _one_line(cls, value: str) -> str:
        from email.message import EmailMessage

        headers = EmailMessage()
        headers["Subject"] = safe_text.one_line(value)  # the library refuses a value that would add a line
        return str(headers["Subject"])


class Message(Model):
    """The facts of one chat message, whatever the channel's format (each chat connector renders it)."""

    title: str
    facts: list[tuple[str, str]]
    notes: str
    link: str | None
    link_label: str
    accent: Literal["attention", "warning", "good"]
