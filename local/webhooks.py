"""The local runtime's Teams/Slack stand-in: a real HTTPS webhook receiver on 127.0.0.1.

It makes a self-signed certificate for 127.0.0.1 at start; the runtime gives the functions its host as the
webhook allowlist (template parameters TeamsWebhookHosts / SlackWebhookHosts) and its certificate as
WEBHOOK_CA_BUNDLE, so the product's own code posts to it over TLS: configuration, not a branch in the product.

Paste `https://127.0.0.1:<port>/teams/<anything>` (or `/slack/...`) as a webhook URL. What it got is at
`GET /local/webhooks`; `POST /local/webhooks/faults {"status": 500, "count": 3}` makes it answer that
status (optionally after `delay_seconds`) for the next posts, as a provider that is down or refuses would.
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import json
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import BaseModel, ConfigDict, Field

MAX_KEPT = 500  # the newest posts are kept


class WebhookFault(BaseModel):
    """The body of `POST /local/webhooks/faults`."""

    model_config = ConfigDict(extra="forbid", strict=True)

    status: int = Field(ge=200, le=599, description="What to answer, e.g. 500 (retried) or 400 (refused for good)")
    count: int = Field(default=1, ge=1, le=1_000_000)
    delay_seconds: float = Field(default=0, ge=0, le=30, description="Wait this long first (over 5 s: the poster times out)")
    retry_after: str | None = Field(default=None, max_length=64, description="A Retry-After header to send, e.g. 30 with a 429")


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (its own CA), valid for a day: (certificate, key) PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "baton local webhook receiver")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "webhook-receiver.pem", folder / "webhook-receiver.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    key_path.chmod(0o600)
    return cert_path, key_path


@dataclass
class WebhookReceiver:
    folder: Path
    port: int
    received: list[dict[str, Any]] = field(default_factory=list)
    fault: WebhookFault | None = None
    _remaining: int = 0
    _runner: web.AppRunner | None = None
    ca_bundle: Path | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def host(self) -> str:
        """The allowlist entry for it (host:port)."""
        return f"127.0.0.1:{self.port}"

    async def start(self, issued: tuple[Path, Path] | None = None) -> None:
        """Serve TLS with `issued` (a certificate chain and key of the local CA, local/providers/tls.py, whose bundle
        the functions then trust), or else with a self-signed certificate of its own (then `ca_bundle`)."""
        cert, key = issued or make_certificate(self.folder)
        self.ca_bundle = None if issued else cert
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_post("/{tail:.*}", self._receive)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port, ssl_context=context).start()

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    def arm(self, fault: WebhookFault) -> None:
        self.fault, self._remaining = fault, fault.count

    def clear_fault(self) -> None:
        self.fault, self._remaining = None, 0

    def fault_json(self) -> dict[str, Any] | None:
        return {**self.fault.model_dump(), "remaining": self._remaining} if self.fault else None

    async def _receive(self, request: web.Request) -> web.Response:
        raw = await request.read()
        try:
            body: Any = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = raw.decode("utf-8", "replace")
        status, text = 200, "ok"  # Slack answers 200 "ok"; Teams' Workflows 202 with no body
        headers: dict[str, str] = {}
        fault = self.fault
        if fault is not None:
            self._remaining -= 1
            if self._remaining <= 0:
                self.clear_fault()
            if fault.delay_seconds:
                await asyncio.sleep(fault.delay_seconds)
            status, text = fault.status, "invalid_payload" if 400 <= fault.status < 500 else "local receiver: failing on purpose"
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
        self.received.append(
            {
                "at": datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "path": request.path,
                "content_type": request.headers.get("Content-Type", ""),
                "answered": status,
                "body": body,
            }
        )
        del self.received[:-MAX_KEPT]
        return web.Response(status=status, text=text, headers=headers)
