"""Shared lines through the client API over loopback (a real server): members and
administrators see the line, others get 403; the owner and administrators switch
barge-in and the tone, checked field by field; members hear of it on the events socket;
only administrators read the audit log."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.helpers.apiserver import ApiHarness, api_config
from tests.integration.test_api import receive_json
from tests.integration.test_ring_groups_api import API, Client

LINE = """
[[shared_lines]]
number = "250"
name = "Geschäftsführung"
members = ["100", "101"]
warning_tone = "repeat"
appearances = 4
"""


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[ApiHarness]:
    h = ApiHarness(tmp_path, config=api_config(LINE))
    await h.start()
    yield h
    await h.stop()


async def test_members_and_admins_see_the_line_others_get_403(
        harness: ApiHarness, http: aiohttp.ClientSession) -> None:
    owner = await Client.sign_in(http, harness.url, "100")
    admin = await Client.sign_in(http, harness.url, "200")
    other = await Client.sign_in(http, harness.url, "102")
    status, line = await owner("GET", "/shared-lines/250")
    assert status == 200
    assert (line["name"], line["members"], line["barge_in"], line["warning_tone"],
            line["warning_interval"]) == ("Geschäftsführung", ["100", "101"], True, "repeat", 30)
    assert line["appearances"][3] == {"index": 4, "state": "idle", "member": None,
                                      "party": None}
    assert (await admin("GET", "/shared-lines/250"))[0] == 200
    status, body = await other("GET", "/shared-lines/250")
    assert (status, body["error"]) == (403, "not_a_member")
    assert (await owner("GET", "/shared-lines/251"))[0] == 404


@pytest.mark.parametrize(("patch", "field"), [
    ({"barge_in": "no"}, "barge_in"), ({"warning_tone": "beep"}, "warning_tone"),
    ({"warning_interval": 4}, "warning_interval"), ({"tone": "once"}, "tone"),
])
async def test_bad_settings_are_422_naming_the_field_and_change_nothing(
        harness: ApiHarness, http: aiohttp.ClientSession, patch: dict[str, object],
        field: str) -> None:
    owner = await Client.sign_in(http, harness.url, "100")
    status, body = await owner("PATCH", "/shared-lines/250",
                               json={"barge_in": False, **patch})
    assert (status, body["field"]) == (422, field)
    assert (await owner("GET", "/shared-lines/250"))[1]["barge_in"] is True


async def test_owner_and_admins_switch_barge_in_and_members_hear_of_it(
        harness: ApiHarness, http: aiohttp.ClientSession) -> None:
    owner = await Client.sign_in(http, harness.url, "100")
    member = await Client.sign_in(http, harness.url, "101")
    admin = await Client.sign_in(http, harness.url, "200")
    status, body = await member("PATCH", "/shared-lines/250", json={"barge_in": False})
    assert (status, body["error"]) == (403, "forbidden")
    async with http.ws_connect(harness.url + API + "/events",
                               params={"token": member.token}) as ws:
        assert (await receive_json(ws))["type"] == "snapshot"
        status, line = await owner("PATCH", "/shared-lines/250",
                                   json={"barge_in": False, "warning_tone": "once"})
        assert (status, line["barge_in"], line["warning_tone"]) == (200, False, "once")
        event = await receive_json(ws)
        assert event["type"] == "shared_line" and event["line"]["barge_in"] is False
        status, line = await admin("PATCH", "/shared-lines/250", json={"warning_interval": 60})
        assert (status, line["warning_interval"]) == (200, 60)
        assert (await receive_json(ws))["line"]["warning_interval"] == 60


async def test_only_admins_read_the_audit_log(
        harness: ApiHarness, http: aiohttp.ClientSession) -> None:
    owner = await Client.sign_in(http, harness.url, "100")
    admin = await Client.sign_in(http, harness.url, "200")
    assert (await owner("GET", "/shared-lines/250/audit"))[0] == 403
    assert await admin("GET", "/shared-lines/250/audit") == (200, {"records": []})
    assert (await admin("GET", "/shared-lines/250/audit?limit=0"))[0] == 422
