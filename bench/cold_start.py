"""Cold start: import time of each function's handler in a fresh interpreter, against a
baseline that imports only boto3, Powertools (Logger, Metrics, Tracer) and pydantic, and
against the libraries that handler loads; and the unzipped size of each function with its
layers after `sam build`."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from local.template import Template

ROOT = Path(__file__).resolve().parent.parent
# The baseline: the three libraries imported, nothing used.
BARE_BASELINE = "import boto3, pydantic\nfrom aws_lambda_powertools import Logger, Metrics, Tracer"
# pydantic 2 imports lazily: its schema machinery (~30 ms) loads with the first model class, which
# any pydantic user declares. Tracer() is not constructed: with tracing on it adds the X-Ray SDK.
BASELINE = BARE_BASELINE + "\nclass Probe(pydantic.BaseModel):\n    x: int"
PROBE = """
import importlib, sys, time
sys.path[:0] = {paths!r}
started = time.perf_counter()
{body}
print(time.perf_counter() - started)
"""
# Lists, in import order, the modules a handler loads that are neither baton's nor the function's own.
LIBRARIES_PROBE = """
import importlib, json, sys
sys.path[:0] = {paths!r}
before = set(sys.modules)
importlib.import_module({module!r})
own = {own!r}
print(json.dumps([m for m in sys.modules if m not in before and m.split(".")[0] not in own]))
"""


def _run(code: str, environment: dict[str, str]) -> str:
    output = subprocess.run(  # noqa: S603 (our own interpreter)
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env={**os.environ, **environment}
    )
    return output.stdout.strip().splitlines()[-1]


def _medians_ms(probes: dict[str, tuple[str, list[str], dict[str, str]]], runs: int) -> dict[str, float]:
    """Median import time of each probe (body, sys.path, environment). Runs go round-robin over
    all probes, so the machine's drift during the phase touches every probe alike.

    Every probe imports from bytecode, as deployed: the layer ships it and `make build` compiles
    each function's code. An untimed round writes it into a cache of its own (this machine's
    environment may forbid writing `__pycache__` next to the sources)."""
    with tempfile.TemporaryDirectory() as cache:
        cached = {name: (body, paths, {**env, "PYTHONPYCACHEPREFIX": cache}) for name, (body, paths, env) in probes.items()}
        for body, paths, env in cached.values():
            _run(PROBE.format(paths=paths, body=body), {**env, "PYTHONDONTWRITEBYTECODE": ""})
        return _timed_medians_ms(cached, runs)


def _timed_medians_ms(probes: dict[str, tuple[str, list[str], dict[str, str]]], runs: int) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in probes}
    for _ in range(runs):
        for name, (body, paths, environment) in probes.items():
            times[name].append(float(_run(PROBE.format(paths=paths, body=body), environment)))
    return {name: round(statistics.median(values) * 1000, 1) for name, values in times.items()}


def _libraries_import(module: str, code_dir: Path, paths: list[str], environment: dict[str, str]) -> str:
    """An import statement for exactly the third-party and standard modules the handler loads."""
    own = ["baton", *(path.stem for path in code_dir.glob("*.py"))]
    names = json.loads(_run(LIBRARIES_PROBE.format(paths=paths, module=module, own=own), environment))
    return "\n".join(f"import {name}" for name in names if not name.startswith("_") or "." in name) or "pass"


def import_times(runs: int = 5) -> dict[str, Any]:
    """Each handler against both baselines, against the libraries it loads (the rest is baton's
    own code), and with tracing on as deployed (Tracing: Active loads the X-Ray SDK)."""
    template = Template(ROOT / "template.yaml")
    environment = {"AWS_DEFAULT_REGION": "us-east-1", "POWERTOOLS_TRACE_DISABLED": "true"}
    probes: dict[str, tuple[str, list[str], dict[str, str]]] = {
        "bare": (BARE_BASELINE, [], environment),
        "baseline": (BASELINE, [], environment),
    }
    for name, spec in template.functions().items():
        module = spec.handler.rsplit(".", 1)[0]
        paths = [str(spec.code_dir), *map(str, spec.layer_dirs)]
        function_environment = {**spec.environment, **environment}  # tracing off, as locally
        handler = f"importlib.import_module({module!r})"
        probes[name] = (handler, paths, function_environment)
        probes[f"{name} libraries"] = (
            _libraries_import(module, spec.code_dir, paths, function_environment),
            paths,
            function_environment,
        )
        probes[f"{name} traced"] = (handler, paths, {**function_environment, "POWERTOOLS_TRACE_DISABLED": "false"})
    ms = _medians_ms(probes, runs)
    results: dict[str, Any] = {"runs": runs, "bare_baseline_ms": ms["bare"], "baseline_ms": ms["baseline"]}
    for name in template.functions():
        results[name] = {
            "import_ms": ms[name],
            "ratio_to_baseline": round(ms[name] / ms["baseline"], 2),
            "ratio_to_bare_baseline": round(ms[name] / ms["bare"], 2),
            "libraries_ms": ms[f"{name} libraries"],
            "baton_own_ms": round(ms[name] - ms[f"{name} libraries"], 1),
            "tracing_on_import_ms": ms[f"{name} traced"],
        }
    return results


def _mib(byte_count: int) -> float:
    return round(byte_count / 1024 / 1024, 2)


def build_sizes() -> dict[str, Any]:
    """`sam build` (via `make build`), then the unzipped size of every artifact, and of each function with the
    layers template.yaml gives it (read as the local runtime reads them: the Globals' then its own)."""
    build = subprocess.run(["make", "-s", "build"], cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S607
    artifacts = ROOT / ".aws-sam" / "build"
    if build.returncode != 0 or not artifacts.exists():
        return {"error": "sam build failed: " + (build.stdout + build.stderr)[-300:]}
    bytes_of = {
        folder.name: sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
        for folder in sorted(path for path in artifacts.iterdir() if path.is_dir())
    }
    functions = Template(ROOT / "template.yaml").functions()
    layers = sorted({layer for spec in functions.values() for layer in spec.layers})
    with_layers = {
        name: bytes_of.get(name, 0) + sum(bytes_of.get(layer, 0) for layer in spec.layers) for name, spec in functions.items()
    }
    largest = max(with_layers, key=lambda name: with_layers[name])
    return {
        "unzipped_mib": {name: _mib(size) for name, size in bytes_of.items()},
        "function_plus_layers_mib": {name: _mib(size) for name, size in with_layers.items()},
        "largest_function": largest,
        "largest_function_layers": functions[largest].layers,
        "largest_function_plus_layer_mib": _mib(with_layers[largest]),
        "boto3_bundled": any((artifacts / layer / "python" / "boto3").exists() for layer in layers),
        "layer_bytecode_files": sum(1 for layer in layers for _ in (artifacts / layer).rglob("*.cpython-313.pyc")),
        "function_bytecode_files": sum(1 for folder in artifacts.glob("*Function") for _ in folder.rglob("*.cpython-313.pyc")),
    }


if __name__ == "__main__":
    print(json.dumps({"imports": import_times(), "sizes": build_sizes() if shutil.which("make") else {}}, indent=2))
