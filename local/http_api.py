"""API Gateway HTTP API semantics: route matching, payload format 2.0 events, responses."""

from __future__ import annotations

import base64
import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from local.template import ACCOUNT, HttpRoute

TEXT_TYPES = ("application/json", "text/", "application/xml", "application/javascript")


@dataclass(frozen=True)
class RouteMatch:
    route: HttpRoute
    path_parameters: dict[str, str]

    @property
    def route_key(self) -> str:
        return f"{self.route.method} {self.route.path}"


class Router:
    """Picks the best route as API Gateway does: a full match beats a greedy `{proxy+}` one; among
    full matches, literal segments beat {variables}."""

    def __init__(self, routes: list[HttpRoute]) -> None:
        self._routes = [(route, route.path.strip("/").split("/")) for route in routes]

    def match(self, method: str, path: str) -> RouteMatch | None:
        segments = path.strip("/").split("/")
        best: tuple[tuple[int, tuple[int, ...]], RouteMatch] | None = None
        for route, pattern in self._routes:
            if route.method != method:
                continue
            parameters = _bind(pattern, segments)
            if parameters is None:
                continue
            rank = (int(_is_greedy(pattern)), tuple(int(p.startswith("{")) for p in pattern))
            if best is None or rank < best[0]:
                best = (rank, RouteMatch(route, parameters))
        return best[1] if best else None


def _is_greedy(pattern: list[str]) -> bool:
    return bool(pattern) and pattern[-1].startswith("{") and pattern[-1].endswith("+}")


def _bind(pattern: list[str], segments: list[str]) -> dict[str, str] | None:
    """The path parameters when `segments` fit `pattern`, else None. A greedy last variable takes
    one or more segments, joined by "/"."""
    if _is_greedy(pattern):
        head = pattern[:-1]
        if len(segments) <= len(head):
            return None
        bound = _bind(head, segments[: len(head)])
        if bound is not None:
            bound[pattern[-1][1:-2]] = "/".join(segments[len(head) :])
        return bound
    if len(pattern) != len(segments):
        return None
    parameters: dict[str, str] = {}
    for expected, actual in zip(pattern, segments, strict=True):
        if expected.startswith("{") and expected.endswith("}"):
            if not actual:
                return None
            parameters[expected[1:-1]] = actual
        elif expected != actual:
            return None
    return parameters


def build_event(
    match: RouteMatch,
    method: str,
    path: str,
    raw_query: str,
    query: list[tuple[str, str]],
    headers: list[tuple[str, str]],
    body: bytes,
    source_ip: str,
    claims: dict[str, Any] | None,
) -> dict[str, Any]:
    """A payload format 2.0 event, as the HTTP API's Lambda proxy integration sends it."""
    joined_headers: dict[str, str] = {}
    cookies: list[str] = []
    for raw_name, value in headers:
        name = raw_name.lower()
        if name == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
            continue
        joined_headers[name] = f"{joined_headers[name]},{value}" if name in joined_headers else value
    # API Gateway says how the caller reached it (https); the local gateway is plain HTTP on loopback.
    joined_headers["x-forwarded-proto"] = "http"
    joined_query: dict[str, str] = {}
    for name, value in query:
        joined_query[name] = f"{joined_query[name]},{value}" if name in joined_query else value
    content_type = joined_headers.get("content-type", "")
    is_text = not body or (content_type.startswith(TEXT_TYPES) and is_utf8(body))
    now = datetime.now(UTC)
    request_context: dict[str, Any] = {
        "accountId": ACCOUNT,
        "apiId": "local",
        "domainName": joined_headers.get("host", "127.0.0.1"),
        "domainPrefix": "local",
        "http": {
            "method": method,
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": source_ip,
            "userAgent": joined_headers.get("user-agent", ""),
        },
        "requestId": str(uuid.uuid4()),
        "routeKey": match.route_key,
        "stage": "$default",
        "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "timeEpoch": int(time.time() * 1000),
    }
    if claims is not None:
        # API Gateway hands claims to the integration as strings.
        request_context["authorizer"] = {"jwt": {"claims": {k: _claim_text(v) for k, v in claims.items()}, "scopes": None}}
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": match.route_key,
        "rawPath": path,
        "rawQueryString": raw_query,
        "headers": joined_headers,
        "requestContext": request_context,
        "isBase64Encoded": not is_text,
    }
    if cookies:
        event["cookies"] = cookies
    if joined_query:
        event["queryStringParameters"] = joined_query
    if match.path_parameters:
        event["pathParameters"] = match.path_parameters
    if body:
        event["body"] = body.decode() if is_text else base64.b64encode(body).decode()
    return event


def is_utf8(body: bytes) -> bool:
    try:
        body.decode()
    except UnicodeDecodeError:
        return False
    return True


def _claim_text(value: Any) -> str:
    if isinstance(value, list):
        return "[" + " ".join(str(v) for v in value) + "]"
    return str(value)


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: dict[str, str]
    cookies: list[str]
    body: bytes


def to_response(result: Any) -> HttpResponse:
    """Interpret a function's result as API Gateway does for payload format 2.0."""
    if not isinstance(result, dict) or "statusCode" not in result:
        # No statusCode: API Gateway assumes 200 and JSON-encodes the whole result.
        text = result if isinstance(result, str) else json.dumps(result)
        return HttpResponse(200, {"content-type": "application/json"}, [], text.encode())
    raw_body = str(result.get("body") or "")
    body = base64.b64decode(raw_body) if result.get("isBase64Encoded") else raw_body.encode()
    headers = {str(k).lower(): str(v) for k, v in (result.get("headers") or {}).items()}
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers[str(name).lower()] = ",".join(str(v) for v in values)
    return HttpResponse(int(result["statusCode"]), headers, list(result.get("cookies") or []), body)
