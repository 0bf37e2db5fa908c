"""Talking to one account's PSA: its configuration, its request budget, its OAuth token, and what its answers mean.

Every request of a use case goes through `PsaLink.send`: it counts against the account's budget for that connector
(`request_budget_per_hour`, default 2,000: Autotask's 10,000 an hour are shared with every other integration of
the MSP), gets a token first where the PSA uses OAuth, and sends the connector's pure request through the transport.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from baton.connectors.declaration import Connector
from baton.connectors.http import HttpReply, HttpRequest
from baton.connectors.psa_api import PsaApi, PsaConfig, PsaMember
from baton.domain.clock import utc_now
from baton.domain.errors import Invalid, Transient
from baton.domain.webhook_rules import Classification, ProviderAnswer, classify, describe
from baton.ports import ConnectorStore, ProviderTransport

DEFAULT_BUDGET_PER_HOUR = 2_000
MEMBER_PAGES_MAX = 20


def api_of(declared: Connector) -> PsaApi:
    if declared.psa is None:
        raise Invalid(f"{declared.title} is not a PSA.")
    return declared.psa


def hour_of(now: datetime) -> str:
    return now.strftime("%Y-%m-%dT%H")


def seconds_to_next_hour(now: datetime) -> int:
    return 3600 - (now.minute * 60 + now.second)


def answer_of(reply: HttpReply) -> ProviderAnswer:
    return ProviderAnswer(
        status=reply.status, body=reply.body[:2000], error=reply.error, retry_after=reply.headers.get("retry-after")
    )


def classified(reply: HttpReply) -> Classification:
    return classify(answer_of(reply))


def said(declared: Connector, reply: HttpReply) -> str:
    return describe(declared.title, answer_of(reply))


@dataclass
class PsaLink:
    """One account's PSA for the length of one use case."""

    declared: Connector
    account_id: str
    config: PsaConfig
    transport: ProviderTransport
    budget: ConnectorStore | None  # None: not counted (nothing to count against yet)
    now: Callable[[], datetime] = utc_now
    sent: list[HttpReply] = field(default_factory=list)

    @property
    def api(self) -> PsaApi:
        return api_of(self.declared)

    def send(self, build: Callable[[PsaConfig], HttpRequest]) -> HttpReply:
        """Send one request; `Transient` (with the wait until the next hour) when the hour's budget is spent."""
        self._authorize()
        return self._send(build(self.config))

    def send_built(self, request: HttpRequest) -> HttpReply:
        """Send a request built already (with this link's configuration and token)."""
        self._authorize()
        return self._send(request)

    def _send(self, request: HttpRequest) -> HttpReply:
        if self.budget is not None:
            limit = int(self.config.settings.get("request_budget_per_hour") or DEFAULT_BUDGET_PER_HOUR)
            now = self.now()
            if not self.budget.take_budget(self.account_id, self.declared.name, hour_of(now), limit):
                raise Transient(
                    f"The {self.declared.title} request budget ({limit} an hour) is spent; waiting for the next hour.",
                    verdict="rate_limited",
                    retry_after_s=seconds_to_next_hour(now),
                )
        reply = self.transport.send(self.declared.name, request)
        self.sent.append(reply)
        return reply

    def _authorize(self) -> None:
        api = self.api
        if api.token is None or api.read_token is None or self.config.token is not None:
            return
        reply = self._send(api.token(self.config))
        token = api.read_token(reply) if reply.ok else None
        if token is None:
            raise ProviderRefused(self.declared, reply)
        self.config = self.config._replace(token=token)

    def members(self) -> list[PsaMember]:
        """Every member, page after page as the PSA pages them (at most MEMBER_PAGES_MAX pages)."""
        found: list[PsaMember] = []
        previous: HttpReply | None = None
        for page in range(1, MEMBER_PAGES_MAX + 1):

            def page_of(config: PsaConfig, page: int = page, previous: HttpReply | None = previous) -> HttpRequest:
                return self.api.members(config, page, previous)

            reply = self.send(page_of)
            if not reply.ok:
                raise ProviderRefused(self.declared, reply)
            rows, more = self.api.read_members(reply)
            found += rows
            if not more:
                break
            previous = reply
        return found


class ProviderRefused(Invalid):
    """The PSA refused a set-up call (keys, site, rights): 422, with what it answered."""

    def __init__(self, declared: Connector, reply: HttpReply) -> None:
        super().__init__(f"{said(declared, reply)} Check the settings and keys (docs/psa.md).", provider_status=reply.status)
