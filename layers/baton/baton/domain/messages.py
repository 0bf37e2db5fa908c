"""Messages to people: what an email carries, whatever composes or sends it."""

from baton.domain.modeling import Model


class Email(Model):
    to: str
    subject: str
    text: str
