"""Attack: a signed-in user without the right to a door hammers its open endpoint to push
everyone else's records out of the door audit log (issue 15, point 2).

What must hold: the user's attempts, refused ones too, are limited per minute (429
door_rate_limited, not recorded); others' records stay and others still open doors; the
audit is read a page at a time and filtered by user, result and time.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.integration.test_doors_api import Client, Site, running_site, summary

LIMIT = 5


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    yield from running_site(tmp_path, f"[security]\ndoor_opens_per_minute = {LIMIT}\n")


async def test_a_flood_of_refused_opens_is_cut_off_and_wipes_nothing(
        site: Site, http: aiohttp.ClientSession) -> None:
    assert site.pbx is not None
    api = Client(http, site.pbx.api_url())
    assert (await api.open("100", "150"))[0] == 200
    answers = [await api.open("101", "150") for _ in range(4 * LIMIT)]
    assert [status for status, _ in answers] == [403] * LIMIT + [429] * 3 * LIMIT
    assert answers[-1][1]["error"] == "door_rate_limited"
    site.pbx.wait_for("door_rate_limited", user="101")
    # The limit is the attacker's alone.
    assert (await api.open("103", "150"))[0] == 200

    everything = await api.audit(limit="500")
    assert summary(everything) == [("103", "150", "opened")] + [
        ("101", "150", "refused")] * LIMIT + [("100", "150", "opened")]

    # Paging: pages of 3 joined are the whole log, and the last page says so.
    pages: list[dict[str, object]] = []
    params = {"limit": "3"}
    while True:
        status, body = await api.call("100", "GET", "/doors/audit", params=params)
        assert status == 200
        pages += body["records"]
        if body["next"] is None:
            break
        params = {"limit": "3", "before": str(body["next"])}
    assert pages == everything

    status, body = await api.call("100", "GET", "/doors/audit", params={"user": "101"})
    assert summary(body["records"]) == [("101", "150", "refused")] * LIMIT
    assert [r["user"] for r in await api.audit(result="opened")] == ["103", "100"]
    oldest = everything[-1]["at"]
    assert await api.audit(since="2999-01-01T00:00:00Z") == []
    assert await api.audit(until=oldest) == []
    assert len(await api.audit(since=oldest)) == len(everything)
    status, body = await api.call("100", "GET", "/doors/audit", params={"since": "yesterday"})
    assert (status, body["field"]) == (422, "since")
