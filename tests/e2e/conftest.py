"""End-to-end: start the local runtime (`python -m local`) and drive it over real HTTP."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from local.runtime import free_port
from tests.conftest import ROOT

STARTUP_SECONDS = 90


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
    port = free_port()
    log = folder / "runtime.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "local", "--port", str(port), "--signing-key", str(folder / "signing-key.pem")],
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "layers" / "baton")])},
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base_url, process, log)
        yield Stack(base_url, key, f"{base_url}/local/oidc", log)
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with start_stack(tmp_path_factory.mktemp("runtime")) as running:
        yield running


def _wait_healthy(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the local runtime exited:\n{log.read_text()[-4000:]}")
        try:
            if httpx.get(f"{base_url}/local/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the local runtime did not become healthy:\n{log.read_text()[-4000:]}")
