"""Ring groups through the client API over loopback: a real server, real SQLite files.

Members log out of a group and in again, an administrator changes the group's settings
and logs members in or out; what a user would check is what GET shows, and that it is
still so after the server restarts on the same data directory.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.helpers.apiserver import PASSWORDS, ApiHarness, api_config
from tests.integration.test_api import receive_json

API = "/api/v1"
GROUPS = """
[[ring_groups]]
number = "300"
name = "Hotline"
members = ["100", "101"]
timeout = 20
no_answer = "102"
"""


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[ApiHarness]:
    h = ApiHarness(tmp_path, config=api_config(GROUPS))
    await h.start()
    yield h
    await h.stop()


class Client:
    """The API as one signed-in user."""

    def __init__(self, http: aiohttp.ClientSession, url: str, token: str) -> None:
        self.http, self.url, self.token = http, url, token

    @classmethod
    async def sign_in(cls, http: aiohttp.ClientSession, url: str, user: str) -> Client:
        async with http.post(url + API + "/auth/token",
                             json={"user": user, "password": PASSWORDS[user]}) as r:
            assert r.status == 200, await r.text()
            return cls(http, url, str((await r.json())["token"]))

    async def __call__(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        headers = {**kwargs.pop("headers", {}), "Authorization": f"Bearer {self.token}"}
        async with self.http.request(method, self.url + API + path, headers=headers,
                                     **kwargs) as r:
            assert r.content_type == "application/json"
            return r.status, await r.json()


def logged_in(group: dict[str, Any]) -> dict[str, bool]:
    return {m["number"]: m["logged_in"] for m in group["members"]}


async def test_a_member_logs_out_and_in_and_it_survives_a_restart(
        harness: ApiHarness, http: aiohttp.ClientSession) -> None:
    anna = await Client.sign_in(http, harness.url, "100")
    status, group = await anna("GET", "/ring-groups/300")
    assert status == 200
    assert group == {"number": "300", "name": "Hotline",
                     "members": [{"number": "100", "logged_in": True},
                                 {"number": "101", "logged_in": True}],
                     "settings": {"strategy": "ring-all", "timeout": 20, "ring_time": 15,
                                  "busy_on_busy": False},
                     "no_answer": "102", "busy": None}

    status, group = await anna("DELETE", "/ring-groups/300/members/me/login")
    assert (status, logged_in(group)) == (200, {"100": False, "101": True})
    status, again = await anna("DELETE", "/ring-groups/300/members/me/login")
    assert (status, again) == (200, group), "logging out twice changes nothing"

    await harness.stop()
    await harness.start()
    anna = await Client.sign_in(http, harness.url, "100")
    status, group = await anna("GET", "/ring-groups/300")
    assert logged_in(group) == {"100": False, "101": True}, "lost on restart"

    status, group = await anna("PUT", "/ring-groups/300/members/me/login")
    assert (status, logged_in(group)) == (200, {"100": True, "101": True})


async def test_only_members_log_themselves_in_and_only_admins_others(
        harness: ApiHarness, http: aiohttp.ClientSession) -> None:
    jose = await Client.sign_in(http, harness.url, "102")        # not a member
    bernd = await Client.sign_in(http, harness.url, "101")       # a member
    admin = await Client.sign_in(http, harness.url, "200")       # admin, not a member

    status, body = await jose("DELETE", "/ring-groups/300/members/me/login")
    assert (status, body["error"]) == (403, "not_a_member")
    status, body = await admin("PUT", "/ring-groups/300/members/me/login")
    assert (status, body["error"]) == (403, "not_a_member")
    status, body = await bernd("DELETE", "/ring-groups/300/members/100/login")
    assert (status, body["error"]) == (403, "forbidden"), "a member may not log out others"

    status, group = await bernd("DELETE", "/ring-groups/300/members/101/login")
    assert (status, logged_in(group)) == (200, {"100": True, "101": False}), \
        "a member may name their own number"
    status, group = await admin("DELETE", "/ring-groups/300/members/100/login")
    assert (status, logged_in(group)) == (200, {"100": False, "101": False})
    status, group = await admin("PUT", "/ring-groups/300/members/101/login")
    assert (status, logged_in(group)) == (200, {"100": False, "101": True})

    status, body = await admin("PUT", "/ring-groups/300/members/102/login")
    assert (status, body["error"]) == (404, "unknown_member")
    status, body = await admin("GET", "/ring-groups/301")
    assert (status, body["error"]) == (404, "unknown_group")
    status, body = await admin("GET", "/ring-groups/101")
    assert (status, body["error"]) == (404, "unknown_group"), "an extension is no group"


async def test_admins_change_settings_checked_field_by_field(
        harness: ApiHarness, http: aiohttp.ClientSession) -> None:
    bernd = await Client.sign_in(http, harness.url, "101")
    admin = await Client.sign_in(http, harness.url, "200")

    status, body = await bernd("PATCH", "/ring-groups/300", json={"strategy": "hunt"})
    assert (status, body["error"]) == (403, "forbidden")

    for patch, field, code in [
        ({"strategy": "random"}, "strategy", "invalid_value"),
        ({"strategy": 1}, "strategy", "invalid_type"),
        ({"timeout": 4}, "timeout", "invalid_value"),
        ({"ring_time": 121}, "ring_time", "invalid_value"),
        ({"ring_time": 7.5}, "ring_time", "invalid_type"),
        ({"busy_on_busy": "yes"}, "busy_on_busy", "invalid_type"),
        ({"strategy": "hunt", "members": ["102"]}, "members", "unknown_field"),
    ]:
        status, body = await admin("PATCH", "/ring-groups/300", json=patch)
        assert (status, body["error"], body["field"]) == (422, code, field), patch
        assert field in body["message"]
    status, group = await admin("GET", "/ring-groups/300")
    assert group["settings"]["strategy"] == "ring-all", "a refused PATCH stores nothing"

    status, group = await admin("PATCH", "/ring-groups/300",
                                json={"strategy": "hunt", "ring_time": 8})
    assert status == 200
    assert group["settings"] == {"strategy": "hunt", "timeout": 20, "ring_time": 8,
                                 "busy_on_busy": False}
    status, body = await admin("PATCH", "/ring-groups/300", data=b"{nope",
                               headers={"Content-Type": "application/json"})
    assert (status, body["error"]) == (400, "malformed_json")

    await harness.stop()
    await harness.start()
    bernd = await Client.sign_in(http, harness.url, "101")
    status, group = await bernd("GET", "/ring-groups/300")
    assert group["settings"]["strategy"] == "hunt", "settings lost on restart"
    assert group["settings"]["ring_time"] == 8


async def test_members_hear_of_changes_on_the_events_socket(
        harness: ApiHarness, http: aiohttp.ClientSession) -> None:
    anna = await Client.sign_in(http, harness.url, "100")        # a member
    jose = await Client.sign_in(http, harness.url, "102")        # not a member
    admin = await Client.sign_in(http, harness.url, "200")
    url = harness.url + API + "/events"
    async with http.ws_connect(url, params={"token": anna.token}) as member, \
            http.ws_connect(url, params={"token": jose.token}) as other:
        for ws in (member, other):
            assert (await receive_json(ws))["type"] == "snapshot"
        await admin("DELETE", "/ring-groups/300/members/101/login")
        event = await receive_json(member)
        assert event["type"] == "ring_group"
        assert logged_in(event["group"]) == {"100": True, "101": False}
        await admin("PATCH", "/ring-groups/300", json={"busy_on_busy": True})
        event = await receive_json(member)
        assert event["group"]["settings"]["busy_on_busy"] is True
        # José is no member: the next thing he gets is his own settings, not the two
        # group events before it.
        await jose("PATCH", "/me/settings", json={"dnd": True})
        assert (await receive_json(other))["type"] == "settings"
