"""Send one request to a connector's provider API (a PSA's REST API, a chat tool's Web API), safely.

https only, and only to the connector's allowlisted hosts (its template parameter; under `make dev` the stand-ins'
`127.0.0.1:<port>` and `BATON_DEV_ALLOW_HOSTS`); no redirect is followed; connect and read are bounded; one attempt
(the caller's queue retries). The CA bundle is the default trust store or the one the settings name
(`WEBHOOK_CA_BUNDLE`: the local stand-ins' CA, plus `BATON_DEV_CA_BUNDLE` under `make dev`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from urllib.parse import urlencode, urlsplit

import urllib3
from urllib3.exceptions import HTTPError

from baton.connectors.http import HttpReply, HttpRequest
from baton.domain.errors import Invalid
from baton.domain.webhook_rules import host_allowed

CONNECT_SECONDS = 3.0
READ_SECONDS = 8.0
BODY_KEPT = 256 * 1024  # a page of members or notes


class ProviderHttp:
    def __init__(self, allowed: Mapping[str, Sequence[str]], ca_bundle: str | None = None) -> None:
        self._allowed = allowed
        self._pool = urllib3.PoolManager(
            ca_certs=ca_bundle or None,
            cert_reqs="CERT_REQUIRED",
            retries=False,
            timeout=urllib3.Timeout(connect=CONNECT_SECONDS, read=READ_SECONDS),
        )

    def check(self, connector: str, url: str) -> None:
        """Refuse (422) a URL that is not https on one of the connector's hosts."""
        parts = urlsplit(url)
        try:
            port = parts.port
        except ValueError:
            raise Invalid(f"{url!r} is not a valid URL.") from None
        host = (parts.hostname or "").rstrip(".").lower()
        if parts.scheme != "https" or parts.username or not host_allowed(host, port, self._allowed.get(connector, ())):
            listed = ", ".join(self._allowed.get(connector, ())) or "none configured"
            raise Invalid(f"baton may only call https://{listed} for this connector, not {host or url!r}.")

    def send(self, connector: str, request: HttpRequest) -> HttpReply:
        self.check(connector, request.url)
        url = request.url + ("?" + urlencode(dict(request.query)) if request.query else "")
        headers = {"User-Agent": "baton-connectors/1", "Accept": "application/json", **request.headers}
        body: bytes | None = None
        if request.form is not None:
            body = urlencode(dict(request.form)).encode()
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        elif request.json_body is not None:
            body = json.dumps(request.json_body).encode()
            headers.setdefault("Content-Type", "application/json")
        try:
            reply = self._pool.request(
                request.method, url, body=body, headers=headers, redirect=False, retries=False, preload_content=False
            )
            try:
                text = reply.read(BODY_KEPT, decode_content=True).decode("utf-8", "replace")
            finally:
                reply.release_conn()
        except HTTPError as error:  # timeouts, refused connections, TLS failures: no answer
            reason = getattr(error, "reason", None)
            return HttpReply(status=None, error=type(error).__name__ + (f" ({type(reason).__name__})" if reason else ""))
        return HttpReply(status=reply.status, body=text, headers={k.lower(): v for k, v in reply.headers.items()})
