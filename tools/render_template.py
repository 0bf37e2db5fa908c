"""template.yaml with some parameters' defaults changed, for scanners that only see the default conditions.

    python -m tools.render_template HostConsole=true AlarmEmail=ops@example.com > /tmp/all.yaml

checkov evaluates conditions with the parameters' defaults, so a resource behind a condition that is false by
default (the hosted console, the alarm email, the Cognito hosted UI) is never scanned. This rewrites only the
`Default:` lines of the named parameters, so the rest of the file (suppressions and their reasons) is unchanged.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

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


def main(argv: list[str] | None = None) -> int:
    pairs = sys.argv[1:] if argv is None else argv
    if not pairs or not all("=" in pair for pair in pairs):
        print(__doc__, file=sys.stderr)
        return 2
    defaults = dict(pair.split("=", 1) for pair in pairs)
    try:
        sys.stdout.write(with_defaults(TEMPLATE.read_text(), defaults))
    except ValueError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
