"""The product's provider transport against the local stand-ins over loopback HTTPS: it trusts the local CA it is
given and nothing else, calls only allowlisted hosts over https, follows no redirect, reports what came back; the
stand-ins record every call with whether its auth was right, and answer an armed fault (a 429 with its Retry-After)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from baton.connectors import connectwise
from baton.connectors.http import HttpRequest
from baton.connectors.psa_api import PsaConfig
from baton.domain.errors import Invalid
from baton.publishers.provider_http import ProviderHttp
from local.providers.faults import ProviderFault
from local.providers.server import dev_overrides
from tests.integration.provider_standins import StandInsThread


@pytest.fixture
def running(tmp_path: Path) -> Iterator[StandInsThread]:
    with StandInsThread(tmp_path) as standins:
        yield standins


def _config(host: str, private_key: str = "acmeprivate") -> PsaConfig:
    settings = {"site": host, "company_id": "acme", "escalation_status": "Escalate to T2"}
    return PsaConfig(settings, {"public_key": "acmepublic", "private_key": private_key, "client_id": "cid"})


def test_a_call_to_the_stand_in_is_verified_tls_with_the_local_ca_and_recorded(running: StandInsThread) -> None:
    server = running.server
    host = server.standins["connectwise"].host
    transport = ProviderHttp({"connectwise": (host,)}, str(server.ca_bundle))
    # When the transport calls ConnectWise's system info with the right keys, then with wrong ones
    good = transport.send("connectwise", connectwise.check(_config(host)))
    bad = transport.send("connectwise", connectwise.check(_config(host, "wrong")))
    # Then the first is 200 and the second 401, and the stand-in recorded both with whether the auth was right
    assert (good.status, bad.status) == (200, 401)
    calls = server.recorder.of("connectwise")
    assert [(c["path"].rsplit("/", 1)[-1], c["auth_ok"], c["answered"]) for c in calls] == [
        ("info", True, 200),
        ("info", False, 401),
    ]


def test_without_the_local_ca_the_stand_in_is_not_trusted(running: StandInsThread) -> None:
    host = running.server.standins["connectwise"].host
    reply = ProviderHttp({"connectwise": (host,)}).send("connectwise", connectwise.check(_config(host)))
    assert reply.status is None and reply.error and "SSL" in reply.error


def test_a_host_off_the_allowlist_or_plain_http_is_refused_before_any_call(running: StandInsThread) -> None:
    host = running.server.standins["connectwise"].host
    transport = ProviderHttp({"connectwise": ("127.0.0.1:1",)}, str(running.server.ca_bundle))
    with pytest.raises(Invalid, match="may only call"):
        transport.send("connectwise", connectwise.check(_config(host)))
    with pytest.raises(Invalid):
        ProviderHttp({"connectwise": (host,)}).send("connectwise", HttpRequest("GET", f"http://{host}/x"))
    assert running.server.recorder.of("connectwise") == []


def test_an_armed_429_comes_back_with_its_retry_after_then_the_stand_in_answers_again(running: StandInsThread) -> None:
    server = running.server
    host = server.standins["connectwise"].host
    server.standins["connectwise"].fault.arm(ProviderFault(status=429, count=1, retry_after="7"))
    transport = ProviderHttp({"connectwise": (host,)}, str(server.ca_bundle))
    limited = transport.send("connectwise", connectwise.check(_config(host)))
    assert limited.status == 429 and limited.headers["retry-after"] == "7"
    assert transport.send("connectwise", connectwise.check(_config(host))).status == 200


def test_dev_overrides_add_hosts_and_a_ca_bundle(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    hosts, pem = dev_overrides(
        {"BATON_DEV_ALLOW_HOSTS": "sandbox-na.connectwisedev.com, 127.0.0.1:9443", "BATON_DEV_CA_BUNDLE": str(bundle)}
    )
    assert hosts == ("sandbox-na.connectwisedev.com", "127.0.0.1:9443") and pem.startswith(b"-----BEGIN CERTIFICATE-----")
    bundle.write_text("not a certificate")
    with pytest.raises(SystemExit, match="BATON_DEV_CA_BUNDLE"):
        dev_overrides({"BATON_DEV_CA_BUNDLE": str(bundle)})
