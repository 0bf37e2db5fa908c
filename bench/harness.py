"""What every benchmark needs: a fresh local runtime it owns, tokens it signs, users it adds."""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import tempfile
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from baton.domain.models import Role, User
from baton.repositories.users import UserRepository
from local.aws_endpoint import STATS_PATH
from local.launch import launched
from local.oidc import LocalIssuer
from local.provision import local_client
from local.runtime import LOCAL_AUDIENCE


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "p50": round(statistics.median(values), 1),
        "p95": round(percentile(values, 0.95), 1),
        "p99": round(percentile(values, 0.99), 1),
        "max": round(max(values), 1),
    }


@dataclass
class Runtime:
    base_url: str
    aws_endpoint: str
    issuer: LocalIssuer
    log: Path

    def client(self, service: str) -> Any:
        return local_client(service, self.aws_endpoint)

    def token(self, user: User) -> str:
        return self.issuer.token_for(user.id, user.email)

    def headers(self, user: User) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(user)}"}

    def add_account(self, account_id: str, engineers: int) -> list[User]:
        """An account with `engineers` engineers (the first is the junior), written as the API reads them."""
        users = UserRepository("DataTable", self.client("dynamodb"))
        users.put_account(account_id, owner_count=0)
        people = [
            User(
                id=f"{account_id}-engineer-{number}",
                account_id=account_id,
                email=f"engineer{number}@{account_id}.bench",
                display_name=f"Engineer {number} ({account_id})",
                role=Role.ENGINEER,
                notify_email=False,
            )
            for number in range(engineers)
        ]
        for person in people:
            users.put(person)
        return people

    def log_lines(self, message: str) -> list[dict[str, Any]]:
        """Structured (JSON) function log lines with this message."""
        lines = []
        for line in self.log.read_text().splitlines():
            if line.startswith("{") and f'"message":"{message}"' in line:
                with contextlib.suppress(ValueError):
                    lines.append(json.loads(line))
        return lines

    def endpoint_requests(self) -> dict[str, dict[str, float]]:
        """Requests the AWS endpoint has served so far, and their CPU seconds, per action."""
        with urllib.request.urlopen(f"{self.aws_endpoint}{STATS_PATH}") as reply:  # noqa: S310 (our own URL)
            figures: dict[str, dict[str, float]] = json.load(reply)
        return figures

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time (user + system) the runtime's processes have used so far, per role."""
        totals: dict[str, float] = {"aws_endpoint": 0.0, "gateway": 0.0}
        ticks = os.sysconf("SC_CLK_TCK")
        for pid in self._pids():
            with contextlib.suppress(OSError):
                command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                role = "aws_endpoint" if b"local.aws_endpoint" in command else "gateway"
                if b"local.lambda_worker" in command:  # python -m local.lambda_worker <module.handler> ...
                    role = command[command.index(b"local.lambda_worker") + 1].decode().split(".")[0]
                totals[role] = totals.get(role, 0.0) + (int(fields[11]) + int(fields[12])) / ticks
        return totals

    def _pids(self) -> list[int]:
        with urllib.request.urlopen(f"{self.base_url}/local/health") as reply:  # noqa: S310 (our own URL)
            pids: list[int] = json.load(reply).get("pids", [])
        return pids

    def rss_kib(self) -> dict[str, int]:
        """Resident memory of the runtime's processes: the AWS endpoint (which holds every table,
        stream and queue, so grows with the data) apart from the gateway and warm workers."""
        totals = {"aws_endpoint": 0, "gateway_and_workers": 0}
        for pid in self._pids():
            with contextlib.suppress(OSError):
                command = Path(f"/proc/{pid}/cmdline").read_bytes()
                with open(f"/proc/{pid}/status") as status:
                    kib = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
                totals["aws_endpoint" if b"local.aws_endpoint" in command else "gateway_and_workers"] += kib
        return totals


async def escalate(http: httpx.AsyncClient, headers: dict[str, str], intake_type: str) -> tuple[str, str]:
    """A session and its escalation, made through the API as an engineer makes them: (session id, handoff id)."""
    session = (
        await http.post("/api/v1/ai-sessions", headers=headers, json={"intake_type": intake_type, "intake_content": {}})
    ).json()
    path = f"/api/v1/ai-sessions/{session['id']}/handoff"
    handoff = (await http.post(path, headers=headers, json={"intent": "escalate"})).json()
    return str(session["id"]), str(handoff["id"])


@contextlib.contextmanager
def runtime() -> Iterator[Runtime]:
    with tempfile.TemporaryDirectory() as folder:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        key_file = Path(folder) / "key.pem"
        key_file.write_bytes(key)
        log = Path(folder) / "runtime.log"
        with launched(log, signing_key=key_file) as base_url:
            with urllib.request.urlopen(f"{base_url}/local/health") as reply:  # noqa: S310 (our own URL)
                endpoint = json.load(reply)["aws_endpoint"]
            yield Runtime(base_url, endpoint, LocalIssuer(f"{base_url}/local/oidc", LOCAL_AUDIENCE, key), log)
