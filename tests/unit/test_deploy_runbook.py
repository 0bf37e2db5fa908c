"""The runbook and the README name every template parameter, so a first deploy meets no unexplained prompt."""

from __future__ import annotations

import re
from typing import Any

import pytest
from samcli.commands._utils.template import get_template_parameters

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


def test_the_runbook_lists_the_prompts_sam_deploy_guided_asks_in_their_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """SAM CLI's own guided deploy, run on template.yaml with its prompts recorded (issue 21: a prompt the runbook
    described never appeared)."""
    from samcli.commands.deploy import guided_context as guided

    # Given sam deploy --guided with every prompt answered by its default (and yes to the confirmations)
    asked: list[str] = []

    def prompt(text: str, default: Any = None, **_: Any) -> Any:
        asked.append(_plain(text))
        return default

    def confirm(text: str, default: bool = False, **_: Any) -> bool:
        asked.append(_plain(text))
        return True

    monkeypatch.setattr(guided, "prompt", prompt)
    monkeypatch.setattr(guided, "confirm", confirm)
    monkeypatch.setattr(guided, "manage_stack", lambda **_: "aws-sam-cli-managed-default-bucket")
    monkeypatch.setattr(guided, "print_managed_s3_bucket_info", lambda *_: None)
    # Image functions' repositories: baton's functions are zip packages, so this asks nothing (and would call AWS)
    monkeypatch.setattr(guided.GuidedContext, "prompt_image_repository", lambda *_, **__: {})
    context = guided.GuidedContext(
        template_file=str(ROOT / "template.yaml"),
        stack_name="baton-dev",
        s3_bucket=None,
        image_repository=None,
        image_repositories=None,
        s3_prefix=None,
        region="us-east-1",
        confirm_changeset=True,
        capabilities=("CAPABILITY_IAM",),
        parameter_overrides={},
        config_section="parameters",
        disable_rollback=False,
        language_extensions_enabled=True,
    )
    # When it asks its questions
    context.guided_prompts(get_template_parameters(template_file=str(ROOT / "template.yaml")))
    # Then the runbook's answers table has a row for each prompt, in the order they come, and no other
    rows = re.findall(r"^\| ([^|]+?) \|", _answers_table(), re.MULTILINE)
    documented = [row for row in rows if not row.startswith("Parameter ")]
    assert documented == [prompt for prompt in asked if not prompt.startswith("Parameter ")]
    assert [p.removeprefix("Parameter ") for p in asked if p.startswith("Parameter ")] == list(
        Template(ROOT / "template.yaml").doc["Parameters"]
    )


def _plain(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text).strip()


def _answers_table() -> str:
    runbook = (ROOT / "docs" / "deploy.md").read_text()
    start = runbook.index("| prompt | answer |")
    return runbook[start : runbook.index("\n\n", start)].split("\n", 2)[2]
