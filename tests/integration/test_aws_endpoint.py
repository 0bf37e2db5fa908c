"""The embedded AWS endpoint as a server: connections kept alive, requests counted per action."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from local.aws_endpoint import PING_PATH, STATS_PATH
from local.runtime import free_port
from local.template import REGION
from tests.conftest import ROOT

GET_ITEM = "DynamoDB_20120810.GetItem"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "local.aws_endpoint", "--port", str(port)], cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            urllib.request.urlopen(url + PING_PATH, timeout=1).close()
            break
        except OSError:
            assert time.monotonic() < deadline and process.poll() is None, "the endpoint did not start"
            time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(15)


def _dynamodb(url: str) -> Any:
    return boto3.client("dynamodb", endpoint_url=url, region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")


def _exchange(connection: socket.socket, port: int, target: str, body: bytes) -> tuple[str, dict[str, str], bytes]:
    """One request on an open connection; the status line, headers (lower-case names) and body."""
    head = (
        f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Amz-Target: {target}\r\n"
        "Content-Type: application/x-amz-json-1.0\r\n"
        "Authorization: AWS4-HMAC-SHA256 Credential=x/20261126/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=host, Signature=x\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    connection.sendall(head.encode() + body)
    received = b""
    while b"\r\n\r\n" not in received:
        received += _more(connection)
    raw_head, _, rest = received.partition(b"\r\n\r\n")
    status, *lines = raw_head.decode().split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
    while len(rest) < int(headers["content-length"]):
        rest += _more(connection)
    return status, headers, rest


def _more(connection: socket.socket) -> bytes:
    chunk = connection.recv(65536)
    if not chunk:
        raise ConnectionError("the endpoint closed the connection")
    return chunk


def test_one_connection_carries_request_after_request(endpoint: str) -> None:
    # Given a table, and one open connection to the endpoint
    _dynamodb(endpoint).create_table(
        TableName="kept",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    port = int(endpoint.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        # When three requests are sent on it, one after the other
        answers = [_exchange(connection, port, GET_ITEM, b'{"TableName": "kept", "Key": {"pk": {"S": "a"}}}') for _ in range(3)]
    # Then each is answered on that same connection, which the endpoint never asks to close
    assert [status for status, _, _ in answers] == ["HTTP/1.1 200 OK"] * 3
    assert all(headers.get("connection", "") != "close" for _, headers, _ in answers)
    assert all(json.loads(body) == {} for _, _, body in answers)


def test_requests_are_counted_per_action_table_and_index(endpoint: str) -> None:
    # Given a table the endpoint has served some requests on
    dynamodb = _dynamodb(endpoint)
    dynamodb.create_table(
        TableName="counted",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    before = json.load(urllib.request.urlopen(endpoint + STATS_PATH))
    # When it gets two items read and one written
    dynamodb.put_item(TableName="counted", Item={"pk": {"S": "a"}})
    for _ in range(2):
        dynamodb.get_item(TableName="counted", Key={"pk": {"S": "a"}})
    after = json.load(urllib.request.urlopen(endpoint + STATS_PATH))
    # Then its figures count them under the action and the table, with the CPU they took
    reads = f"{GET_ITEM}:counted"
    assert after[reads]["requests"] - before.get(reads, {"requests": 0})["requests"] == 2
    assert after["DynamoDB_20120810.PutItem:counted"]["requests"] == 1
    assert after[reads]["cpu_seconds"] > 0
