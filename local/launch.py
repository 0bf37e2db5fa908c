"""Start `python -m local` in a subprocess and wait until it is healthy (for tests and benchmarks)."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from local.runtime import ROOT, free_port

# Generous: the machine that runs the tests may be shared (a load of 20 on 2 cores has been seen to need > 90 s).
STARTUP_SECONDS = 180


@contextlib.contextmanager
def launched(
    log: Path, signing_key: Path | None = None, port: int | None = None, extra_args: list[str] | None = None
) -> Iterator[str]:
    """Yields the base URL of a fresh local runtime; its output goes to `log`."""
    port = port or free_port()
    command = [sys.executable, "-m", "local", "--port", str(port), *(extra_args or [])]
    if signing_key:
        command += ["--signing-key", str(signing_key)]
    paths = os.pathsep.join([str(ROOT), str(ROOT / "layers" / "baton")])
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
            command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH": paths}
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base_url, process, log)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_healthy(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the local runtime exited:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(f"{base_url}/local/health", timeout=1) as reply:  # noqa: S310 (our own URL)
                if json.load(reply).get("status") == "ok":
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the local runtime did not become healthy:\n{log.read_text()[-4000:]}")
