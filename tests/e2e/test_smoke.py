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


def test_the_smoke_check_passes_whatever_the_demo_junior_chose_and_puts_their_choice_back(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the demo junior chose no email (a developer's own choice, or a test's)
    chosen = {"email_mode": "none", "digest_minutes": 45, "email_when_live": False}
    with stack.client("junior@acme.test") as junior:
        assert junior.patch("/api/v1/me", json=chosen).status_code == 200
        try:
            # When the smoke check runs
            status = smoke.main(["--base-url", stack.base_url])
            # Then it still reaches the email path, and the junior's choice is theirs again
            assert status == 0, capsys.readouterr().err
            me = junior.get("/api/v1/me").json()
            assert {name: me[name] for name in chosen} == chosen
        finally:
            junior.patch("/api/v1/me", json={"email_mode": "immediate", "digest_minutes": 60})
