"""`make smoke` against the local runtime: the post-deploy check a pilot runs, on `make dev`."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Stack
from tools import smoke


def test_the_smoke_check_passes_against_the_local_runtime(stack: Stack, capsys: pytest.CaptureFixture[str]) -> None:
    # Given a running local runtime
    # When the smoke check runs against it, as `BASE_URL=... make smoke` does
    status = smoke.main(["--base-url", stack.base_url])
    # Then every step passed
    printed = capsys.readouterr()
    assert status == 0, printed.err
    steps = ("the API answers", "a ticket opens a WebSocket", "created and pushed", "claims", "resolves", "email path")
    for step in (*steps, "a configured connector (ConnectWise PSA)"):
        assert step in printed.out
