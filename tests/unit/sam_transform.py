"""template.yaml as CloudFormation receives it from SAM: its loops written out, then SAM's own translation."""

from __future__ import annotations

from typing import Any

from samtranslator.translator.transform import transform

from tests.conftest import ROOT
from tools.render_template import rendered


def transformed(parameters: dict[str, str], document: dict[str, Any] | None = None) -> dict[str, Any]:
    """The deployed template (code locations as `sam package` would write them) of template.yaml, or of `document`
    (a rendered template.yaml, changed by a test)."""
    document = document or rendered((ROOT / "template.yaml").read_text(), {})
    for spec in document["Resources"].values():
        if spec["Type"] == "AWS::Serverless::Function":
            spec["Properties"]["CodeUri"] = "s3://bucket/code.zip"
        if spec["Type"] == "AWS::Serverless::LayerVersion":
            spec["Properties"]["ContentUri"] = "s3://bucket/layer.zip"
    document["Transform"] = "AWS::Serverless-2016-10-31"

    class NoManagedPolicies:
        def load(self) -> dict[str, str]:
            return {}

    defaults = {name: spec.get("Default", "") for name, spec in document["Parameters"].items()}
    return transform(document, {**defaults, **parameters}, NoManagedPolicies())  # type: ignore[arg-type]
