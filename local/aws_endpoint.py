"""The embedded AWS endpoint: moto's server, with DynamoDB requests applied atomically and
connections kept alive.

moto's DynamoDB backend is not thread-safe: two concurrent conditional UpdateItems could
both pass their condition. Real DynamoDB applies writes to an item one at a time, so the
endpoint serialises DynamoDB (and Streams) requests behind one lock. SQS and SNS stay
concurrent, as in moto's own server, so SQS long polling (which waits on a condition
variable inside the request) never holds up anything else.

It also counts the requests it serves and their CPU time, per action (`/_local/requests`), for
`make bench`'s cost of a create.

Run: python -m local.aws_endpoint --port N
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import os
import selectors
import threading
import time
import types
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import parse_qs

import werkzeug.serving
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import WSGIRequestHandler, run_simple

from local import moto_patches, patch_guard
from local.template import ACCOUNT, REGION

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


OUTBOX_PATH = "/_local/ses-outbox"
PING_PATH = "/_local/ping"  # answered without touching moto: the runtime's liveness probe
STATS_PATH = "/_local/requests"  # requests served and their CPU time, per action (`make bench`)


class Serialized:
    def __init__(self, app: WsgiApp) -> None:
        self._app = app
        self._lock = threading.Lock()
        self._stats = RequestStats()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        _read_body(environ)  # all of it, so the connection is ready for its next request (see KeepAliveHandler)
        if environ.get("PATH_INFO") == OUTBOX_PATH:
            return _outbox(start_response)
        if environ.get("PATH_INFO") in (PING_PATH, STATS_PATH):
            start_response("200 OK", [("Content-Type", "application/json")])
            return [b'{"status": "ok"}' if environ["PATH_INFO"] == PING_PATH else self._stats.json()]
        action = _action(environ)
        if not action.startswith("DynamoDB"):
            with self._stats.measure(action):
                return list(self._app(environ, start_response))
        with self._lock, self._stats.measure(action):
            return list(self._app(environ, start_response))


class RequestStats:
    """How many requests of each action the endpoint served, and the CPU time they took."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._cpu: defaultdict[str, float] = defaultdict(float)

    @contextlib.contextmanager
    def measure(self, action: str) -> Iterator[None]:
        started = time.thread_time()
        try:
            yield
        finally:
            with self._lock:
                self._counts[action] += 1
                self._cpu[action] += time.thread_time() - started

    def json(self) -> bytes:
        with self._lock:
            figures = {action: {"requests": n, "cpu_seconds": round(self._cpu[action], 4)} for action, n in self._counts.items()}
        return json.dumps(figures).encode()


def _read_body(environ: dict[str, Any]) -> None:
    stream = environ["wsgi.input"]
    body = stream.read() if environ.get("wsgi.input_terminated") else stream.read(int(environ.get("CONTENT_LENGTH") or 0))
    environ["wsgi.input"] = io.BytesIO(body)


class KeepAliveHandler(MotoRequestHandler):
    """moto's request handler, keeping connections alive between requests.

    werkzeug's server answers every request with `Connection: close`, because Python's http.server
    cannot skip a body the application left unread before it parses the next request. `Serialized`
    reads every body in full, so the header is dropped: without it each boto3 call paid for a new
    TCP connection on both ends and a new server thread (a tenth of the endpoint's CPU under load).
    """

    # An answer goes out in two writes (head, then body): with Nagle's algorithm on, the second
    # waits for the client's delayed ACK of the first, ~40 ms, on every request of a kept connection.
    disable_nagle_algorithm = True

    def send_header(self, keyword: str, value: str) -> None:
        if keyword.lower() == "connection" and value.lower() == "close":
            return
        super().send_header(keyword, value)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """No line per request (werkzeug's logger is at WARNING; this saves formatting it)."""


# werkzeug's answer to a request (`run_wsgi`): KeepAliveHandler drops the `Connection: close` it sends, and
# _NothingToDrain replaces the `selectors` it drains the socket with afterwards.
KEPT_ALIVE = patch_guard.Target(
    "werkzeug patch (connections kept alive, nothing drained after an answer)", WSGIRequestHandler, "run_wsgi", "774df60c75af"
)


class _NothingToDrain:
    """Stands in for `selectors` in werkzeug's server. werkzeug drains the socket after each answer,
    believing it closes the connection next: on a kept connection that read would swallow (and wait
    on) the next request. `Serialized` reads every body in full, so there is nothing to drain."""

    EVENT_READ = selectors.EVENT_READ

    class DefaultSelector:
        def register(self, *_: Any) -> None: ...

        def select(self, timeout: float | None = None) -> list[Any]:
            return []

        def close(self) -> None: ...


def _action(environ: dict[str, Any]) -> str:
    """`DynamoDB_20120810.Query:DataTable:open_queue`, `AmazonSQS.SendMessage`, `sns.Publish`
    (a query-protocol call's `Action`): the body is read and put back for moto."""
    target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
    if target and not target.startswith("DynamoDB_"):
        return target
    body = environ["wsgi.input"].getvalue()
    if target:  # DynamoDB: which table and index too
        with contextlib.suppress(ValueError, AttributeError):
            request = json.loads(body)
            return ":".join(filter(None, (target, request.get("TableName"), request.get("IndexName"))))
        return target
    action = parse_qs(body.decode("utf-8", "replace")).get("Action", [environ.get("PATH_INFO", "")])[0]
    scope = str(environ.get("HTTP_AUTHORIZATION", "")).split("Credential=", 1)[-1].split("/")
    return f"{scope[3] if len(scope) > 3 else 'unsigned'}.{action}"


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


def keep_connections_alive() -> None:
    """Patch werkzeug's server (see KeepAliveHandler), once its code is checked to be the one read for it."""
    KEPT_ALIVE.original()
    patch_guard.attribute(KEPT_ALIVE.patch, werkzeug.serving, "selectors", types.ModuleType)
    werkzeug.serving.selectors = _NothingToDrain  # type: ignore[attr-defined,assignment]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    threading.Thread(target=_exit_with_parent, daemon=True).start()
    moto_patches.install()
    keep_connections_alive()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request costs ~10% of the endpoint's CPU
    app = Serialized(DomainDispatcherApplication(create_backend_app))
    run_simple("127.0.0.1", args.port, app, threaded=True, request_handler=KeepAliveHandler)


if __name__ == "__main__":
    main()
