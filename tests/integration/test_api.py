"""The client API over loopback: a real aiohttp server, a real client, a real users DB.

Presence is faked (tests/helpers/apiserver.py); everything else is what the daemon runs.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from softphone.common.directory import Presence
from tests.helpers.apiserver import PASSWORDS, ApiHarness
from tests.helpers.certs import self_signed

API = "/api/v1"


class MovableClock:
    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
async def harness(tmp_path: Path, clock: MovableClock) -> AsyncIterator[ApiHarness]:
    h = ApiHarness(tmp_path, clock=clock)
    await h.start()
    yield h
    await h.stop()


async def login(http: aiohttp.ClientSession, url: str, user: str) -> str:
    async with http.post(url + API + "/auth/token",
                         json={"user": user, "password": PASSWORDS[user]}) as r:
        assert r.status == 200, await r.text()
        return str((await r.json())["token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def call(http: aiohttp.ClientSession, method: str, url: str, token: str | None = None,
               **kwargs: Any) -> tuple[int, Any]:
    headers = {**kwargs.pop("headers", {}), **(bearer(token) if token else {})}
    async with http.request(method, url, headers=headers, **kwargs) as r:
        assert r.content_type == "application/json"
        return r.status, await r.json()


async def test_sign_in_with_sip_credentials(harness: ApiHarness,
                                            http: aiohttp.ClientSession) -> None:
    status, body = await call(http, "POST", harness.url + API + "/auth/token",
                              json={"user": "200", "password": "admin-pw"})
    assert status == 200
    assert body["expires_in"] == 3600
    assert body["user"] == {"number": "200", "name": "Reception", "role": "admin"}
    status, me = await call(http, "GET", harness.url + API + "/me", body["token"])
    assert status == 200
    assert me == {"type": "user", "number": "200", "name": "Reception", "department": "",
                  "presence": "offline", "can_open": None, "has_video": None,
                  "access": None, "participant_control": None, "participants": None}


async def test_wrong_password_and_unknown_user_look_the_same(
        harness: ApiHarness, http: aiohttp.ClientSession) -> None:
    url = harness.url + API + "/auth/token"
    wrong = await call(http, "POST", url, json={"user": "101", "password": "nope"})
    unknown = await call(http, "POST", url, json={"user": "999", "password": "nope"})
    assert wrong == unknown == (401, {"error": "invalid_credentials",
                                      "message": "Wrong user name or password"})


@pytest.mark.parametrize(("body", "status", "code"), [
    (b"{nope", 400, "malformed_json"),
    (b"", 400, "malformed_json"),
    (b"\xff\xfe", 400, "malformed_json"),
    (b'{"user": NaN, "password": "x"}', 400, "malformed_json"),
    (b"[]", 422, "invalid_request"),
    (b'{"user": 101, "password": "x"}', 422, "invalid_type"),
    (b'{"user": "101"}', 422, "missing_field"),
    (b'{"user": "101", "password": "x", "otp": 1}', 422, "unknown_field"),
])
async def test_bad_sign_in_bodies(harness: ApiHarness, http: aiohttp.ClientSession,
                                  body: bytes, status: int, code: str) -> None:
    got, answer = await call(http, "POST", harness.url + API + "/auth/token", data=body,
                             headers={"Content-Type": "application/json"})
    assert (got, answer["error"]) == (status, code)
    assert answer["message"]


async def test_endpoints_need_a_valid_token(harness: ApiHarness, http: aiohttp.ClientSession,
                                            clock: MovableClock) -> None:
    url = harness.url + API + "/me/settings"
    status, body = await call(http, "GET", url)
    assert (status, body["error"]) == (401, "missing_token")
    assert "Authorization: Bearer" in body["message"]
    status, body = await call(http, "GET", url, "forged.token")
    assert (status, body["error"]) == (401, "invalid_token")
    async with http.get(url, headers={"Authorization": "Basic eDp5"}) as r:
        assert r.status == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
    token = await login(http, harness.url, "101")
    clock.offset = 3600
    status, body = await call(http, "GET", url, token)
    assert (status, body["error"]) == (401, "token_expired")


async def test_unknown_route_and_wrong_method_are_json(harness: ApiHarness,
                                                       http: aiohttp.ClientSession) -> None:
    token = await login(http, harness.url, "101")
    status, body = await call(http, "GET", harness.url + API + "/nothing", token)
    assert (status, body["error"]) == (404, "not_found")
    async with http.delete(harness.url + API + "/me/settings", headers=bearer(token)) as r:
        assert r.status == 405
        assert set(r.headers["Allow"].split(",")) == {"GET", "PATCH"}
        assert (await r.json())["error"] == "method_not_allowed"


async def test_directory_search(harness: ApiHarness, http: aiohttp.ClientSession) -> None:
    token = await login(http, harness.url, "101")
    harness.presence.states["100"] = Presence.BUSY
    url = harness.url + API + "/directory"
    status, body = await call(http, "GET", url, token)
    assert status == 200
    assert [e["number"] for e in body["entries"]] == ["100", "101", "102", "200"]
    _, body = await call(http, "GET", url, token, params={"q": "mueller"})
    assert body["entries"] == [{"type": "user", "number": "100", "name": "Anna Müller",
                                "department": "Sales", "presence": "busy", "can_open": None,
                                "has_video": None, "access": None,
                                "participant_control": None, "participants": None}]
    _, body = await call(http, "GET", url, token, params={"q": "10", "type": "user"})
    assert [e["number"] for e in body["entries"]] == ["100", "101", "102"]
    _, body = await call(http, "GET", url, token, params={"type": "door"})
    assert body["entries"] == []
    status, body = await call(http, "GET", url, token, params={"type": "robot"})
    assert (status, body["field"]) == (422, "type")
    assert "'robot' is not an entry type" in body["message"]


async def test_favorites_round_trip_and_survive_restart(harness: ApiHarness,
                                                        http: aiohttp.ClientSession) -> None:
    token = await login(http, harness.url, "101")
    url = harness.url + API + "/me/favorites"
    assert await call(http, "GET", url, token) == (200, {"favorites": []})
    assert await call(http, "PUT", url, token, json={"favorites": ["102", "100"]}) == (
        200, {"favorites": ["102", "100"]})
    assert await call(http, "POST", url, token, json={"number": "200"}) == (
        200, {"favorites": ["102", "100", "200"]})
    assert await call(http, "POST", url, token, json={"number": "102"}) == (
        200, {"favorites": ["102", "100", "200"]})
    assert await call(http, "DELETE", url + "/100", token) == (
        200, {"favorites": ["102", "200"]})
    status, body = await call(http, "PUT", url, token, json={"favorites": ["102", "555"]})
    assert (status, body["error"], body["number"]) == (422, "unknown_number", "555")
    assert "555" in body["message"]
    status, body = await call(http, "PUT", url, token, json={"favorites": ["102", "102"]})
    assert (status, body["error"]) == (422, "duplicate_number")
    status, body = await call(http, "PUT", url, token, json={"favorites": "102"})
    assert (status, body["error"]) == (422, "invalid_type")

    await harness.stop()
    await harness.start()
    token = await login(http, harness.url, "101")
    url = harness.url + API + "/me/favorites"
    assert await call(http, "GET", url, token) == (200, {"favorites": ["102", "200"]})
    other = await login(http, harness.url, "102")
    assert await call(http, "GET", url, other) == (200, {"favorites": []})


async def test_settings_validation_and_dnd_reaches_presence(
        harness: ApiHarness, http: aiohttp.ClientSession) -> None:
    token = await login(http, harness.url, "101")
    url = harness.url + API + "/me/settings"
    status, body = await call(http, "GET", url, token)
    assert (status, body) == (200, {"dnd": False, "call_waiting": True, "forward_always": None,
                                    "forward_busy": None, "forward_no_answer": None,
                                    "forward_no_answer_after": 20, "busy_on_busy": False})
    status, body = await call(http, "PATCH", url, token,
                              json={"dnd": True, "forward_no_answer": "102"})
    assert status == 200 and body["dnd"] is True and body["forward_no_answer"] == "102"
    assert harness.presence.settings_changes == ["101"]
    assert harness.users is not None and harness.users.settings("101").dnd is True
    for patch, field in [({"forward_busy": "101"}, "forward_busy"),
                         ({"forward_no_answer_after": 3}, "forward_no_answer_after"),
                         ({"dnd": "on"}, "dnd"), ({"password": "x"}, "password")]:
        status, body = await call(http, "PATCH", url, token, json=patch)
        assert (status, body["field"]) == (422, field), body
    # A refused request changes nothing, even its valid fields.
    status, body = await call(http, "PATCH", url, token,
                              json={"call_waiting": False, "forward_busy": "999"})
    assert status == 422
    _, body = await call(http, "GET", url, token)
    assert body["call_waiting"] is True and body["forward_busy"] is None


async def test_users_see_only_their_own_settings_admins_all(
        harness: ApiHarness, http: aiohttp.ClientSession) -> None:
    user = await login(http, harness.url, "101")
    admin = await login(http, harness.url, "200")
    url = harness.url + API + "/users/{}/settings"
    status, body = await call(http, "GET", url.format("102"), user)
    assert (status, body["error"]) == (403, "forbidden")
    status, _ = await call(http, "PATCH", url.format("102"), user, json={"dnd": True})
    assert status == 403
    assert (await call(http, "GET", url.format("101"), user))[0] == 200
    status, body = await call(http, "PATCH", url.format("102"), admin,
                              json={"forward_always": "100"})
    assert (status, body["forward_always"]) == (200, "100")
    status, body = await call(http, "GET", url.format("102"), admin)
    assert body["forward_always"] == "100"
    status, body = await call(http, "GET", url.format("555"), admin)
    assert (status, body["error"]) == (404, "unknown_user")
    status, body = await call(http, "PATCH", url.format("102"), admin,
                              json={"forward_always": "102"})
    assert (status, body["error"]) == (422, "invalid_value")


async def receive_json(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    message = await asyncio.wait_for(ws.receive(), 5)
    assert message.type == aiohttp.WSMsgType.TEXT, message
    data: dict[str, Any] = message.json()
    return data


async def test_events_snapshot_presence_and_favorites_on_other_devices(
        harness: ApiHarness, http: aiohttp.ClientSession) -> None:
    token = await login(http, harness.url, "101")
    harness.presence.states["102"] = Presence.RINGING
    url = harness.url + API + "/events"
    async with http.ws_connect(url, headers=bearer(token)) as desk, \
            http.ws_connect(url, params={"token": token}) as laptop:
        for ws in (desk, laptop):
            snapshot = await receive_json(ws)
            assert snapshot["type"] == "snapshot"
            assert snapshot["presence"]["102"] == "ringing"
            assert snapshot["favorites"] == [] and snapshot["settings"]["dnd"] is False
        harness.presence.set("100", Presence.AVAILABLE, since=1234.5)
        for ws in (desk, laptop):
            assert await receive_json(ws) == {"type": "presence", "number": "100",
                                              "presence": "available", "since": 1234.5}
        await call(http, "PUT", harness.url + API + "/me/favorites", token,
                   json={"favorites": ["100"]})
        await call(http, "PATCH", harness.url + API + "/me/settings", token,
                   json={"busy_on_busy": True})
        for ws in (desk, laptop):
            assert await receive_json(ws) == {"type": "favorites", "favorites": ["100"]}
            settings = await receive_json(ws)
            assert settings["type"] == "settings"
            assert settings["settings"]["busy_on_busy"] is True


async def test_events_refuse_missing_and_expired_tokens(
        harness: ApiHarness, http: aiohttp.ClientSession, clock: MovableClock) -> None:
    url = harness.url + API + "/events"
    with pytest.raises(aiohttp.WSServerHandshakeError) as info:
        await http.ws_connect(url)
    assert info.value.status == 401
    token = await login(http, harness.url, "101")
    clock.offset = 3601
    with pytest.raises(aiohttp.WSServerHandshakeError) as info:
        await http.ws_connect(url, headers=bearer(token))
    assert info.value.status == 401
    status, body = await call(http, "GET", url, token)     # plain GET, no upgrade
    assert (status, body["error"]) == (401, "token_expired")


async def test_events_close_4001_when_the_token_expires(
        harness: ApiHarness, http: aiohttp.ClientSession, clock: MovableClock) -> None:
    token = await login(http, harness.url, "101")
    clock.offset = 3600 - 0.3
    async with http.ws_connect(harness.url + API + "/events", headers=bearer(token)) as ws:
        assert (await receive_json(ws))["type"] == "snapshot"
        message = await asyncio.wait_for(ws.receive(), 5)
        assert message.type == aiohttp.WSMsgType.CLOSE
        assert (ws.close_code, message.extra) == (4001, "token expired")


async def test_plain_get_of_events_says_upgrade(harness: ApiHarness,
                                                http: aiohttp.ClientSession) -> None:
    token = await login(http, harness.url, "101")
    status, body = await call(http, "GET", harness.url + API + "/events", token)
    assert (status, body["error"]) == (426, "upgrade_required")


async def test_shutdown_closes_websockets_with_1001(harness: ApiHarness,
                                                   http: aiohttp.ClientSession) -> None:
    token = await login(http, harness.url, "101")
    async with http.ws_connect(harness.url + API + "/events", headers=bearer(token)) as ws:
        await receive_json(ws)
        stopping = asyncio.create_task(harness.stop())
        message = await asyncio.wait_for(ws.receive(), 5)
        assert message.type == aiohttp.WSMsgType.CLOSE and ws.close_code == 1001
        await stopping


async def test_failed_sign_ins_get_the_address_banned(tmp_path: Path,
                                                      http: aiohttp.ClientSession) -> None:
    harness = ApiHarness(tmp_path, ban_failures=3)
    await harness.start()
    try:
        url = harness.url + API + "/auth/token"
        for _ in range(2):
            status, _ = await call(http, "POST", url, json={"user": "101", "password": "x"})
            assert status == 401
        async with http.post(url, json={"user": "101", "password": "x"}) as r:
            assert r.status == 429
        async with http.post(url, json={"user": "101", "password": "bernd-pw"}) as r:
            assert r.status == 429
            assert 290 <= int(r.headers["Retry-After"]) <= 300
            body = await r.json()
            assert body["error"] == "banned" and "try again in" in body["message"]
        assert "127.0.0.1" in harness.bans.banned()
    finally:
        await harness.stop()


async def test_https_with_a_certificate(tmp_path: Path, http: aiohttp.ClientSession) -> None:
    cert, key = self_signed(tmp_path, "api")
    harness = ApiHarness(tmp_path, tls=(cert, key))
    server = await harness.start()
    try:
        assert server.url.startswith("https://127.0.0.1:")
        trust = ssl.create_default_context(cafile=str(cert))
        async with http.post(server.url + API + "/auth/token", ssl=trust,
                             json={"user": "101", "password": "bernd-pw"}) as r:
            assert r.status == 200
            token = (await r.json())["token"]
        async with http.ws_connect(server.url + API + "/events", ssl=trust,
                                   headers=bearer(token)) as ws:
            assert (await receive_json(ws))["type"] == "snapshot"
        with pytest.raises(aiohttp.ClientConnectorError):
            # Not trusted without the certificate: it really is TLS with that certificate.
            await http.get(server.url + API + "/openapi.json")
    finally:
        await harness.stop()


async def test_dnd_through_the_real_presence_service(tmp_path: Path,
                                                     http: aiohttp.ClientSession) -> None:
    """The wiring server.py uses: presence reads DND from the UserStore; the API tells it."""
    from softphone.pbx.api.app import ApiServer, create_api
    from softphone.pbx.api.userstore import UserStore
    from softphone.pbx.features.ban import BanList
    from softphone.pbx.features.presence import PresenceService
    from tests.helpers.apiserver import SECRET, api_config

    config = api_config()
    users = UserStore(tmp_path / "users.sqlite3")
    presence = PresenceService(lambda n: n == "101", lambda n: users.settings(n).dnd, time.time)
    presence.seed(config.extensions)
    bans = BanList(16, 2.0, 300.0, time.monotonic)
    server = ApiServer(create_api(config, presence, users, bans, SECRET, time.time,
                                  time.monotonic), "127.0.0.1", 0)
    await server.start()
    try:
        token = await login(http, server.url, "101")
        async with http.ws_connect(server.url + API + "/events", headers=bearer(token)) as ws:
            assert (await receive_json(ws))["presence"]["101"] == "available"
            await call(http, "PATCH", server.url + API + "/me/settings", token,
                       json={"dnd": True})
            pushed = {m["type"]: m for m in [await receive_json(ws), await receive_json(ws)]}
            assert (pushed["presence"]["number"], pushed["presence"]["presence"]) == (
                "101", "dnd")
            assert pushed["settings"]["settings"]["dnd"] is True
            _, body = await call(http, "GET", server.url + API + "/directory", token,
                                 params={"q": "101"})
            assert body["entries"][0]["presence"] == "dnd"
    finally:
        await server.stop()
        users.close()
