"""The AWS::LanguageExtensions transform, applied as CloudFormation applies it before SAM's.

template.yaml writes each consumer's queue, dead-letter queue, subscription, function and alarms once, in
`Fn::ForEach` loops fed by its `Mappings`. Every reader of the template (the local runtime, the tests, the
tools, the benchmarks, the rendering checkov scans) goes through `expand`, so each one sees the resources
CloudFormation creates, by their logical ids:

- `Fn::ForEach::Name: [Identifier, [Value, ...], {OutputKey: OutputValue}]` in Conditions, Resources and
  Outputs (and inside them, e.g. in a resource's properties) is replaced by one copy of the fragment per
  value; loops nest. As CloudFormation does (and cfn-lint), the value replaces `{"Ref": Identifier}`, and
  `${Identifier}` / `&{Identifier}` (the value without its non-alphanumeric characters) in keys and in
  `Fn::Sub` strings only: a plain string keeps them, so a name is written `!Sub "${Identifier}Queue"`, a
  reference `{Ref: !Sub "${Identifier}Queue"}` or `!GetAtt [!Sub "${Identifier}Queue", Arn]`. A `Fn::Sub`
  left with no variable is its string.
- `Fn::FindInMap` (with `DefaultValue`), `Fn::Length` and `Fn::ToJsonString` are resolved when their
  arguments are known once the loops are written out (a literal, or a Ref to a parameter).

Anything else of the transform is refused with a ValueError naming it, rather than read wrongly.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from typing import Any

TRANSFORM = "AWS::LanguageExtensions"
_LOOP = "Fn::ForEach::"
_SUB_VARIABLE = re.compile(r"\$\{[^!}][^}]*\}")  # ${Name}, not the literal ${!Name}
_SECTIONS = ("Conditions", "Resources", "Outputs")


def expand(doc: Mapping[str, Any], parameters: Mapping[str, str] | None = None) -> dict[str, Any]:
    """`doc` with its loops written out and the transform's functions resolved; the transform leaves `Transform`.

    `parameters` are the values a Ref to a parameter stands for (in a loop's collection or a map's keys).
    A template without the transform is returned as it is.
    """
    transforms = _transforms(doc.get("Transform"))
    if TRANSFORM not in transforms:
        if _has_loop(doc):
            raise ValueError(f"template.yaml: Fn::ForEach needs the {TRANSFORM} transform")
        return dict(doc)
    context = _Context(doc.get("Mappings", {}), doc.get("Parameters", {}), parameters or {})
    expanded = dict(doc)
    others = [name for name in transforms if name != TRANSFORM]
    if others:
        expanded["Transform"] = others[0] if len(others) == 1 else others
    else:
        del expanded["Transform"]
    for section in _SECTIONS:
        if section in doc:
            expanded[section] = context.resolve(context.unroll(doc[section]))
    return expanded


def _transforms(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _has_loop(node: Any) -> bool:
    if isinstance(node, Mapping):
        return any(str(key).startswith(_LOOP) or _has_loop(value) for key, value in node.items())
    if isinstance(node, list):
        return any(_has_loop(item) for item in node)
    return False


class _Context:
    def __init__(self, mappings: Mapping[str, Any], declared: Mapping[str, Any], parameters: Mapping[str, str]) -> None:
        self.mappings = mappings
        self.declared = declared
        self.parameters = {name: str(spec.get("Default", "")) for name, spec in declared.items()} | dict(parameters)

    # --- Fn::ForEach ------------------------------------------------------------------
    def unroll(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self.unroll(item) for item in node]
        if not isinstance(node, Mapping):
            return node
        result: dict[str, Any] = {}
        for key, value in node.items():
            copies = self._loop(key, value) if str(key).startswith(_LOOP) else {key: self.unroll(value)}
            for name, written in copies.items():
                if name in result:
                    raise ValueError(f"template.yaml: {key} writes {name!r}, which is already declared")
                result[name] = written
        return result

    def _loop(self, key: str, value: Any) -> dict[str, Any]:
        if not (isinstance(value, list) and len(value) == 3 and isinstance(value[0], str) and isinstance(value[2], Mapping)):
            raise ValueError(f"template.yaml: {key} must be [Identifier, Collection, {{OutputKey: OutputValue}}]")
        identifier, collection, fragment = value
        for output_key in fragment:
            if not _names_identifier(str(output_key), identifier):
                raise ValueError(f"template.yaml: {key}: the key {output_key!r} must contain ${{{identifier}}}")
        result: dict[str, Any] = {}
        for item in self._collection(key, collection):
            copies = self.unroll(_substitute(fragment, identifier, str(item)))
            for name, written in copies.items():
                if name in result:
                    raise ValueError(f"template.yaml: {key} writes {name!r} twice")
                result[name] = written
        return result

    def _collection(self, key: str, collection: Any) -> list[Any]:
        if isinstance(collection, list) and all(isinstance(item, str | int | float) for item in collection):
            return collection
        parameter = str(collection.get("Ref")) if isinstance(collection, Mapping) and len(collection) == 1 else ""
        if parameter in self.declared and self.declared[parameter].get("Type") == "CommaDelimitedList":
            return [item.strip() for item in self.parameters[parameter].split(",")]
        raise ValueError(f"template.yaml: {key}: a collection is a list of values or a Ref to a CommaDelimitedList parameter")

    # --- the transform's functions ------------------------------------------------------
    def resolve(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self.resolve(item) for item in node]
        if not isinstance(node, Mapping):
            return node
        resolved = {key: self.resolve(value) for key, value in node.items()}
        if len(resolved) == 1:
            ((function, argument),) = resolved.items()
            if function == "Fn::FindInMap":
                return self._find_in_map(argument)
            if function == "Fn::Length":
                return len(_literal(function, argument, list))
            if function == "Fn::ToJsonString":
                return json.dumps(_literal(function, argument, dict | list), separators=(",", ":"))
        return resolved

    def _find_in_map(self, argument: Any) -> Any:
        if not (isinstance(argument, list) and len(argument) in (3, 4)):
            raise ValueError(f"template.yaml: Fn::FindInMap takes [Map, TopKey, SecondKey(, {{DefaultValue}})]: {argument!r}")
        keys = [self._key(key) for key in argument[:3]]
        if not all(isinstance(key, str) for key in keys):
            return {"Fn::FindInMap": argument}  # keyed by what only CloudFormation knows: left to it
        default = argument[3] if len(argument) == 4 else None
        if default is not None and (not isinstance(default, Mapping) or set(default) != {"DefaultValue"}):
            raise ValueError(f"template.yaml: Fn::FindInMap's fourth argument is {{DefaultValue: ...}}: {default!r}")
        table, top, second = keys
        found = self.mappings.get(table, {}).get(top, {})
        if second in found:
            return copy.deepcopy(found[second])  # each copy of a fragment gets its own value
        if default is not None:
            return default["DefaultValue"]
        raise ValueError(f"template.yaml: Fn::FindInMap: no {second!r} for {top!r} in the map {table!r}")

    def _key(self, key: Any) -> Any:
        if isinstance(key, Mapping) and set(key) == {"Ref"} and key["Ref"] in self.parameters:
            return self.parameters[key["Ref"]]
        return key


def _names_identifier(output_key: str, identifier: str) -> bool:
    return f"${{{identifier}}}" in output_key or f"&{{{identifier}}}" in output_key or output_key.startswith(_LOOP)


def _substitute(node: Any, identifier: str, value: str) -> Any:
    if isinstance(node, list):
        return [_substitute(item, identifier, value) for item in node]
    if not isinstance(node, Mapping):
        return node
    if set(node) == {"Ref"} and node["Ref"] == identifier:
        return value
    if set(node) == {"Fn::Sub"}:
        return _substitute_in_sub(node["Fn::Sub"], identifier, value)
    return {_with_value(str(key), identifier, value): _substitute(item, identifier, value) for key, item in node.items()}


def _substitute_in_sub(argument: Any, identifier: str, value: str) -> Any:
    if isinstance(argument, str):
        text = _with_value(argument, identifier, value)
        return text if not _SUB_VARIABLE.search(text) else {"Fn::Sub": text}
    if isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str):
        text = _with_value(argument[0], identifier, value)
        if not _SUB_VARIABLE.search(text):
            return text
        return {"Fn::Sub": [text, _substitute(argument[1], identifier, value)]}
    return {"Fn::Sub": _substitute(argument, identifier, value)}


def _with_value(text: str, identifier: str, value: str) -> str:
    alphanumeric = re.sub(r"[^A-Za-z0-9]", "", value)
    return text.replace(f"${{{identifier}}}", value).replace(f"&{{{identifier}}}", alphanumeric)


def _literal(function: str, argument: Any, kind: Any) -> Any:
    if not isinstance(argument, kind) or _has_function(argument):
        raise ValueError(f"template.yaml: {function} of {argument!r} is not expanded locally (only literal arguments are)")
    return argument


def _has_function(node: Any) -> bool:
    if isinstance(node, Mapping):
        return any(str(key) == "Ref" or str(key).startswith("Fn::") or _has_function(v) for key, v in node.items())
    if isinstance(node, list):
        return any(_has_function(item) for item in node)
    return False
