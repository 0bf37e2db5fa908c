"""tools/render_template: template.yaml with other parameter defaults, so checkov scans the optional resources."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from local.template import Template
from tests.conftest import ROOT
from tools.render_template import main, with_defaults


def test_flipping_host_console_brings_the_console_resources_and_changes_nothing_else(tmp_path: Path) -> None:
    # Given template.yaml, whose console is absent under the default parameters
    original = (ROOT / "template.yaml").read_text()
    assert not Template(ROOT / "template.yaml").of_type("AWS::CloudFront::Distribution")
    # When it is rendered with HostConsole defaulting to true
    rendered = tmp_path / "template.yaml"
    rendered.write_text(with_defaults(original, {"HostConsole": "true", "AlarmEmail": "ops@example.com"}))
    # Then a reader using the defaults (as checkov does) sees the console and the alarm subscription
    template = Template(rendered)
    assert set(template.of_type("AWS::CloudFront::Distribution")) == {"ConsoleDistribution"}
    assert template.of_type("AWS::SNS::Subscription").keys() >= {"AlarmEmailSubscription"}
    # And only those two Default lines differ (suppressions and their reasons are untouched)
    changed = [(a, b) for a, b in zip(original.splitlines(), rendered.read_text().splitlines(), strict=True) if a != b]
    assert changed == [('    Default: ""', '    Default: "ops@example.com"'), ('    Default: "false"', '    Default: "true"')]


def test_an_unknown_parameter_is_refused() -> None:
    with pytest.raises(ValueError, match="no parameter 'HostConsol'"):
        with_defaults((ROOT / "template.yaml").read_text(), {"HostConsol": "true"})


def test_checkov_is_given_every_resource_the_loops_write(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # Given template.yaml, whose consumers are Fn::ForEach loops (checkov does not expand them)
    assert "Fn::ForEach::Consumers" in (ROOT / "template.yaml").read_text()
    # When it is rendered for checkov with the console on
    assert main(["HostConsole=true"]) == 0
    rendered = json.loads(capsys.readouterr().out)
    # Then the rendering is plain CloudFormation: no loop left, SAM's transform only
    assert "Fn::ForEach" not in json.dumps(rendered)
    assert rendered["Transform"] == "AWS::Serverless-2016-10-31"
    # And it holds every resource the runtime reads, checkov's skips with them, under the changed default
    written = tmp_path / "template.yaml"
    written.write_text(json.dumps(rendered))
    expected = Template(ROOT / "template.yaml", {"HostConsole": "true"})
    assert Template(written).resources == expected.resources
    assert rendered["Resources"]["ConsoleDistribution"]["Metadata"]["checkov"]["skip"]
    assert rendered["Parameters"]["HostConsole"]["Default"] == "true"
