"""Messages to people: what an email or a chat message carries, whatever composes or sends it."""

from typing import Literal

from baton.domain.modeling import Model


class Email(Model):
    to: str
    subject: str
    text: str


class Message(Model):
    """The facts of one chat message, whatever the channel's format (each chat connector renders it)."""

    title: str
    facts: list[tuple[str, str]]
    notes: str
    link: str | None
    link_label: str
    accent: Literal["attention", "warning", "good"]
