"""A patch of a library's internals refuses to run on code it was not written against.

The local runtime replaces or wraps a few functions inside moto, werkzeug and boto3 (local/moto_patches.py,
local/aws_endpoint.py, local/lambda_worker.py). Each was written after reading that function in the pinned
version; a dependency update that changes it could leave the patch doing something else, silently. So each
patch names its target and checks it before patching: the attribute is there and is still the library's own
function of that name, and its source is the one the patch was read against (a fingerprint: the start of the
SHA-256 of its source). Otherwise the runtime stops with PatchRefused, naming the patch, what changed, and
the installed version: read the new code, check the patch still holds, then update the fingerprint.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn


class PatchRefused(RuntimeError):
    """A patch's target is not the code the patch was written against."""


@dataclass(frozen=True)
class Target:
    """`owner.name`, the library function `patch` replaces or wraps, as it was when the patch was written."""

    patch: str  # what the patch is, for the message: "moto patch 7 (a Query starts from its partition)"
    owner: Any  # the class (or module) that holds the function
    name: str
    fingerprint: str  # fingerprint() of the function the patch was written against

    def original(self) -> Callable[..., Any]:
        """The library's function, checked: refuses unless it is there, its own, and unchanged."""
        where = f"{_name_of(self.owner)}.{self.name}"
        attribute = inspect.getattr_static(self.owner, self.name, None)
        if attribute is None:
            refuse(self.patch, self.owner, f"{where} is gone")
        function = attribute.fget if isinstance(attribute, property) else attribute  # a property is checked by its getter
        library = _library_of(self.owner)
        if not inspect.isfunction(function) or function.__name__ != self.name or _library_of(function) != library:
            refuse(self.patch, self.owner, f"{where} is no longer {library}'s function {self.name} (it is {function!r})")
        found = fingerprint(function)
        if found != self.fingerprint:
            refuse(
                self.patch,
                self.owner,
                f"{where} is not the code the patch was written against (source fingerprint {found}, "
                f"expected {self.fingerprint}): read it, check the patch still holds, then update the fingerprint",
            )
        return attribute


def attribute(patch: str, owner: Any, name: str, kind: type | None = None) -> Any:
    """`owner.name`, which `patch` relies on; refuses when it is gone (or is not a `kind`)."""
    value = getattr(owner, name, None)
    if value is None:
        refuse(patch, owner, f"{_name_of(owner)}.{name}, which the patch uses, is gone")
    if kind is not None and not isinstance(value, kind):
        refuse(patch, owner, f"{_name_of(owner)}.{name} is a {type(value).__name__}, not the {kind.__name__} the patch uses")
    return value


def fingerprint(function: Callable[..., Any]) -> str:
    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()[:12]


def refuse(patch: str, owner: Any, reason: str) -> NoReturn:
    library = _library_of(owner)
    try:
        installed = f"{library} {importlib.metadata.version(library)}"
    except importlib.metadata.PackageNotFoundError:
        installed = library
    raise PatchRefused(f"{patch}: {reason} (installed: {installed}). The patch is not applied.")


def _name_of(owner: Any) -> str:
    return str(getattr(owner, "__qualname__", None) or getattr(owner, "__name__", None) or type(owner).__name__)


def _library_of(thing: Any) -> str:
    """The top-level package a class, module, function or instance comes from: `moto`, `werkzeug`, `boto3`..."""
    module = thing.__name__ if inspect.ismodule(thing) else getattr(thing, "__module__", None) or type(thing).__module__
    return str(module).split(".", 1)[0]
