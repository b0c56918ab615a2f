"""PbxClient's door requests against the client API contract on loopback: opening a door
(and every way it can fail, in words a person understands) and fresh video links."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from aiohttp import web

from softphone.common.directory import DirectoryEntry, EntryType
from softphone.gui.door.messages import open_error_text, video_error_text
from softphone.gui.pbx_backend import DoorError, DoorVideoLink
from tests.gui.test_pbx_client import ApiServer, connect

D = EntryType.DOOR


class DoorApiServer(ApiServer):
    """The door endpoints as the contract has them: 190 opens, 191 is forbidden to user
    100, 192's relay does not answer (slowly), 193 refuses the PBX, 194 has no relay,
    195 is rate-limited, 196's audit log is unwritable, 197 finds the account throttled."""

    def __init__(self) -> None:
        super().__init__()
        self.entries += [
            DirectoryEntry(D, "191", "Hoftor", "", None, can_open=False, has_video=False),
            DirectoryEntry(D, "192", "Keller", "", None, can_open=True, has_video=True),
        ]
        self.opened: list[str] = []
        self.links = 0
        self.slow_open = asyncio.Event()

    def extra_routes(self) -> list[web.RouteDef]:
        return [web.post("/api/v1/doors/{number}/open", self.open_door),
                web.post("/api/v1/doors/{number}/video", self.video_link)]

    async def open_door(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._deny()
        number = request.match_info["number"]
        answers = {
            "191": (403, "door_forbidden", "role user may not open door 191"),
            "192": (502, "door_unreachable", "relay timed out"),
            "193": (502, "door_refused", "relay said 401"),
            "194": (409, "door_no_relay", "no relay configured"),
            "195": (429, "door_rate_limited", "more than 10 opens a minute"),
            "196": (503, "door_audit_unavailable", "audit log cannot be written"),
            "197": (429, "account_throttled", "too many failed logins"),
        }
        if number == "192":
            await self.slow_open.wait()          # the relay takes its time
        if number in answers:
            status, code, message = answers[number]
            return web.json_response({"error": code, "message": message}, status=status)
        if number != "190":
            return web.json_response({"error": "unknown_door", "message": number}, status=404)
        self.opened.append(number)
        return web.json_response({"door": number, "opened": True, "seconds": 3.0})

    async def video_link(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._deny()
        number = request.match_info["number"]
        if number == "191":
            return web.json_response({"error": "door_no_video", "message": "no camera"},
                                     status=404)
        self.links += 1
        return web.json_response({
            "url": f"{self.url}/api/v1/doors/{number}/video.mjpg?token=k{self.links}",
            "expires_in": 60, "direct_url": None})


@pytest.fixture
def server() -> Iterator[DoorApiServer]:
    srv = DoorApiServer()
    srv.start()
    yield srv
    srv._loop.call_soon_threadsafe(srv.slow_open.set)
    srv.stop()


def test_open_door_reports_opened(qtbot, server, client) -> None:
    connect(qtbot, client, server.url)
    assert client.door("190") is not None and client.door("100") is None
    with qtbot.waitSignal(client.door_opened, timeout=5000) as blocker:
        client.request_open_door("190")
    assert blocker.args == ["190", 3.0]
    assert server.opened == ["190"]


@pytest.mark.parametrize(("number", "code", "words"), [
    ("191", DoorError.FORBIDDEN, "You may not open this door. The PBX says: "
                                 "role user may not open door 191"),
    ("193", DoorError.REFUSED, "The door refused the PBX's request to open."),
    ("194", DoorError.NO_RELAY, "This door has no door opener connected."),
    ("999", DoorError.UNKNOWN, "The PBX does not know this door."),
    ("195", DoorError.RATE_LIMITED, "You opened doors too often in the last minute."),
    ("196", DoorError.AUDIT_UNAVAILABLE, "The door stays shut: the PBX cannot record"),
    ("197", DoorError.THROTTLED, "Too many failed logins for your account"),
])
def test_open_door_failures_in_words(qtbot, server, client, number, code, words) -> None:
    connect(qtbot, client, server.url)
    with qtbot.waitSignal(client.door_open_failed, timeout=5000) as blocker:
        client.request_open_door(number)
    assert blocker.args[:2] == [number, code.value]
    assert open_error_text(*blocker.args[1:]).startswith(words)
    assert server.opened == []


def test_slow_relay_does_not_hold_up_a_video_link(qtbot, server, client) -> None:
    """The open request waits for the relay; a link asked for meanwhile comes at once."""
    connect(qtbot, client, server.url)
    failed: list[tuple[str, str, str]] = []
    client.door_open_failed.connect(lambda *args: failed.append(args))
    client.request_open_door("192")
    with qtbot.waitSignal(client.door_video_link, timeout=5000) as blocker:
        client.request_door_video("192")
    assert failed == []
    server._loop.call_soon_threadsafe(server.slow_open.set)
    qtbot.waitUntil(lambda: bool(failed), timeout=5000)
    assert failed[0][:2] == ("192", "door_unreachable")
    assert open_error_text("door_unreachable") == (
        "The door does not answer. Try again or use the key code.")
    link = blocker.args[1]
    assert isinstance(link, DoorVideoLink)
    assert link.url.startswith(f"{server.url}/api/v1/doors/192/video.mjpg?token=")


def test_each_video_request_gets_a_fresh_link(qtbot, server, client) -> None:
    connect(qtbot, client, server.url)
    urls = []
    for _ in range(2):
        with qtbot.waitSignal(client.door_video_link, timeout=5000) as blocker:
            client.request_door_video("190")
        urls.append(blocker.args[1].url)
    assert urls[0] != urls[1] and server.links == 2
    with qtbot.waitSignal(client.door_video_failed, timeout=5000) as failed:
        client.request_door_video("191")
    assert failed.args[:2] == ["191", "door_no_video"]
    assert video_error_text("door_no_video") == "This door has no camera."


def test_door_requests_without_a_connection_fail_at_once(qtbot, server, client) -> None:
    failures: list[tuple[str, str, str]] = []
    client.door_open_failed.connect(lambda *args: failures.append(args))
    client.door_video_failed.connect(lambda *args: failures.append(args))
    client.request_open_door("190")
    client.request_door_video("190")
    assert [f[1] for f in failures] == ["not_connected", "not_connected"]
    assert open_error_text("not_connected") == (
        "No connection to the PBX. Try again in a moment.")
    assert server.opened == []
