"""End-to-end: start the local runtime (`python -m local`) and drive it over real HTTP."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from local.launch import launched


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # One runtime per test process: keep every e2e test on the same xdist worker.
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.xdist_group("e2e"))
            item.add_marker(pytest.mark.e2e)


@dataclass
class Stack:
    base_url: str
    signing_key: bytes
    issuer: str
    log: Path

    def token(self, email: str) -> str:
        reply = httpx.post(f"{self.base_url}/local/token", json={"email": email})
        reply.raise_for_status()
        return str(reply.json()["access_token"])

    def user(self, email: str) -> dict[str, Any]:
        return dict(httpx.post(f"{self.base_url}/local/token", json={"email": email}).json()["user"])

    def client(self, email: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.token(email)}"} if email else {}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=30)

    def health(self) -> httpx.Response:
        return httpx.get(f"{self.base_url}/local/health", timeout=10)

    def aws(self, service: str) -> Any:
        """A boto3 client of the runtime's embedded AWS endpoint."""
        endpoint = self.health().json()["aws_endpoint"]
        return boto3.client(  # type: ignore[call-overload]
            service, endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
        )

    def fault(self, function: str, mode: str, count: int) -> None:
        reply = httpx.post(f"{self.base_url}/local/faults", json={"function": function, "mode": mode, "count": count})
        assert reply.status_code == 200, reply.text

    def clear_faults(self) -> None:
        assert httpx.delete(f"{self.base_url}/local/faults").status_code == 200

    def wait_healthy(self, seconds: float = 30) -> dict[str, Any]:
        """Every part up and every function's pool back to full size (a killed worker replaced): a test that
        follows one that killed workers must not send its first request to an environment still dying."""
        deadline = time.monotonic() + seconds
        while (reply := self.health()).status_code != 200 or not _pools_full(reply.json()):
            assert time.monotonic() < deadline, f"still not healthy: {reply.json().get('detail') or reply.json()}"
            time.sleep(0.2)
        return dict(reply.json())

    def outbox_to(self, address: str, text_part: str) -> list[dict[str, Any]]:
        """Emails SES accepted for `address` whose subject or text contains `text_part`."""
        mails = httpx.get(f"{self.base_url}/local/outbox").json()
        return [m for m in mails if address in m["to"] and text_part in m["subject"] + m["text"]]

    def escalate(self, email: str = "junior@acme.test", intake: dict[str, Any] | None = None) -> tuple[str, str]:
        """A new session of `email` escalated at once: (session id, handoff id)."""
        with self.client(email) as client:
            session = client.post("/api/v1/ai-sessions", json={"intake_type": "ticket", "intake_content": intake or {}})
            assert session.status_code == 201, session.text
            handoff = client.post(f"/api/v1/ai-sessions/{session.json()['id']}/handoff", json={"intent": "escalate"})
            assert handoff.status_code == 201, handoff.text
            return str(session.json()["id"]), str(handoff.json()["id"])

    def worker_pids(self, function: str) -> list[int]:
        return list(self.health().json()["parts"][f"function:{function}"]["pids"])


def eventually(check: Callable[[], Any], seconds: float, what: str) -> Any:
    """Poll `check` until it returns something truthy; fail naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while not (result := check()):
        assert time.monotonic() < deadline, f"{what} did not happen within {seconds} s"
        time.sleep(0.1)
    return result


def _pools_full(health: dict[str, Any]) -> bool:
    pools = [part for name, part in health.get("parts", {}).items() if name.startswith("function:")]
    return all(part.get("workers") == part.get("size") for part in pools)


@contextlib.contextmanager
def start_stack(folder: Path, extra_args: list[str] | None = None) -> Iterator[Stack]:
    """`python -m local` on a free port, with a signing key the tests own."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (folder / "signing-key.pem").write_bytes(key)
    log = folder / "runtime.log"
    with launched(log, signing_key=folder / "signing-key.pem", extra_args=extra_args) as base_url:
        yield Stack(base_url, key, f"{base_url}/local/oidc", log)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with start_stack(tmp_path_factory.mktemp("runtime")) as running:
        yield running


# Failed SQS messages come back after 2 s rather than the template's 60/180 s, so fault tests are quick.
FAULT_VISIBILITY_SECONDS = 2


@pytest.fixture(scope="session")
def fault_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A runtime of its own for the tests that break it on purpose."""
    folder = tmp_path_factory.mktemp("faults")
    with start_stack(folder, ["--max-visibility-timeout", str(FAULT_VISIBILITY_SECONDS)]) as running:
        yield running


@pytest.fixture
def faulty(fault_stack: Stack) -> Iterator[Stack]:
    """The fault runtime, healthy and with no fault armed, before and after the test."""
    fault_stack.clear_faults()
    fault_stack.wait_healthy()
    yield fault_stack
    fault_stack.clear_faults()
