"""Post a JSON message to a Teams or Slack incoming webhook, safely.

https only, and only to the channel's allowlisted hosts (checked again here, whatever was stored);
no redirect is followed (a 3xx comes back as the answer); connect and read are bounded; one attempt
(the caller's queue does the retrying). urllib3 ships with botocore in every Lambda runtime.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import urllib3
from urllib3.exceptions import HTTPError

from baton.domain.models import Channel
from baton.domain.webhook_rules import ProviderAnswer, check_webhook_url

CONNECT_SECONDS = 3.0
READ_SECONDS = 5.0
BODY_KEPT = 2_000  # characters of the provider's answer kept for the log and the console


class WebhookPoster:
    def __init__(self, allowed: Mapping[Channel, Sequence[str]], ca_bundle: str | None = None) -> None:
        self._allowed = allowed
        # The default trust store (certifi's, as botocore's), or a bundle of one's own (the local runtime's receiver).
        self._pool = urllib3.PoolManager(
            ca_certs=ca_bundle or None,
            cert_reqs="CERT_REQUIRED",
            retries=False,
            timeout=urllib3.Timeout(connect=CONNECT_SECONDS, read=READ_SECONDS),
        )

    def post(self, channel: Channel, url: str, payload: dict[str, Any]) -> ProviderAnswer:
        check_webhook_url(channel, url, self._allowed[channel])
        try:
            reply = self._pool.request(
                "POST",
                url,
                body=json.dumps(payload).encode(),
                headers={"Content-Type": "application/json", "User-Agent": "baton-webhooks/1"},
                redirect=False,
                retries=False,
                preload_content=False,
            )
            try:
                body = reply.read(BODY_KEPT * 4, decode_content=True).decode("utf-8", "replace")[:BODY_KEPT]
            finally:
                reply.release_conn()
        except HTTPError as error:  # timeouts, refused connections, TLS failures: no answer
            return ProviderAnswer(status=None, error=type(error).__name__ + _reason(error))
        return ProviderAnswer(status=reply.status, body=body)


def _reason(error: HTTPError) -> str:
    reason = getattr(error, "reason", None)
    return f" ({type(reason).__name__})" if reason is not None else ""
