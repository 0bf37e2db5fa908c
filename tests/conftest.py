"""Shared test set-up: never talk to real AWS."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from _pytest.terminal import TerminalReporter

from tests.e2e import schemathesis_figures

if TYPE_CHECKING:
    from tests.contract_guard import ContractGuard

ROOT = Path(__file__).resolve().parent.parent

for name, value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "BatonTest",
}.items():
    os.environ[name] = value
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_PROFILE", None)


def pytest_sessionstart(session: pytest.Session) -> None:
    schemathesis_figures.reset(session.config)


def pytest_terminal_summary(terminalreporter: TerminalReporter, config: pytest.Config) -> None:
    """The schemathesis figures per role, when this run had any (they are written by whichever process ran them)."""
    if lines := schemathesis_figures.summary(config):
        terminalreporter.section("schemathesis")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture(autouse=True)
def event_contract_guard(monkeypatch: pytest.MonkeyPatch) -> Iterator[ContractGuard]:
    """Every event built, published, sent or pushed in a test follows the published contract (tests/contract_guard.py)."""
    from tests.contract_guard import ContractGuard

    guard = ContractGuard()
    guard.install(monkeypatch)
    yield guard
    guard.verify()
