"""Lambda event filtering (FilterCriteria patterns) as event source mappings apply it.

Supported: exact values, `prefix`, `suffix`, `anything-but`, `exists`, `numeric` and
`equals-ignore-case`, nested objects, and several filters (a record passes if any matches).
"""

from __future__ import annotations

import operator
from typing import Any

_MISSING = object()
_NUMERIC = {"=": operator.eq, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def passes(record: dict[str, Any], filters: list[dict[str, Any]]) -> bool:
    return not filters or any(_matches(record, pattern) for pattern in filters)


def _matches(value: Any, pattern: dict[str, Any]) -> bool:
    if not isinstance(value, dict):
        return False
    for key, expected in pattern.items():
        actual = value.get(key, _MISSING)
        if isinstance(expected, dict):
            if not _matches(actual, expected):
                return False
        elif not any(_rule(actual, rule) for rule in expected):
            return False
    return True


def _rule(actual: Any, rule: Any) -> bool:
    if not isinstance(rule, dict):
        return actual is not _MISSING and actual == rule
    ((kind, argument),) = rule.items()
    if kind == "exists":
        return (actual is not _MISSING) == bool(argument)
    if actual is _MISSING:
        return False
    if kind == "prefix":
        return isinstance(actual, str) and actual.startswith(argument)
    if kind == "suffix":
        return isinstance(actual, str) and actual.endswith(argument)
    if kind == "equals-ignore-case":
        return isinstance(actual, str) and actual.lower() == str(argument).lower()
    if kind == "anything-but":
        excluded = argument if isinstance(argument, list) else [argument]
        return actual not in excluded
    if kind == "numeric":
        return isinstance(actual, int | float) and all(
            _NUMERIC[argument[i]](actual, argument[i + 1]) for i in range(0, len(argument), 2)
        )
    raise ValueError(f"unsupported filter rule {rule!r}")
