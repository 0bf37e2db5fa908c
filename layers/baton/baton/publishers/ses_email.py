"""Send plain-text email through SES, telling a refusal for good from a failure worth retrying."""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from baton.domain.errors import Invalid, Transient
from baton.domain.messages import Email

if TYPE_CHECKING:
    from mypy_boto3_ses.client import SESClient

# SES error codes that the same email will meet again on every retry (SES API reference, SendEmail).
PERMANENT_ERRORS = frozenset(
    {
        "MessageRejected",  # e.g. an unverified address while the account is in the SES sandbox
        "MailFromDomainNotVerifiedException",
        "InvalidParameterValue",  # e.g. a malformed recipient address
        "ConfigurationSetDoesNotExist",
    }
)


class SesEmailSender:
    def __init__(self, sender: str, client: SESClient) -> None:
        self._sender = sender
        self._client = client

    def send(self, email: Email) -> None:
        """Raises `Invalid` when SES refuses this email for good, `Transient` when a retry may work (throttling, network)."""
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
            code = error.response.get("Error", {}).get("Code", "Unknown")
            if code in PERMANENT_ERRORS:
                raise Invalid("SES refused the email; retrying would not change that.", code=code) from error
            raise Transient("SES did not accept the email; it will be retried.", code=code) from error
        except BotoCoreError as error:  # no answer (connection, timeout): SES may take it next time
            raise Transient("SES could not be reached; the email will be retried.", code=type(error).__name__) from error
