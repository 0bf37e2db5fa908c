"""Send plain-text email through SES."""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from baton.errors import Transient
from baton.logic.notify import Email

if TYPE_CHECKING:
    from mypy_boto3_ses.client import SESClient


class SesEmailSender:
    def __init__(self, sender: str, client: SESClient) -> None:
        self._sender = sender
        self._client = client

    def send(self, email: Email) -> None:
        try:
            self._client.send_email(
                Source=self._sender,
                Destination={"ToAddresses": [email.to]},
                Message={
                    "Subject": {"Data": email.subject, "Charset": "UTF-8"},
                    "Body": {"Text": {"Data": email.text, "Charset": "UTF-8"}},
                },
            )
        except ClientError as error:
            raise Transient(f"SES did not accept the email to {email.to}; it will be retried.") from error
