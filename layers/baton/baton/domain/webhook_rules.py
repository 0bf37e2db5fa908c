"""Outbound webhooks, whatever the provider: which URLs may be stored and posted to, and what a provider's answer
means (delivered, refused for good, retry, rate-limited). Each connector names its provider and hosts
(baton/connectors); these rules take them as arguments."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Literal
from urllib.parse import urlsplit

from baton.domain.clock import utc_now
from baton.domain.errors import Invalid
from baton.domain.modeling import Model

URL_MAX = 2048
_HOST = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")
AnswerMeaning = Literal["delivered", "rejected", "retry"]
# A failed delivery is refused for good (permanent), worth a retry, or rate-limited (retry, after the provider's
# Retry-After when it gave one).
Verdict = Literal["delivered", "permanent", "retry", "rate_limited"]
_MEANINGS: dict[Verdict, AnswerMeaning] = {
    "delivered": "delivered",
    "permanent": "rejected",
    "retry": "retry",
    "rate_limited": "retry",
}


class ProviderAnswer(Model):
    """What came back from a webhook post: a status, the start of the body and the Retry-After header if any,
    or no answer at all (`error`)."""

    status: int | None
    body: str = ""
    error: str | None = None
    retry_after: str | None = None


class Classification(Model):
    """What an answer means for the delivery; a rate limit keeps the provider's Retry-After, in seconds."""

    verdict: Verdict
    retry_after_s: int | None = None

    @property
    def meaning(self) -> AnswerMeaning:
        return _MEANINGS[self.verdict]


# --- webhook URLs -------------------------------------------------------------------------------
def parse_hosts(setting: str) -> tuple[str, ...]:
    """A comma-separated allowlist setting: `host`, `*.domain` (any subdomain), either with an optional `:port`."""
    return tuple(part.strip().lower() for part in setting.split(",") if part.strip())


def host_allowed(host: str, port: int | None, allowed: Sequence[str]) -> bool:
    """`*.domain` matches subdomains of domain (not domain itself); a pattern without a port allows only 443."""
    for pattern in allowed:
        name, _, wanted_port = pattern.partition(":")
        if (port or 443) != (int(wanted_port) if wanted_port else 443):
            continue
        if name.startswith("*."):
            if host.endswith(name[1:]) and len(host) > len(name) - 1:
                return True
        elif host == name:
            return True
    return False


def check_webhook_url(provider: str, url: str, allowed: Sequence[str]) -> None:
    """Refuse (422, naming the rule) a URL that is not https or not on the provider's hosts (`provider`: its name
    as people know it, e.g. "Slack"). Checked when the URL is saved and again before every post."""

    def refuse(rule: str) -> Invalid:
        return Invalid(rule, errors=[{"loc": ["body", "webhook_url"], "msg": rule}])

    if len(url) > URL_MAX or any(c.isspace() or ord(c) < 32 for c in url):
        raise refuse(f"The webhook URL must be one line of at most {URL_MAX} characters without spaces.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise refuse("The webhook URL is not a valid URL.") from None
    if parts.scheme.lower() != "https":
        raise refuse("The webhook URL must use https (rule: https only).")
    if parts.username is not None or parts.password is not None:
        raise refuse("The webhook URL must not carry a user name or password before the host.")
    host = (parts.hostname or "").rstrip(".")
    if not _HOST.match(host) or not host_allowed(host, port, allowed):
        listed = ", ".join(allowed) or "none configured"
        raise refuse(
            f"The webhook URL's host {host or '(none)'} is not a {provider} webhook host (rule: host allowlist: {listed})."
        )
    if not parts.path.strip("/"):
        raise refuse(f"The webhook URL has no path; paste the whole URL {provider} gave you.")


def last4(url: str) -> str:
    return url[-4:]


# --- what a provider's answer means --------------------------------------------------------------
def classify(answer: ProviderAnswer, now: datetime | None = None) -> Classification:
    """2xx delivered; 429 rate-limited (with its Retry-After); no answer, 5xx and 408 are worth retrying (a 503's
    Retry-After kept too); any other answer is refused for good (a 3xx included: redirects are not followed, so
    the URL is wrong)."""
    status = answer.status
    if status is not None and 200 <= status < 300:
        return Classification(verdict="delivered")
    if status == 429:
        return Classification(verdict="rate_limited", retry_after_s=retry_after_seconds(answer.retry_after, now))
    if status is None or status >= 500 or status == 408:
        return Classification(verdict="retry", retry_after_s=retry_after_seconds(answer.retry_after, now))
    return Classification(verdict="permanent")


def meaning(answer: ProviderAnswer) -> AnswerMeaning:
    """Delivered, refused for good, or worth a retry (a rate limit included)."""
    return classify(answer).meaning


def retry_after_seconds(header: str | None, now: datetime | None = None) -> int | None:
    """A Retry-After header (RFC 9110: delay-seconds or an HTTP-date) as seconds from now; None when absent or
    unreadable, 0 for a date already past."""
    if header is None or not header.strip():
        return None
    text = header.strip()
    if text.isdigit():
        return int(text)
    try:
        at = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if at.tzinfo is None:  # an HTTP-date is GMT; "-0000" parses without a zone
        at = at.replace(tzinfo=UTC)
    return max(0, int((at - (now or utc_now())).total_seconds()))


# What a failure with no answer means, in words (the HTTP client's error names are no sentence for people).
_NO_ANSWER = {
    "ReadTimeoutError": "it took too long to answer",
    "ConnectTimeoutError": "the connection took too long to open",
    "NewConnectionError": "the connection was refused",
    "NameResolutionError": "its address could not be found",
    "SSLError": "the secure connection failed",
    "ProtocolError": "the connection broke off",
}


def describe(provider: str, answer: ProviderAnswer) -> str:
    if answer.status is None:
        error = answer.error or ""
        words = [said for name, said in _NO_ANSWER.items() if name in error]
        why = words[0] if words else "no answer came"
        return f"{provider} did not answer: {why}. If it keeps failing, check the webhook URL and the network."
    said = f": {answer.body.strip()[:200]}" if answer.body.strip() else ""
    return f"{provider} answered {answer.status}{said}."
