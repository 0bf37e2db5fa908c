"""The runbook and the README name every template parameter, so a first deploy meets no unexplained prompt."""

from __future__ import annotations

import re

from local.template import Template
from tests.conftest import ROOT


def _parameters() -> set[str]:
    return set(Template(ROOT / "template.yaml").doc["Parameters"])


def test_the_guided_answers_cover_every_template_parameter() -> None:
    # Given the `sam deploy --guided` answers table of docs/deploy.md ("| Parameter A / B | answer |")
    rows = re.findall(r"^\| Parameter ([^|]+)\|", (ROOT / "docs" / "deploy.md").read_text(), re.MULTILINE)
    answered = {name.strip() for row in rows for name in row.split("/")}
    # Then every parameter has an answer, and no answer is for a parameter that no longer exists
    assert answered == _parameters()


def test_the_readme_parameter_table_covers_every_template_parameter() -> None:
    rows = re.findall(r"^\| (`[^|]+`) \|", (ROOT / "README.md").read_text(), re.MULTILINE)
    listed = {name for row in rows for name in re.findall(r"`(\w+)`", row)}
    assert _parameters() <= listed
