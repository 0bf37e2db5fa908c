"""The team's figures on moto: read from the created index, exact, per account, engineer-or-admin."""

from __future__ import annotations

import pytest

from baton.domain.models import User
from tests.integration.builders import handoff_path, new_handoff
from tests.integration.conftest import ApiClient

STATS = "/api/v1/account/stats"


def test_the_figures_count_the_accounts_escalations_pickups_and_who_picked_them_up(
    api: ApiClient, users: dict[str, User]
) -> None:
    junior, senior, senior2 = users["junior@acme.test"], users["senior@acme.test"], users["senior2@acme.test"]
    # Given three escalations and a park: one picked up by each senior, one still open
    first = new_handoff(api, junior, "escalate")
    second = new_handoff(api, junior, "escalate")
    new_handoff(api, junior, "escalate")
    new_handoff(api, junior, "park")
    api.call("POST", handoff_path(*first, "claim"), senior)
    api.call("POST", handoff_path(*second, "claim"), senior2)
    # And the first put back and picked up again by the other senior: the first pickup counts
    api.call("POST", handoff_path(*first, "release"), senior)
    api.call("POST", handoff_path(*first, "claim"), senior2)
    # When an engineer asks for the week's figures
    reply = api.call("GET", STATS, senior, query={"days": "7"})
    # Then they count escalations only, exactly
    assert reply.status == 200, reply.body
    figures = reply.body
    assert (figures["days"], figures["escalations"], figures["claimed"], figures["overdue"], figures["overdue_now"]) == (
        7,
        3,
        2,
        0,
        0,
    )
    assert 0 <= figures["median_time_to_pickup_s"] <= figures["p90_time_to_pickup_s"] < 60
    assert sorted((c["user_id"], c["claims"]) for c in figures["claims_per_engineer"]) == sorted(
        [(senior.id, 1), (senior2.id, 1)]
    )
    # And another account sees none of it
    other = api.call("GET", STATS, users["senior@globex.test"]).body
    assert (other["escalations"], other["claimed"], other["claims_per_engineer"]) == (0, 0, [])


@pytest.mark.parametrize("days", ["0", "91", "seven", "-1"])
def test_a_window_outside_1_to_90_days_is_a_422(api: ApiClient, users: dict[str, User], days: str) -> None:
    reply = api.call("GET", STATS, users["admin@acme.test"], query={"days": days})
    assert reply.status == 422 and reply.body["detail"]


def test_a_viewer_gets_no_figures(api: ApiClient, users: dict[str, User]) -> None:
    reply = api.call("GET", STATS, users["viewer@acme.test"])
    assert reply.status == 403 and "engineer" in reply.body["detail"]
