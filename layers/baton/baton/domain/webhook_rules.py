"""Outbound webhooks (Teams, Slack): which URLs may be stored and posted to, and what a provider's answer means."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal
from urllib.parse import urlsplit

from baton.domain.errors import Invalid
from baton.domain.modeling import Model
from baton.domain.models import Channel

PROVIDER_NAMES: dict[Channel, str] = {"teams": "Microsoft Teams", "slack": "Slack"}
# The providers' incoming-webhook hosts (template parameters TeamsWebhookHosts / SlackWebhookHosts default to these):
# Teams' Workflows ("When a Teams webhook request is received") and the older Office 365 connectors; Slack's apps.
DEFAULT_HOSTS: dict[Channel, tuple[str, ...]] = {
    "teams": ("*.webhook.office.com", "*.logic.azure.com", "*.environment.api.powerplatform.com"),
    "slack": ("hooks.slack.com",),
}
URL_MAX = 2048
_HOST = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")
AnswerMeaning = Literal["delivered", "rejected", "retry"]


class ProviderAnswer(Model):
    """What came back from a webhook post: a status and the start of the body, or no answer at all (`error`)."""

    status: int | None
    body: str = ""
    error: str | None = None


# --- webhook URLs -------------------------------------------------------------------------------
def parse_hosts(setting: str) -> tuple[str, ...]:
    """A comma-separated allowlist setting: `host`, `*.domain` (any subdomain), either with an optional `:port`."""
    return tuple(part.strip().lower() for part in setting.split(",") if part.strip())


def allowed_hosts(teams_setting: str, slack_setting: str) -> dict[Channel, tuple[str, ...]]:
    return {"teams": parse_hosts(teams_setting), "slack": parse_hosts(slack_setting)}


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


def check_webhook_url(channel: Channel, url: str, allowed: Sequence[str]) -> None:
    """Refuse (422, naming the rule) a URL that is not https or not on the channel's provider hosts.
    Checked when the URL is saved and again before every post."""
    provider = PROVIDER_NAMES[channel]

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
def meaning(answer: ProviderAnswer) -> AnswerMeaning:
    """2xx delivered; no answer, 5xx, 408 and 429 are worth retrying; any other answer is refused for good
    (a 3xx included: redirects are not followed, so the URL is wrong)."""
    if answer.status is None:
        return "retry"
    if 200 <= answer.status < 300:
        return "delivered"
    if answer.status >= 500 or answer.status in (408, 429):
        return "retry"
    return "rejected"


def describe(channel: Channel, answer: ProviderAnswer) -> str:
    provider = PROVIDER_NAMES[channel]
    if answer.status is None:
        return f"{provider} did not answer: {answer.error or 'no response'}."
    said = f": {answer.body.strip()[:200]}" if answer.body.strip() else ""
    return f"{provider} answered {answer.status}{said}."
