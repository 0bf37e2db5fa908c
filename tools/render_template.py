"""template.yaml as CloudFormation expands it, for scanners that read neither its loops nor non-default conditions.

    python -m tools.render_template > /tmp/template.json                                  # the defaults
    python -m tools.render_template HostConsole=true AlarmEmail=ops@example.com > /tmp/all.json

checkov does not apply the AWS::LanguageExtensions transform: it would not see a resource written by a
`Fn::ForEach` loop (every consumer's queue, subscription, connector function and alarms). This writes the loops out
(`local.language_extensions`, which every reader of the template uses) and prints the result as JSON, a
CloudFormation template checkov reads like any other; resource Metadata (checkov's skips and their reasons) stays.

checkov also evaluates conditions with the parameters' defaults, so a resource behind a condition that is false by
default (the hosted console, the alarm email, the Cognito hosted UI) is never scanned: `Name=value` arguments change
those defaults first, rewriting only the `Default:` lines of the named parameters (`with_defaults`).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from cfnlint.decode.cfn_yaml import loads

from local.language_extensions import expand

TEMPLATE = Path(__file__).resolve().parent.parent / "template.yaml"


def with_defaults(text: str, defaults: dict[str, str]) -> str:
    for name, value in defaults.items():
        text = _with_default(text, name, value)
    return text


def _with_default(text: str, name: str, value: str) -> str:
    # The parameter's block (4-space indented lines after `  Name:`) up to its own Default line.
    pattern = re.compile(rf"(^  {re.escape(name)}:\n(?:    (?!Default:).*\n)*?    Default: ).*$", re.MULTILINE)
    text, found = pattern.subn(lambda match: match.group(1) + json.dumps(value), text, count=1)
    if not found:
        raise ValueError(f"template.yaml has no parameter {name!r} with a Default")
    return text


def rendered(text: str, defaults: dict[str, str]) -> dict[str, Any]:
    """The template of `text`, its defaults changed, its loops written out."""
    return expand(loads(with_defaults(text, defaults)))


def main(argv: list[str] | None = None) -> int:
    pairs = sys.argv[1:] if argv is None else argv
    if not all("=" in pair for pair in pairs):
        print(__doc__, file=sys.stderr)
        return 2
    defaults = dict(pair.split("=", 1) for pair in pairs)
    try:
        document = rendered(TEMPLATE.read_text(), defaults)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 1
    json.dump(document, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
