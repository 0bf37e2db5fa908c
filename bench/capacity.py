"""DynamoDB read capacity computed from the bytes a request reads (moto reports a constant).

Item size follows DynamoDB's documented rules: the UTF-8 length of every attribute name
plus its value (strings: UTF-8 length; numbers: about one byte per two digits plus one;
booleans and nulls: one byte; lists and maps: 3 bytes plus their elements, and one byte
per element). A Query or Scan sums the sizes of every item it reads (before any filter),
rounds up to 4 KB per request, and eventually consistent reads cost half.
"""

from __future__ import annotations

import math
from typing import Any

UNIT_BYTES = 4096


def attribute_size(value: dict[str, Any]) -> int:
    ((kind, inner),) = value.items()
    if kind == "S":
        return len(str(inner).encode())
    if kind == "N":
        digits = len(str(inner).lstrip("-").replace(".", "").lstrip("0")) or 1
        return math.ceil(digits / 2) + 1
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "L":
        return 3 + sum(attribute_size(item) + 1 for item in inner)
    if kind == "M":
        return 3 + sum(len(name.encode()) + attribute_size(item) + 1 for name, item in inner.items())
    if kind in ("SS", "NS", "BS"):
        return sum(attribute_size({kind[0]: item}) for item in inner)
    raise ValueError(f"unknown attribute type {kind}")


def item_size(item: dict[str, dict[str, Any]]) -> int:
    return sum(len(name.encode()) + attribute_size(value) for name, value in item.items())


def read_units(items_read: list[dict[str, dict[str, Any]]], consistent: bool = False) -> float:
    """Read capacity units of one Query/Scan request that read these items (projected form)."""
    units = math.ceil(sum(item_size(item) for item in items_read) / UNIT_BYTES) or 1
    return units if consistent else units / 2


def project(item: dict[str, Any], attributes: set[str]) -> dict[str, Any]:
    return {name: value for name, value in item.items() if name in attributes}
