"""Doors through the client API, with real parts: the PBX daemon as a subprocess, the door
simulator's relay as the door, a SIP registration of the door account, SQLite on disk.

What a user (or an administrator) would check: the right people open the door and the
door's own relay log shows it; others get a reason and the relay is untouched; the audit
log says who tried what, survives a restart, and only administrators read it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.helpers.doorsim import DoorsimProcess, door_toml
from tests.helpers.pbxproc import PbxProcess, free_port, write_config
from tests.helpers.sipclient import SipClient

API = "/api/v1"
RELAY_AUTH = aiohttp.encode_basic_auth("door", "opensesame")


def doors_config(sim_port: int) -> str:
    """150 opens through the door simulator's relay; 151's relay refuses the PBX's
    password; 152 has no relay."""
    admins = {"open_roles": ("admin",), "open_users": ()}
    return (door_toml(sim_port, department="Empfang", open_roles=("admin",))
            + door_toml(sim_port, number="151", name="Hoftor", video=False,
                        relay_password="not-the-password", **admins)
            + door_toml(None, number="152", name="Kellertür", **admins))


class Site:
    """A PBX with doors 150-152 and the door simulator as the relay of 150 and 151."""

    def __init__(self, tmp_path: Path, security: str = "") -> None:
        self.doorsim = DoorsimProcess()
        self.sip_port = free_port()
        self.config = write_config(tmp_path / "pbx.toml", sip_port=self.sip_port,
                                   rtp_base=24000 + (self.sip_port % 40) * 200,
                                   extra=security + doors_config(self.doorsim.port))
        self.data_dir = tmp_path / "data"
        self.pbx: PbxProcess | None = None

    def start_pbx(self) -> str:
        self.pbx = PbxProcess(self.config, self.data_dir, sip_port=self.sip_port).start()
        return self.pbx.api_url()

    def stop_pbx(self) -> None:
        if self.pbx is not None:
            pbx, self.pbx = self.pbx, None
            assert pbx.stop() == 0


def running_site(tmp_path: Path, security: str = "") -> Iterator[Site]:
    """A Site with the door simulator and the PBX running, stopped afterwards."""
    s = Site(tmp_path, security)
    s.doorsim.start()
    try:
        s.start_pbx()
        yield s
    finally:
        s.stop_pbx()
        s.doorsim.stop()


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    yield from running_site(tmp_path)


class Client:
    def __init__(self, http: aiohttp.ClientSession, url: str) -> None:
        self.http = http
        self.url = url + API
        self.tokens: dict[str, str] = {}

    async def sign_in(self, user: str, password: str | None = None) -> tuple[int, Any]:
        async with self.http.post(self.url + "/auth/token", json={
                "user": user, "password": password or f"pw{user}"}) as r:
            body = await r.json()
            if r.status == 200:
                self.tokens[user] = body["token"]
            return r.status, body

    async def call(self, user: str, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        if user not in self.tokens:
            status, body = await self.sign_in(user)
            assert status == 200, body
        headers = {"Authorization": f"Bearer {self.tokens[user]}"}
        async with self.http.request(method, self.url + path, headers=headers, **kwargs) as r:
            assert r.content_type == "application/json", await r.text()
            return r.status, await r.json()

    async def open(self, user: str, door: str) -> tuple[int, Any]:
        return await self.call(user, "POST", f"/doors/{door}/open")

    async def audit(self, user: str = "100", **params: str) -> list[dict[str, Any]]:
        status, body = await self.call(user, "GET", "/doors/audit", params=params)
        assert status == 200, body
        return list(body["records"])


async def relay_log(http: aiohttp.ClientSession, sim: DoorsimProcess) -> list[dict[str, Any]]:
    async with http.get(sim.url + "/relay/log", headers={"Authorization": RELAY_AUTH}) as r:
        assert r.status == 200
        return list((await r.json())["openings"])


def summary(records: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(r["user"], r["door"], r["result"]) for r in records]


async def test_allowed_users_open_the_door_and_the_audit_says_so(
        site: Site, http: aiohttp.ClientSession) -> None:
    assert site.pbx is not None
    api = Client(http, site.pbx.api_url())
    # 100 by role (admin), 103 by name (open_users), though only a "user".
    for user in ("100", "103"):
        status, body = await api.open(user, "150")
        assert (status, body) == (200, {"door": "150", "opened": True, "seconds": 3.0})
    openings = await relay_log(http, site.doorsim)
    assert [o["by"] for o in openings] == ["door", "door"]   # the PBX's relay account
    records = await api.audit()
    assert summary(records) == [("103", "150", "opened"), ("100", "150", "opened")]
    assert all(r["at"].endswith("Z") and r["reason"] == "" for r in records)
    logged = site.pbx.wait_for("door_open", user="103")
    assert (logged["door"], logged["result"]) == ("150", "opened")


async def test_a_user_without_the_right_gets_the_reason_and_the_relay_is_untouched(
        site: Site, http: aiohttp.ClientSession) -> None:
    assert site.pbx is not None
    api = Client(http, site.pbx.api_url())
    status, body = await api.open("101", "150")
    assert status == 403
    assert body == {"error": "door_forbidden", "message": "Vertrieb (101) may not open "
                    "Haustür: allowed are role admin and extension 103"}
    assert await relay_log(http, site.doorsim) == []
    [record] = await api.audit()
    assert summary([record]) == [("101", "150", "refused")]
    assert record["reason"] == body["message"]


async def test_relay_failures_are_502_409_and_audited(site: Site,
                                                      http: aiohttp.ClientSession) -> None:
    assert site.pbx is not None
    api = Client(http, site.pbx.api_url())
    status, body = await api.open("100", "151")      # the PBX has the wrong relay password
    assert (status, body["error"]) == (502, "door_refused")
    site.doorsim.wait_for("relay_denied")
    status, body = await api.open("100", "152")      # no relay configured
    assert (status, body["error"]) == (409, "door_no_relay")
    status, body = await api.open("100", "159")
    assert (status, body["error"]) == (404, "unknown_door")
    site.doorsim.stop()
    status, body = await api.open("100", "150")      # the door station is down
    assert (status, body["error"]) == (502, "door_unreachable")
    records = await api.audit()
    assert summary(records) == [("100", "150", "failed"), ("100", "152", "failed"),
                                ("100", "151", "failed")]
    assert records[0]["reason"].startswith("door_unreachable")
    assert records[2]["reason"].startswith("door_refused")


async def test_audit_is_for_admins_filtered_and_survives_a_restart(
        site: Site, http: aiohttp.ClientSession) -> None:
    assert site.pbx is not None
    api = Client(http, site.pbx.api_url())
    for user, door in (("100", "150"), ("101", "150"), ("100", "152"), ("103", "150")):
        await api.open(user, door)
    status, body = await api.call("103", "GET", "/doors/audit")
    assert (status, body["error"]) == (403, "forbidden")
    status, body = await api.call("100", "GET", "/doors/audit", params={"limit": "501"})
    assert (status, body["field"]) == (422, "limit")
    assert summary(await api.audit(door="150", limit="2")) == [
        ("103", "150", "opened"), ("101", "150", "refused")]
    before = await api.audit()
    assert len(before) == 4
    site.stop_pbx()
    api = Client(http, site.start_pbx())
    assert await api.audit() == before


async def test_directory_shows_doors_for_the_asking_user(site: Site,
                                                         http: aiohttp.ClientSession) -> None:
    assert site.pbx is not None
    api = Client(http, site.pbx.api_url())
    door = {"type": "door", "number": "150", "name": "Haustür", "department": "Empfang",
            "presence": "offline", "has_video": True, "access": None,
            "participant_control": None, "participants": None}
    for user, may in (("100", True), ("101", False), ("103", True)):
        status, body = await api.call(user, "GET", "/directory", params={"type": "door"})
        assert status == 200
        assert [e["number"] for e in body["entries"]] == ["150", "151", "152"]  # by name
        assert body["entries"][0] == {**door, "can_open": may}
    # The door station registers like a phone: now it is "available".
    sip = SipClient(("127.0.0.1", site.sip_port))
    try:
        response = sip.register("150", "pw150")
        assert response is not None and response.status == 200
    finally:
        sip.close()
    _, body = await api.call("101", "GET", "/directory", params={"q": "haustur"})
    assert [(e["number"], e["presence"]) for e in body["entries"]] == [("150", "available")]
    _, body = await api.call("101", "GET", "/directory", params={"type": "user"})
    assert [e["number"] for e in body["entries"]] == ["102", "100", "103", "101"]
    assert all(e["can_open"] is None and e["has_video"] is None for e in body["entries"])
    status, body = await api.call("101", "POST", "/me/favorites", json={"number": "150"})
    assert (status, body) == (200, {"favorites": ["150"]})
    _, me = await api.call("101", "GET", "/me")
    assert (me["type"], me["number"], me["can_open"]) == ("user", "101", None)


async def test_door_accounts_cannot_sign_in_and_are_not_banned_for_trying(
        tmp_path: Path, http: aiohttp.ClientSession) -> None:
    s = Site(tmp_path, security="[security]\nban_failures = 3\nban_window = 60\n")
    try:
        api = Client(http, s.start_pbx())
        for _ in range(4):      # more than ban_failures: the right password is no failure
            status, body = await api.sign_in("150")
            assert status == 403
            assert body["error"] == "forbidden" and "Door stations" in body["message"]
        status, body = await api.sign_in("150", "wrong")
        assert (status, body["error"]) == (401, "invalid_credentials")
        status, _ = await api.sign_in("101")
        assert status == 200
    finally:
        s.stop_pbx()
