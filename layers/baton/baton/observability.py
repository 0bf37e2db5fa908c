"""Powertools Logger, Metrics and Tracer as every baton function uses them."""

from __future__ import annotations

import os
import warnings
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import Any, NamedTuple

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.shared.functions import resolve_truthy_env_var_choice
from aws_lambda_powertools.tracing.base import BaseProvider, BaseSegment

from baton.domain.errors import Transient

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


class OutboundReport(NamedTuple):
    """How a consumer reports what became of one call to a provider (a chat post, a PSA note): one home for the three
    endings. Delivered: counted, logged. Refused for good (`rejected`): counted, logged as an error, not retried (the
    connector's last delivery shows it). Worth a retry (`Transient`): counted as deferred, logged as a warning with
    the verdict and any Retry-After, and the caller raises it again so the queue redelivers."""

    logger: Logger
    metrics: Metrics
    what: str  # how the log lines begin: "webhook", "psa note"
    metric_of: Mapping[str, str]  # an outcome -> the metric it counts in
    deferred_metric: str

    def outcome(self, outcome: str, fields: Mapping[str, Any]) -> None:
        if outcome in self.metric_of:
            self.metrics.add_metric(name=self.metric_of[outcome], unit=MetricUnit.Count, value=1)
        if outcome == "rejected":
            self.logger.error(f"{self.what} rejected", extra=dict(fields))
        else:
            self.logger.info(self.what, extra=dict(fields))

    def deferred(self, error: Transient, fields: Mapping[str, Any]) -> None:
        self.metrics.add_metric(name=self.deferred_metric, unit=MetricUnit.Count, value=1)
        self.logger.warning(f"{self.what} deferred", extra={**fields, "detail": error.detail, **error.extra})
