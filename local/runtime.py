"""Start the whole baton stack on one machine: AWS endpoint, tables, functions, gateway."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from baton.repositories.users import UserRepository
from local import demo, provision
from local.aws_endpoint import OUTBOX_PATH
from local.gateway import Gateway
from local.lambda_pool import FunctionPool
from local.oidc import JwtAuthorizer, LocalIssuer
from local.pollers import SqsPoller, StreamPoller
from local.template import REGION, EventSourceSpec, Template
from local.websocket_api import WebSocketApi

ROOT = Path(__file__).resolve().parent.parent
LOCAL_AUDIENCE = "baton-local"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RuntimeOptions:
    port: int = 3000
    signing_key: Path | None = None
    pool_size: int = 4
    template: Path = ROOT / "template.yaml"


@dataclass
class Runtime:
    options: RuntimeOptions
    endpoint_url: str = ""
    _endpoint: asyncio.subprocess.Process | None = None
    websocket: WebSocketApi | None = None
    _pools: dict[str, FunctionPool] = field(default_factory=dict)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _site_runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.options.port}"

    async def start(self) -> None:
        # Pollers block a thread in SQS long polls; the default pool (cores + 4) would starve.
        asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=64, thread_name_prefix="baton"))
        endpoint_port = free_port()
        self.endpoint_url = f"http://127.0.0.1:{endpoint_port}"
        self._endpoint = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "local.aws_endpoint", "--port", str(endpoint_port), stderr=asyncio.subprocess.DEVNULL
        )
        await asyncio.to_thread(_wait_for, f"{self.endpoint_url}/moto-api/")

        issuer_url = f"{self.base_url}/local/oidc"
        template = Template(
            self.options.template,
            {"JwtIssuer": issuer_url, "JwtAudience": LOCAL_AUDIENCE, "ConsoleOrigin": self.base_url},
        )
        provision.create_tables(template, self.endpoint_url)
        queue_urls = provision.create_messaging(template, self.endpoint_url)
        provision.verify_sender(template, self.endpoint_url)
        client = provision.local_client("dynamodb", self.endpoint_url)
        users = [user.model_dump(mode="json") for user in demo.seed(UserRepository(template.physical_name("DataTable"), client))]

        sources = template.event_sources()
        for name, spec in template.functions().items():
            environment = self._lambda_environment(spec.name, spec.memory, spec.timeout, spec.environment)
            self._pools[name] = FunctionPool(spec, environment, self._pool_size(name, template, sources))
        await asyncio.gather(*(pool.start() for pool in self._pools.values()))
        self._start_pollers(template, sources, queue_urls)

        issuer = LocalIssuer.from_key_file(issuer_url, LOCAL_AUDIENCE, self.options.signing_key)
        authorizer = template.jwt_authorizer()
        self.websocket = WebSocketApi(
            template.websocket(), self._pools, template.parameters["Stage"], f"127.0.0.1:{self.options.port}"
        )
        gateway = Gateway(
            routes=template.http_routes(),
            pools=self._pools,
            authorizer=JwtAuthorizer(authorizer.issuer, authorizer.audience, issuer.jwks()),
            issuer=issuer,
            cors=template.http_api().get("CorsConfiguration"),
            users=lambda: users,
            outbox=self._outbox,
            websocket=self.websocket,
            aws_endpoint=self.endpoint_url,
            pids=self.pids,
        )
        self._site_runner = web.AppRunner(gateway.app(), access_log=None)
        await self._site_runner.setup()
        await web.TCPSite(self._site_runner, "127.0.0.1", self.options.port).start()
        gateway.ready = True

    def pids(self) -> list[int]:
        """This process, the AWS endpoint and every warm execution environment."""
        workers = [pid for pool in self._pools.values() for pid in pool.pids()]
        return [os.getpid(), *([self._endpoint.pid] if self._endpoint else []), *workers]

    def _pool_size(self, function: str, template: Template, sources: list[EventSourceSpec]) -> int:
        """Warm environments per function: API traffic gets the configured size; a stream shard is
        processed one batch at a time (ParallelizationFactor 1); queues get two concurrent batches."""
        if any(route.function == function for route in template.http_routes()):
            return self.options.pool_size
        kinds = {source.kind for source in sources if source.function == function}
        return 1 if kinds == {"DynamoDB"} else 2

    def _start_pollers(self, template: Template, sources: list[EventSourceSpec], queue_urls: dict[str, str]) -> None:
        endpoint = self.endpoint_url
        sqs = provision.local_client("sqs", endpoint)
        for source in sources:
            pool = self._pools[source.function]
            poller: StreamPoller | SqsPoller
            if source.kind == "DynamoDB":
                dlq = queue_urls.get(source.on_failure_queue) if source.on_failure_queue else None
                poller = StreamPoller(
                    source,
                    pool,
                    provision.local_client("dynamodb", endpoint),
                    provision.local_client("dynamodbstreams", endpoint),
                    sqs,
                    dlq,
                )
                poller.start_at_latest(template.physical_name(source.source))
            else:
                arn = template.get_att(source.source, "Arn")
                poller = SqsPoller(source, pool, sqs, queue_urls[source.source], arn, workers=pool.size)
            self._tasks.append(asyncio.create_task(poller.run(), name=f"poller:{source.function}"))

    async def _outbox(self) -> list[dict[str, Any]]:
        def fetch() -> list[dict[str, Any]]:
            with urllib.request.urlopen(f"{self.endpoint_url}{OUTBOX_PATH}", timeout=5) as reply:  # noqa: S310 (our own endpoint)
                return list(json.load(reply))

        return await asyncio.to_thread(fetch)

    def _lambda_environment(self, name: str, memory: int, timeout: int, variables: dict[str, str]) -> dict[str, str]:
        """What Lambda sets in an execution environment, pointed at the embedded endpoint."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_LAMBDA_FUNCTION_NAME": name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory),
            "AWS_LAMBDA_FUNCTION_TIMEOUT": str(timeout),
            **variables,
            "POWERTOOLS_TRACE_DISABLED": "true",  # no X-Ray daemon locally, whatever XRayTracing says
            # The WebSocket and Management APIs are served by the gateway itself.
            "WEBSOCKET_URL": f"ws://127.0.0.1:{self.options.port}/ws",
            "WEBSOCKET_MANAGEMENT_URL": self.base_url,
        }

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        if self.websocket:
            for live in list(self.websocket.connections.values()):
                with contextlib.suppress(Exception):
                    await live.socket.close(code=1001, message=b"Server stopping")
        if self._site_runner:
            await self._site_runner.cleanup()
        await asyncio.gather(*(pool.stop() for pool in self._pools.values()))
        if self._endpoint and self._endpoint.returncode is None:
            self._endpoint.terminate()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._endpoint.wait(), 5)

    def banner(self) -> str:
        url = self.base_url
        logins = ", ".join(f"{role}@acme.test" for role in ("junior", "senior", "senior2", "admin", "owner", "viewer"))
        return "\n".join(
            [
                "",
                "baton is running locally (Ctrl-C to stop)",
                f"  console         {url}/   (pick a demo user)",
                f"  HTTP API        {url}/api/v1   (OpenAPI: {url}/api/v1/openapi.json)",
                f"  demo users      {url}/local/users   ({logins}; and the same @globex.test)",
                f'  get a token     curl -s -X POST {url}/local/token -d \'{{"email":"senior@acme.test"}}\'',
                f"  WebSocket       ws://127.0.0.1:{self.options.port}/ws?ticket=...   (ticket: POST {url}/api/v1/ws-ticket)",
                f"  sent email      {url}/local/outbox",
                f"  health          {url}/local/health",
                f"  AWS endpoint    {self.endpoint_url}   (moto; tables from template.yaml)",
                "",
            ]
        )


def _wait_for(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 (our own http://127.0.0.1 URL)
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


async def serve(options: RuntimeOptions) -> None:
    runtime = Runtime(options)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await runtime.start()
        print(runtime.banner(), flush=True)
        await stop.wait()
    finally:
        print("baton: stopping...", flush=True)
        await runtime.stop()


def options_from_env(argv: list[str]) -> RuntimeOptions:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m local", description="Run baton locally.")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    parser.add_argument("--signing-key", type=Path, default=os.environ.get("BATON_LOCAL_SIGNING_KEY") or None)
    parser.add_argument("--pool-size", type=int, default=int(os.environ.get("BATON_LOCAL_POOL_SIZE", "4")))
    args = parser.parse_args(argv)
    return RuntimeOptions(port=args.port, signing_key=args.signing_key, pool_size=args.pool_size)


def main(argv: list[str] | None = None) -> Any:
    options = options_from_env(sys.argv[1:] if argv is None else argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(options))


if __name__ == "__main__":
    main()
