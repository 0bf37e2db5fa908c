"""Cold start: import time of each function's handler in a fresh interpreter, against a
baseline that imports only boto3, Powertools (Logger, Metrics, Tracer) and pydantic;
and the unzipped size of each function and the layer after `sam build`."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from local.template import Template

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "import boto3, pydantic\nfrom aws_lambda_powertools import Logger, Metrics, Tracer"
PROBE = """
import importlib, sys, time
sys.path[:0] = {paths!r}
started = time.perf_counter()
{body}
print(time.perf_counter() - started)
"""


def _import_seconds(body: str, paths: list[str], environment: dict[str, str]) -> float:
    code = PROBE.format(paths=paths, body=body)
    output = subprocess.run(  # noqa: S603 (our own interpreter)
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env={**os.environ, **environment}
    )
    return float(output.stdout.strip().splitlines()[-1])


def _median(body: str, paths: list[str], environment: dict[str, str], runs: int) -> float:
    return statistics.median(_import_seconds(body, paths, environment) for _ in range(runs))


def import_times(runs: int = 5) -> dict[str, Any]:
    template = Template(ROOT / "template.yaml")
    environment = {"AWS_DEFAULT_REGION": "us-east-1", "POWERTOOLS_TRACE_DISABLED": "true"}
    baseline = _median(BASELINE, [], environment, runs)
    results: dict[str, Any] = {"runs": runs, "baseline_ms": round(baseline * 1000, 1)}
    for name, spec in template.functions().items():
        module = spec.handler.rsplit(".", 1)[0]
        paths = [str(spec.code_dir), *map(str, spec.layer_dirs)]
        seconds = _median(f"importlib.import_module({module!r})", paths, {**environment, **spec.environment}, runs)
        results[name] = {"import_ms": round(seconds * 1000, 1), "ratio_to_baseline": round(seconds / baseline, 2)}
    return results


def build_sizes() -> dict[str, Any]:
    """`sam build` (via `make build`), then the unzipped size of every artifact."""
    build = subprocess.run(["make", "-s", "build"], cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S607
    artifacts = ROOT / ".aws-sam" / "build"
    if build.returncode != 0 or not artifacts.exists():
        return {"error": "sam build failed: " + (build.stdout + build.stderr)[-300:]}
    sizes = {}
    for folder in sorted(path for path in artifacts.iterdir() if path.is_dir()):
        sizes[folder.name] = round(sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1024 / 1024, 2)
    layer = sizes.get("BatonLayer", 0.0)
    bundled_boto3 = (artifacts / "BatonLayer" / "python" / "boto3").exists()
    largest = max(size for name, size in sizes.items() if name != "BatonLayer") + layer
    return {"unzipped_mib": sizes, "largest_function_plus_layer_mib": round(largest, 2), "boto3_bundled": bundled_boto3}


if __name__ == "__main__":
    print(json.dumps({"imports": import_times(), "sizes": build_sizes() if shutil.which("make") else {}}, indent=2))
