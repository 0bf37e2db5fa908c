"""Tracing off must cost nothing: no X-Ray SDK import, handlers still wrapped and working."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

PROBE = """
import sys
from baton.observability import instruments
logger, metrics, tracer = instruments()

@tracer.capture_lambda_handler
def handler(event, context):
    return {"echo": event}

print(handler("ping", None), "aws_xray_sdk.core" in sys.modules, type(tracer.provider).__name__)
"""


def _run_probe(trace_disabled: str) -> str:
    environment = {**os.environ, "POWERTOOLS_TRACE_DISABLED": trace_disabled, "PYTHONPATH": str(ROOT / "layers" / "baton")}
    return subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, env=environment
    ).stdout.strip()


@pytest.mark.parametrize("flag", ["true", "1"])
def test_tracing_disabled_skips_the_xray_sdk(flag: str) -> None:
    # Given POWERTOOLS_TRACE_DISABLED set, as locally and in the tests
    # When a function builds its instruments and runs a traced handler
    output = _run_probe(flag)
    # Then the handler still answers, through the silent provider, and the X-Ray SDK was never imported
    assert output == "{'echo': 'ping'} False SilentTracingProvider"


def test_tracing_enabled_uses_powertools_xray_provider() -> None:
    # Given tracing on, as the template deploys it (Tracing: Active)
    # When a function builds its instruments
    output = _run_probe("false")
    # Then Tracer uses the X-Ray SDK's recorder as Powertools does by default
    assert output.endswith("True AsyncAWSXRayRecorder")
