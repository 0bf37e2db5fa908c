"""One warm Lambda execution environment: imports a handler once, then runs events one at a time.

Protocol: one JSON request per line on stdin ({"event", "request_id", "deadline_ms"}); on the
original stdout, an acknowledgement line ({"accepted": request_id}) as soon as the request is
read, then one JSON reply line ({"result"} or {"error", "type"}). The acknowledgement tells the
pool whether a worker that died had started the event (then it failed) or not (then another
worker runs it). Anything the
handler prints (logs, EMF metrics) goes to stderr, as CloudWatch would collect it.

Run by the runtime as: python -m local.lambda_worker <handler> <code_dir> [<layer_dir> ...]
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback
from typing import Any


class LambdaContext:
    """The attributes Lambda's context object carries."""

    def __init__(self, request_id: str, deadline_ms: int) -> None:
        name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "local")
        self.function_name = name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{os.environ.get('AWS_REGION', 'us-east-1')}:123456789012:function:{name}"
        self.memory_limit_in_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{name}"
        self.log_stream_name = "local"
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))


# boto3 has no public way to a session's default client config: this reaches its botocore session (`_session`).
CLIENT_LIMITS = "boto3 patch (the local endpoint's timeouts on every client of the default session)"


def _local_client_limits() -> None:
    """Timeouts the runtime asks for (BATON_LOCAL_AWS_*_TIMEOUT) on every boto3 client of the default
    session, so that a dead or frozen endpoint fails an invocation in seconds; a client's own
    config still wins where it sets the same option. Unset in the cloud: nothing changes there."""
    connect = os.environ.get("BATON_LOCAL_AWS_CONNECT_TIMEOUT")
    read = os.environ.get("BATON_LOCAL_AWS_READ_TIMEOUT")
    if not (connect or read):
        return
    import boto3
    import botocore.session
    from botocore.config import Config

    from local import patch_guard

    boto3.setup_default_session()
    core = patch_guard.attribute(CLIENT_LIMITS, boto3.DEFAULT_SESSION, "_session", botocore.session.Session)
    limits = Config(connect_timeout=float(connect or 60), read_timeout=float(read or 60))
    core.set_default_client_config(limits)


SNAPSTART_VARIABLE = "BATON_LOCAL_SNAPSTART"  # the runtime sets it for a function whose template turns SnapStart on


def snapshot_and_restore() -> None:
    """SnapStart as Lambda runs it, minus the snapshot: after init, the before-snapshot hooks (the last
    registered first), then, as in an environment resumed from the snapshot, the after-restore hooks (in order)."""
    import snapshot_restore_py

    for hook, args, kwargs in reversed(snapshot_restore_py.get_before_snapshot()):
        hook(*args, **kwargs)
    for hook, args, kwargs in snapshot_restore_py.get_after_restore():
        hook(*args, **kwargs)


def main() -> None:
    handler_path, code_dir, *layer_dirs = sys.argv[1:]
    # Lambda puts the function code (/var/task) first, then the layers (/opt/python).
    sys.path[:0] = [code_dir, *layer_dirs]
    replies = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    _local_client_limits()
    module_name, function_name = handler_path.rsplit(".", 1)
    handler = getattr(importlib.import_module(module_name), function_name)
    if os.environ.get(SNAPSTART_VARIABLE):
        snapshot_and_restore()
    replies.write(json.dumps({"ready": True}) + "\n")
    capture = os.environ.get("BATON_LOCAL_CAPTURE_DIR")  # keep every event, e.g. to refresh events/
    for number, line in enumerate(sys.stdin):
        request = json.loads(line)
        replies.write(json.dumps({"accepted": request["request_id"]}) + "\n")
        if capture:
            with open(os.path.join(capture, f"{module_name}-{os.getpid()}-{number}.json"), "w") as saved:
                json.dump(request["event"], saved, indent=2)
        context = LambdaContext(request["request_id"], request["deadline_ms"])
        reply: dict[str, Any]
        try:
            reply = {"result": handler(request["event"], context)}
        except Exception as error:  # the function failed: report it as Lambda would
            traceback.print_exc()
            reply = {"error": str(error), "type": type(error).__name__}
        replies.write(json.dumps(reply, default=str) + "\n")


if __name__ == "__main__":
    main()
