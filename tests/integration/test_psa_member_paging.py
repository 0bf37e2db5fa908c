"""Members listed as each PSA pages them, through the API handler on moto against the loopback stand-ins: Autotask's
`Resources/query` answers 500 at most and names its next page (`pageDetails.nextPageUrl`); HaloPSA's `/api/Agent`
is paged by `page_no` and `page_size`. With more members than one page, the ones on the last page are mapped too."""

from __future__ import annotations

from typing import Any

import pytest

from baton.domain.models import User
from local.providers.autotask import API_RESOURCE, KEYS, AutotaskStandIn
from local.providers.halopsa import API_AGENT, CLIENTS, HaloStandIn
from local.providers.server import ProviderServer
from tests.integration.conftest import ApiClient

EXTRA = 1_200  # more than two of Autotask's pages (500) and many of Halo's (baton asks 100 a page)


def _autotask(server: ProviderServer) -> dict[str, Any]:
    standin = server.standins["autotask"]
    assert isinstance(standin, AutotaskStandIn)
    tenant = standin.tenants["acme"]
    known = tenant.resources
    crowd = [
        {"id": 29700000 + n, "firstName": "Tech", "lastName": str(n), "email": f"tech{n}@acme.test", "isActive": True}
        for n in range(EXTRA)
    ]
    tenant.resources = crowd + known  # baton's members come last: on the last page
    integration_code, username, secret = KEYS["acme"]
    return {
        "settings": {
            "zone_url": standin.zone_url,
            "escalation_status_id": 14,
            "resource_role_id": 29683459,
            "api_resource_id": API_RESOURCE["acme"],
        },
        "secrets": {"integration_code": integration_code, "username": username, "secret": secret},
    }


def _halopsa(server: ProviderServer) -> dict[str, Any]:
    standin = server.standins["halopsa"]
    assert isinstance(standin, HaloStandIn)
    instance = standin.instances["acme"]
    crowd = [{"id": 5000 + n, "name": f"Tech {n}", "email": f"tech{n}@acme.test", "isdisabled": False} for n in range(EXTRA)]
    instance.agents = crowd + instance.agents
    client_id, client_secret = CLIENTS["acme"]
    return {
        "settings": {"base_url": standin.url, "escalation_status_id": 21, "api_agent_id": API_AGENT["acme"]},
        "secrets": {"client_id": client_id, "client_secret": client_secret},
    }


@pytest.mark.parametrize(
    ("name", "body_of", "senior_id", "pages"),
    [("autotask", _autotask, "29680001", 3), ("halopsa", _halopsa, "11", 13)],
)
def test_members_beyond_the_first_page_are_listed_and_mapped(
    api: ApiClient, users: dict[str, User], standins: ProviderServer, name: str, body_of: Any, senior_id: str, pages: int
) -> None:
    # Given a PSA with 1,200 more members than baton's, baton's own listed last
    body = body_of(standins)
    # When acme's owner connects it
    reply = api.call("PUT", f"/api/v1/account/connectors/{name}", users["owner@acme.test"], body)
    assert reply.status == 200, reply.body
    # Then every member was read, page after page as the PSA pages them, and the senior on the last page is mapped
    members = api.call("GET", f"/api/v1/account/connectors/{name}/members", users["owner@acme.test"]).body
    mapped = {row["email"]: row["external_id"] for row in members["members"]}
    assert mapped["senior@acme.test"] == senior_id
    assert len(members["directory"]) == EXTRA + 5
    listed = [c for c in standins.recorder.of(name) if "/Resources/query" in c["path"] or c["path"] == "/api/Agent"]
    assert len(listed) == pages and all(c["answered"] == 200 and c["auth_ok"] for c in listed)
