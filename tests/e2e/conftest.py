"""End-to-end: start the local runtime (`python -m local`) and drive it over real HTTP."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


@contextlib.contextmanager
def start_stack(folder: Path) -> Iterator[Stack]:
    """`python -m local` on a free port, with a signing key the tests own."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (folder / "signing-key.pem").write_bytes(key)
    log = folder / "runtime.log"
    with launched(log, signing_key=folder / "signing-key.pem") as base_url:
        yield Stack(base_url, key, f"{base_url}/local/oidc", log)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with start_stack(tmp_path_factory.mktemp("runtime")) as running:
        yield running
