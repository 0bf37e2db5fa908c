"""The embedded AWS endpoint: moto's server, with DynamoDB requests applied atomically.

moto's DynamoDB backend is not thread-safe: two concurrent conditional UpdateItems could
both pass their condition. Real DynamoDB applies writes to an item one at a time, so the
endpoint serialises DynamoDB (and Streams) requests behind one lock. SQS and SNS stay
concurrent, as in moto's own server, so SQS long polling (which waits on a condition
variable inside the request) never holds up anything else.

Run: python -m local.aws_endpoint --port N
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple

from local import moto_patches
from local.template import ACCOUNT, REGION

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


OUTBOX_PATH = "/_local/ses-outbox"
PING_PATH = "/_local/ping"  # answered without touching moto: the runtime's liveness probe


class Serialized:
    def __init__(self, app: WsgiApp) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        if environ.get("PATH_INFO") == OUTBOX_PATH:
            return _outbox(start_response)
        if environ.get("PATH_INFO") == PING_PATH:
            start_response("200 OK", [("Content-Type", "application/json")])
            return [b'{"status": "ok"}']
        if not str(environ.get("HTTP_X_AMZ_TARGET", "")).startswith("DynamoDB"):
            return list(self._app(environ, start_response))
        with self._lock:
            return list(self._app(environ, start_response))


def _outbox(start_response: Callable[..., Any]) -> list[bytes]:
    """Every email SES accepted so far (moto keeps them in memory), oldest first."""
    from moto.ses.models import ses_backends

    mails = []
    for region in (REGION,):
        for message in ses_backends[ACCOUNT][region].sent_messages:
            destinations = getattr(message, "destinations", {}) or {}
            mails.append(
                {
                    "id": message.id,
                    "from": message.source,
                    "to": destinations.get("ToAddresses", []),
                    "subject": getattr(message, "subject", ""),
                    "text": getattr(message, "body", ""),
                }
            )
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(mails).encode()]


def _exit_with_parent() -> None:
    """Never outlive the runtime that started us (even one killed with SIGKILL)."""
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    threading.Thread(target=_exit_with_parent, daemon=True).start()
    moto_patches.install()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request costs ~10% of the endpoint's CPU
    app = Serialized(DomainDispatcherApplication(create_backend_app))
    run_simple("127.0.0.1", args.port, app, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
