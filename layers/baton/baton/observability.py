"""Powertools Logger, Metrics and Tracer as every baton function uses them."""

from __future__ import annotations

import warnings

from aws_lambda_powertools import Logger, Metrics, Tracer

# An invocation that records no metric (a read, a ping) is normal, not worth a warning each time.
warnings.filterwarnings("ignore", message="No application metrics to publish")


def instruments() -> tuple[Logger, Metrics, Tracer]:
    """Service name and metrics namespace come from POWERTOOLS_* variables the template sets."""
    return Logger(), Metrics(), Tracer()
