"""Lambda SnapStart for the user-facing functions: their hooks before the snapshot and after a restore.

With SnapStart on (template parameter `SnapStart`), Lambda runs a published version's init once,
snapshots the environment, and resumes every new environment of that version from the snapshot:

- before the snapshot, the work a first request would otherwise do is done once: every declared
  model's validator and serializer is built (they are deferred at import, `baton.domain.modeling`),
  and each function's own primers run (the API builds its OpenAPI document, i.e. every route's
  validation);
- after a restore, what must differ between environments is made afresh: the `random` module's
  state (retry jitter; seeded once at import, it would be the same in every resumed environment).
  Tickets and ids come from the kernel's generator (`secrets`, `uuid4`), which Lambda re-seeds on restore.

Nothing before the snapshot builds an AWS client, reads credentials or opens a connection (each
function's `dependencies()` is built on first use, after the restore), so no socket or credential
is shared. Without SnapStart Lambda never runs the hooks; `make dev` runs both, in order, when the
template turns SnapStart on for a function.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

from snapshot_restore_py import register_after_restore, register_before_snapshot

from baton.domain.modeling import Model


def declared_models() -> Iterator[type[Model]]:
    """Every subclass of `Model` imported so far."""
    pending: list[type[Model]] = [Model]
    while pending:
        model = pending.pop()
        pending.extend(model.__subclasses__())
        yield model


def build_models() -> int:
    """Builds each declared model's validator and serializer now; returns how many were still deferred."""
    deferred = [model for model in declared_models() if not model.__pydantic_complete__]
    for model in deferred:
        model.model_rebuild(force=True, raise_errors=False)  # one that cannot be built yet is built on first use
    return len(deferred)


def reseed() -> None:
    """A resumed environment's own `random` state (from the kernel's entropy)."""
    random.seed()


def on_snapstart(*primers: Callable[[], object]) -> None:
    """Registers the hooks of a function: its models built, then `primers`, before the snapshot; a fresh
    `random` state after each restore. Called once, at the end of the handler module."""

    def prime() -> None:
        build_models()
        for primer in primers:
            primer()

    register_before_snapshot(prime)
    register_after_restore(reseed)
