"""Powertools Logger, Metrics and Tracer as every baton function uses them."""

from __future__ import annotations

import os
import warnings
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.shared.functions import resolve_truthy_env_var_choice
from aws_lambda_powertools.tracing.base import BaseProvider, BaseSegment

# An invocation that records no metric (a read, a ping) is normal, not worth a warning each time.
warnings.filterwarnings("ignore", message="No application metrics to publish")


class _SilentSegment(BaseSegment):
    """Accepts what Tracer writes to a subsegment and keeps none of it."""

    def close(self, end_time: int | None = None) -> None:
        pass

    def add_subsegment(self, subsegment: Any) -> None:
        pass

    def remove_subsegment(self, subsegment: Any) -> None:
        pass

    def put_annotation(self, key: str, value: Any) -> None:
        pass

    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None:
        pass

    def add_exception(self, exception: BaseException, stack: Any, remote: bool = False) -> None:
        pass


class SilentTracingProvider(BaseProvider):
    """Tracer's provider when tracing is off. Powertools' default provider imports the X-Ray SDK
    (~90 ms of every cold start) even when disabled; this one imports nothing."""

    @contextmanager
    def in_subsegment(self, name: Any = None, **kwargs: Any) -> Iterator[BaseSegment]:
        yield _SilentSegment()

    @asynccontextmanager
    async def in_subsegment_async(self, name: Any = None, **kwargs: Any) -> AsyncIterator[BaseSegment]:
        yield _SilentSegment()

    def put_annotation(self, key: str, value: Any) -> None:
        pass

    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None:
        pass

    def patch(self, modules: Sequence[str]) -> None:
        pass

    def patch_all(self) -> None:
        pass


def tracing_disabled() -> bool:
    """POWERTOOLS_TRACE_DISABLED, as Powertools reads it (the local runtime and the tests set it)."""
    return bool(resolve_truthy_env_var_choice(env=os.getenv("POWERTOOLS_TRACE_DISABLED", "false")))


def instruments() -> tuple[Logger, Metrics, Tracer]:
    """Service name and metrics namespace come from POWERTOOLS_* variables the template sets."""
    if tracing_disabled():
        return Logger(), Metrics(), Tracer(disabled=True, auto_patch=False, provider=SilentTracingProvider())
    return Logger(), Metrics(), Tracer()
