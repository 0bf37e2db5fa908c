"""The figures of the schemathesis run, per role: what was sent, what came back, what broke the document.

Each operation's test appends one JSON line to a file of this run (the tests may run in an xdist worker, whose
output pytest does not show); `summary` adds them up for the terminal summary of the controlling process.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

# The checks that compare an answer with the document (status, content type, body), and the one that says a request
# valid by the document was not refused as invalid.
SCHEMA_CHECKS = ("status_code_conformance", "content_type_conformance", "response_schema_conformance")
VALID_INPUT_CHECK = "positive_data_acceptance"


@dataclass
class RoleFigures:
    cases: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)  # check name -> cases it failed

    @property
    def server_errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 500)

    def add(self, other: RoleFigures) -> None:
        self.cases += other.cases
        self.statuses.update(other.statuses)
        self.failures.update(other.failures)

    def as_json(self) -> dict[str, Any]:
        return {"cases": self.cases, "statuses": dict(self.statuses), "failures": dict(self.failures)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RoleFigures:
        statuses = Counter({int(status): count for status, count in data["statuses"].items()})
        return cls(data["cases"], statuses, Counter(data["failures"]))


def _path(config: pytest.Config) -> Path | None:
    """The run's file in pytest's cache folder; none when the cache is off (`-p no:cacheprovider`)."""
    cache = getattr(config, "cache", None)
    return cache.mkdir("schemathesis") / "figures.jsonl" if cache else None


def reset(config: pytest.Config) -> None:
    """At the start of a run, in the controlling process only: the figures are this run's."""
    if not hasattr(config, "workerinput") and (path := _path(config)):
        path.unlink(missing_ok=True)


def record(config: pytest.Config, operation: str, seconds: float, roles: dict[str, RoleFigures]) -> None:
    line = {"operation": operation, "seconds": round(seconds, 2), "roles": {r: f.as_json() for r, f in roles.items()}}
    if path := _path(config):
        with path.open("a") as figures:
            figures.write(json.dumps(line) + "\n")


def summary(config: pytest.Config) -> list[str]:
    """One line per role (cases, statuses, 5xx, failed checks), and the operations' wall time; none without a run."""
    path = _path(config)
    if path is None or not path.exists():
        return []
    lines = [json.loads(text) for text in path.read_text().splitlines() if text.strip()]
    totals: dict[str, RoleFigures] = {}
    for line in lines:
        for role, figures in line["roles"].items():
            totals.setdefault(role, RoleFigures()).add(RoleFigures.from_json(figures))
    seconds = sum(line["seconds"] for line in lines)
    out = [f"{len(lines)} operations in {seconds:.0f} s (figures: {path})"]
    for role, figures in totals.items():
        statuses = ", ".join(f"{status}: {count}" for status, count in sorted(figures.statuses.items()))
        violations = sum(count for check, count in figures.failures.items() if check in SCHEMA_CHECKS)
        refused = figures.failures[VALID_INPUT_CHECK]
        out.append(
            f"{role}: {figures.cases} cases, {figures.server_errors} 5xx, {violations} schema violations, "
            f"{refused} valid inputs refused; statuses {statuses}"
        )
    return out
