"""Start the whole baton stack on one machine: AWS endpoint, tables, functions, gateway."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import sys
import tempfile
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from baton.connectors.registry import CONNECTORS
from baton.repositories.accounts import AccountRepository
from baton.repositories.users import UserRepository
from local import demo, provision
from local.aws_endpoint import OUTBOX_PATH
from local.embedded_endpoint import EmbeddedEndpoint
from local.faults import FaultSwitch
from local.gateway import Gateway
from local.lambda_pool import FunctionPool
from local.oidc import JwtAuthorizer, LocalIssuer
from local.oidc_flow import AuthorizationServer
from local.pollers import SqsPoller, StreamPoller
from local.providers.server import ProviderServer
from local.supervisor import PartState, Supervisor
from local.template import REGION, EventSourceSpec, Template
from local.webhooks import WebhookReceiver
from local.websocket_api import WebSocketApi

log = logging.getLogger("baton.local")

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
    # Tests shorten SQS redelivery (a failed message comes back after this many seconds at most).
    max_visibility_timeout: int | None = None
    # Lifetime of the local issuer's access tokens (tests shorten it to see the console refresh them).
    token_lifetime: int = 3600


# What the local functions' AWS clients do when the endpoint is down or frozen: fail within
# seconds, not retry for ten (read by local.lambda_worker and botocore; product code is unchanged).
LOCAL_CLIENT_ENVIRONMENT = {
    "AWS_RETRY_MODE": "standard",
    "AWS_MAX_ATTEMPTS": "2",
    "BATON_LOCAL_AWS_CONNECT_TIMEOUT": "1",
    "BATON_LOCAL_AWS_READ_TIMEOUT": "5",
}


@dataclass
class Runtime:
    options: RuntimeOptions
    endpoint_url: str = ""
    websocket: WebSocketApi | None = None
    faults: FaultSwitch = field(default_factory=FaultSwitch)
    supervisor: Supervisor = field(default_factory=Supervisor)
    _endpoint: EmbeddedEndpoint | None = None
    _template: Template | None = None
    _queue_urls: dict[str, str] = field(default_factory=dict)
    _users: list[dict[str, Any]] = field(default_factory=list)
    _pools: dict[str, FunctionPool] = field(default_factory=dict)
    _pollers: dict[str, StreamPoller | SqsPoller] = field(default_factory=dict)
    _site_runner: web.AppRunner | None = None
    webhooks: WebhookReceiver | None = None
    providers: ProviderServer | None = None
    _scratch: tempfile.TemporaryDirectory[str] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.options.port}"

    async def start(self) -> None:
        # Pollers block a thread in SQS long polls; the default pool (cores + 4) would starve.
        asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=64, thread_name_prefix="baton"))
        self._endpoint = EmbeddedEndpoint(free_port())
        self.endpoint_url = self._endpoint.url
        issuer_url = f"{self.base_url}/local/oidc"
        # Every connector's provider is the loopback receiver here: its host is the allowlist, its certificate the CA bundle.
        self._scratch = tempfile.TemporaryDirectory(prefix="baton-local-")
        # The providers' stand-ins (PSAs, chat APIs) and the webhook receiver serve certificates of one local CA.
        ports = [free_port() for _ in range(ProviderServer.ports_needed())]
        self.providers = providers = ProviderServer(Path(self._scratch.name), ports)
        providers.baton_url = self.base_url
        await providers.start()
        self.webhooks = webhooks = WebhookReceiver(Path(self._scratch.name), free_port())
        await webhooks.start(providers.ca.issue("webhook-receiver"))
        self._template = template = Template(
            self.options.template,
            {
                "JwtIssuer": issuer_url,
                "JwtAudience": LOCAL_AUDIENCE,
                "ConsoleOrigin": self.base_url,
                **{declared.allowlist.parameter: providers.hosts_for(declared.name, (webhooks.host,)) for declared in CONNECTORS},
            },
        )
        await self._endpoint.start()
        await self._provision()
        self.supervisor.keep_running("aws_endpoint", self._run_endpoint, up_at_start=False)

        sources = template.event_sources()
        for name, spec in template.functions().items():
            environment = self._lambda_environment(spec.name, spec.memory, spec.timeout, spec.environment)
            self._pools[name] = FunctionPool(spec, environment, self._pool_size(name, template, sources), self.faults)
        await asyncio.gather(*(pool.start() for pool in self._pools.values()))
        self._start_pollers(template, sources)

        issuer = LocalIssuer.from_key_file(issuer_url, LOCAL_AUDIENCE, self.options.signing_key)
        authorizer = template.jwt_authorizer()
        self.websocket = WebSocketApi(
            template.websocket(), self._pools, template.parameters["Stage"], f"127.0.0.1:{self.options.port}"
        )
        jwt_authorizer = JwtAuthorizer(authorizer.issuer, authorizer.audience, issuer.jwks())
        sign_in = AuthorizationServer(
            issuer,
            jwt_authorizer,
            lambda: self._users,
            [self.base_url, f"http://localhost:{self.options.port}"],
            self.options.token_lifetime,
        )
        gateway = Gateway(
            routes=template.http_routes(),
            pools=self._pools,
            authorizer=jwt_authorizer,
            issuer=issuer,
            cors=template.http_api().get("CorsConfiguration"),
            users=lambda: self._users,
            outbox=self._outbox,
            websocket=self.websocket,
            health=self.health,
            faults=self.faults,
            webhooks=webhooks,
            providers=providers,
            sign_in=sign_in,
            outputs=self.outputs,
        )
        # Headers up to 256 KB reach the gateway, which answers an oversized token with 401 JSON, as API Gateway would;
        # long query strings reach the API, which refuses over-long parameters with a 422 (aiohttp's own 400 is plain text).
        self._site_runner = web.AppRunner(gateway.app(), access_log=None, max_field_size=256 * 1024, max_line_size=64 * 1024)
        await self._site_runner.setup()
        await web.TCPSite(self._site_runner, "127.0.0.1", self.options.port).start()
        gateway.ready = True

    async def _provision(self) -> None:
        """Create the template's resources and the demo users on a fresh endpoint."""
        template, endpoint = self._template, self.endpoint_url
        assert template

        def create() -> list[dict[str, Any]]:
            provision.create_tables(template, endpoint)
            self._queue_urls = provision.create_messaging(template, endpoint, self.options.max_visibility_timeout)
            provision.verify_sender(template, endpoint)
            provision.warm_settings_store(endpoint)
            client = provision.local_client("dynamodb", endpoint)
            table = template.physical_name("DataTable")
            people = demo.seed(UserRepository(table, client), AccountRepository(table, client))
            return [user.model_dump(mode="json") for user in people]

        self._users = await asyncio.to_thread(create)

    async def _run_endpoint(self, state: PartState) -> None:
        assert self._endpoint
        await self._endpoint.run(state, self._provision_again)

    async def _provision_again(self) -> None:
        await self._provision()
        log.warning("The AWS endpoint started again, empty: tables, queues and demo users are provisioned anew")
        if self.websocket:  # their connection records are gone: clients reconnect (and resume)
            await self.websocket.close_all(1012, "Service restart")

    def outputs(self) -> dict[str, str]:
        """The deployed stack's outputs that operators' tools read, with the local endpoint they live on."""
        assert self._template
        return {
            "DataTableName": self._template.physical_name("DataTable"),
            "ConsoleUrl": f"{self.base_url}/",
            "HttpApiUrl": self.base_url,
            "JwtIssuerUrl": f"{self.base_url}/local/oidc",
            "AwsEndpoint": self.endpoint_url,
            "Region": REGION,
        }

    def pids(self) -> list[int]:
        """This process, the AWS endpoint and every warm execution environment."""
        workers = [pid for pool in self._pools.values() for pid in pool.pids()]
        endpoint = self._endpoint.process.pid if self._endpoint and self._endpoint.running and self._endpoint.process else None
        return [os.getpid(), *([endpoint] if endpoint else []), *workers]

    async def health(self) -> dict[str, Any]:
        """Each part's state; `down` names every part that is not up."""
        assert self._endpoint and self.websocket
        endpoint_state = self.supervisor.parts["aws_endpoint"]
        endpoint_up = endpoint_state.up and await self._endpoint.reachable()
        parts: dict[str, dict[str, Any]] = {
            "aws_endpoint": {**endpoint_state.as_json(), "state": "up" if endpoint_up else "down", "url": self.endpoint_url},
            "gateway": {"state": "up", "connections": len(self.websocket.connections)},
        }
        for name, pool in self._pools.items():
            parts[f"function:{name}"] = pool.health()
        for name, poller in self._pollers.items():
            supervised = self.supervisor.parts[name]
            up = supervised.up and poller.health.failing is None
            parts[name] = {**supervised.as_json(), "state": "up" if up else "down", "failing": poller.health.failing}
        down = [name for name, part in parts.items() if part["state"] != "up"]
        return {
            "status": "degraded" if down else "ok",
            "down": down,
            "parts": parts,
            "faults": self.faults.as_json(),
            "aws_endpoint": self.endpoint_url,
            "connections": len(self.websocket.connections),
            "webhook_receiver": self.webhooks.url if self.webhooks else None,
            "providers": {name: standin.url for name, standin in self.providers.standins.items()} if self.providers else {},
            "pids": self.pids(),
        }

    def _pool_size(self, function: str, template: Template, sources: list[EventSourceSpec]) -> int:
        """Warm environments per function: API traffic gets the configured size (providers' calls two); a stream shard is
        processed one batch at a time (ParallelizationFactor 1); queues get two concurrent batches."""
        routes = [route for route in template.http_routes() if route.function == function]
        if routes and all(not route.authorized for route in routes):  # providers' calls (the hooks): a trickle
            return min(2, self.options.pool_size)
        if routes:
            return self.options.pool_size
        kinds = {source.kind for source in sources if source.function == function}
        return 1 if kinds == {"DynamoDB"} else 2

    def _start_pollers(self, template: Template, sources: list[EventSourceSpec]) -> None:
        endpoint = self.endpoint_url
        sqs = provision.local_client("sqs", endpoint)
        for source in sources:
            pool = self._pools[source.function]
            poller: StreamPoller | SqsPoller
            if source.kind == "DynamoDB":
                dlq = self._queue_urls.get(source.on_failure_queue) if source.on_failure_queue else None
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
                poller = SqsPoller(source, pool, sqs, self._queue_urls[source.source], arn, workers=pool.size)
            self._pollers[poller.health.name] = poller
            self.supervisor.keep_running(poller.health.name, _runner(poller))

    async def _outbox(self) -> list[dict[str, Any]]:
        def fetch() -> list[dict[str, Any]]:
            with urllib.request.urlopen(f"{self.endpoint_url}{OUTBOX_PATH}", timeout=2) as reply:  # noqa: S310 (our own endpoint)
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
            **LOCAL_CLIENT_ENVIRONMENT,
            **variables,
            "POWERTOOLS_TRACE_DISABLED": "true",  # no X-Ray daemon locally, whatever XRayTracing says
            # The WebSocket and Management APIs are served by the gateway itself.
            "WEBSOCKET_URL": f"ws://127.0.0.1:{self.options.port}/ws",
            "WEBSOCKET_MANAGEMENT_URL": self.base_url,
            # Webhook TLS trusts the loopback receiver's self-signed certificate (its host is the allowlist).
            "WEBHOOK_CA_BUNDLE": str(self.providers.ca_bundle) if self.providers else "",
        }

    async def stop(self) -> None:
        await self.supervisor.stop()
        if self.websocket:
            await self.websocket.close_all(1001, "Server stopping")
        if self._site_runner:
            await self._site_runner.cleanup()
        await asyncio.gather(*(pool.stop() for pool in self._pools.values()))
        if self._endpoint:
            await self._endpoint.stop()
        if self.webhooks:
            await self.webhooks.stop()
        if self.providers:
            await self.providers.stop()
        if self._scratch:
            self._scratch.cleanup()

    def _sites(self) -> str:
        return ", ".join(
            f"{name} {standin.host}" for name, standin in (self.providers.standins if self.providers else {}).items()
        )

    def banner(self) -> str:
        url = self.base_url
        receiver = self.webhooks.url if self.webhooks else "https://127.0.0.1:<port>"
        logins = ", ".join(f"{role}@acme.test" for role in ("junior", "senior", "senior2", "admin", "owner", "viewer"))
        return "\n".join(
            [
                "",
                "baton is running locally (Ctrl-C to stop)",
                f"  console         {url}/   (sign in: pick a demo user, or any email, on the local identity provider)",
                f"  HTTP API        {url}/api/v1   (OpenAPI: {url}/api/v1/openapi.json)",
                f"  demo users      {url}/local/users   ({logins}; and the same @globex.test)",
                f'  get a token     curl -s -X POST {url}/local/token -d \'{{"email":"senior@acme.test"}}\'',
                f"  WebSocket       ws://127.0.0.1:{self.options.port}/ws?ticket=...   (ticket: POST {url}/api/v1/ws-ticket)",
                f"  sent email      {url}/local/outbox",
                f"  Teams / Slack   {url}/local/webhooks   (webhook URL to paste: {receiver}/teams/demo, /slack/demo)",
                f"  PSA stand-ins   {url}/local/connectors   (sites: {self._sites()})",
                f"  operators       baton-admin --local {url} create-account --name 'Your MSP' --owner-email you@x.test",
                f"  health          {url}/local/health",
                f"  AWS endpoint    {self.endpoint_url}   (moto; tables from template.yaml)",
                "",
            ]
        )


def _runner(poller: StreamPoller | SqsPoller) -> Any:
    async def run(_: PartState) -> None:
        await poller.run()

    return run


async def serve(options: RuntimeOptions) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
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
    parser.add_argument(
        "--max-visibility-timeout",
        type=int,
        default=int(os.environ.get("BATON_LOCAL_MAX_VISIBILITY_TIMEOUT", "0")) or None,
        help="cap the queues' visibility timeouts (seconds), so failed messages come back sooner (tests)",
    )
    parser.add_argument(
        "--token-lifetime",
        type=int,
        default=int(os.environ.get("BATON_LOCAL_TOKEN_SECONDS", "3600")),
        help="seconds the local issuer's access tokens live (the console refreshes them before they expire)",
    )
    args = parser.parse_args(argv)
    return RuntimeOptions(
        port=args.port,
        signing_key=args.signing_key,
        pool_size=args.pool_size,
        max_visibility_timeout=args.max_visibility_timeout,
        token_lifetime=args.token_lifetime,
    )


def main(argv: list[str] | None = None) -> Any:
    options = options_from_env(sys.argv[1:] if argv is None else argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(options))


if __name__ == "__main__":
    main()
