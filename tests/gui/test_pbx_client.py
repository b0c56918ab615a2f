"""PbxClient against a small client API server (aiohttp on 127.0.0.1, its own thread).

The server follows the API contract (softphone/pbx/api): token login, directory, favorites,
settings, and the event WebSocket that starts with a snapshot.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp import WSMsgType, web

from softphone.common.directory import (
    DirectoryEntry,
    EntryType,
    Presence,
    UserSettings,
    to_json,
)
from softphone.gui.contacts.local import LocalContacts
from softphone.gui.contacts.roles import PRESENCE_ROLE
from softphone.gui.contacts.view import ContactsView
from softphone.gui.pbx_backend import PbxError, PbxState
from softphone.gui.pbx_client import PbxClient

FAST = (0.05, 0.1, 0.2)


class ApiServer:
    """The client API, in memory, on a loop of its own; changes are thread-safe calls."""

    def __init__(self, *, api: bool = True, expires_in: int = 3600) -> None:
        self.entries = [
            DirectoryEntry(EntryType.USER, "100", "Anna Müller", "Vertrieb", Presence.OFFLINE),
            DirectoryEntry(EntryType.USER, "101", "Jörg Schäfer", "Technik", Presence.OFFLINE),
            DirectoryEntry(EntryType.DOOR, "190", "Haustür", "", None, can_open=True),
        ]
        self.presence = {"100": "available", "101": "busy"}
        self.favorites = ["101"]
        self.settings = UserSettings()
        self.expires_in = expires_in
        self.logins = 0
        self.directory_loads = 0
        self.sockets: set[web.WebSocketResponse] = set()
        self.tokens: set[str] = set()
        self._api = api
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.port = 0

    # -- lifecycle (test thread) -------------------------------------------------------------

    def start(self, port: int = 0) -> None:
        self._thread.start()
        self.call(self._start(port))

    def stop(self) -> None:
        self.call(self._stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    def restart(self) -> None:
        """Close everything and listen again on the same port (a PBX restart)."""
        self.call(self._stop())
        self.call(self._start(self.port))

    def call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def push(self, event: dict[str, Any]) -> None:
        async def send() -> None:
            for ws in list(self.sockets):
                await ws.send_json(event)
        self.call(send())

    async def _start(self, port: int) -> None:
        app = web.Application()
        if self._api:
            app.add_routes([
                web.post("/api/v1/auth/token", self.token),
                web.get("/api/v1/directory", self.directory),
                web.get("/api/v1/me/favorites", self.get_favorites),
                web.put("/api/v1/me/favorites", self.put_favorites),
                web.post("/api/v1/me/favorites", self.post_favorite),
                web.delete("/api/v1/me/favorites/{number}", self.delete_favorite),
                web.patch("/api/v1/me/settings", self.patch_settings),
                web.get("/api/v1/events", self.events),
                *self.extra_routes(),
            ])
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def extra_routes(self) -> list[web.RouteDef]:
        """More endpoints, for subclasses (the doors, in test_door_pbx_client.py)."""
        return []

    async def _stop(self) -> None:
        for ws in list(self.sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- handlers (server loop) ----------------------------------------------------------------

    def _authorised(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        return header.removeprefix("Bearer ") in self.tokens

    def _deny(self) -> web.Response:
        return web.json_response({"error": "unauthorized", "message": "token"}, status=401)

    async def token(self, request: web.Request) -> web.Response:
        body = await request.json()
        if body.get("user") != "100" or body.get("password") != "secret":
            return web.json_response({"error": "bad_credentials", "message": "no"}, status=401)
        self.logins += 1
        token = f"t{self.logins}"
        self.tokens.add(token)
        return web.json_response({"token": token, "expires_in": self.expires_in,
                                  "user": {"number": "100", "name": "Anna", "role": "user"}})

    async def directory(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._deny()
        self.directory_loads += 1
        return web.json_response({"entries": [to_json(e) for e in self.entries]})

    async def get_favorites(self, request: web.Request) -> web.Response:
        return web.json_response({"favorites": self.favorites})

    async def put_favorites(self, request: web.Request) -> web.Response:
        self.favorites = list((await request.json())["favorites"])
        return web.json_response({"favorites": self.favorites})

    async def post_favorite(self, request: web.Request) -> web.Response:
        number = (await request.json())["number"]
        if number == "666":
            return web.json_response({"error": "not_found", "message": "no such"}, status=404)
        if number not in self.favorites:
            self.favorites.append(number)
        return web.json_response({"favorites": self.favorites})

    async def delete_favorite(self, request: web.Request) -> web.Response:
        self.favorites = [n for n in self.favorites if n != request.match_info["number"]]
        return web.json_response({"favorites": self.favorites})

    async def patch_settings(self, request: web.Request) -> web.Response:
        values = to_json(self.settings) | await request.json()
        self.settings = UserSettings(**values)
        return web.json_response(to_json(self.settings))

    async def events(self, request: web.Request) -> web.StreamResponse:
        if not self._authorised(request):
            return self._deny()
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.add(ws)
        await ws.send_json({"type": "snapshot", "presence": self.presence,
                            "favorites": self.favorites, "settings": to_json(self.settings)})
        try:
            async for msg in ws:
                if msg.type == WSMsgType.ERROR:
                    break
        finally:
            self.sockets.discard(ws)
        return ws


@pytest.fixture
def server() -> Iterator[ApiServer]:
    srv = ApiServer()
    srv.start()
    yield srv
    srv.stop()


def connect(qtbot, client: PbxClient, url: str, password: str = "secret") -> None:
    with qtbot.waitSignal(client.connection_state_changed,
                          check_params_cb=lambda s: s == "connected", timeout=10000):
        client.connect_to(url, "100", password)


def test_login_loads_directory_with_snapshot_presence(qtbot, server, client) -> None:
    seen: list[list[DirectoryEntry]] = []
    client.directory_changed.connect(seen.append)
    connect(qtbot, client, server.url)
    assert [e.number for e in seen[-1]] == ["100", "101", "190"]
    assert seen[-1][0].presence == Presence.AVAILABLE and seen[-1][1].presence == Presence.BUSY
    assert seen[-1][2].can_open is True
    assert client.favorites == ["101"]
    assert client.settings == UserSettings()


def test_presence_push_updates_the_contacts_model(qtbot, server, client, tmp_path) -> None:
    local = LocalContacts(tmp_path / "contacts.sqlite3")
    view = ContactsView(client, local)
    qtbot.addWidget(view)
    try:
        connect(qtbot, client, server.url)
        assert view.pbx_mode and view.model.contact_count == 3
        with qtbot.waitSignal(client.presence_changed, timeout=5000) as blocker:
            server.push({"type": "presence", "number": "100", "presence": "ringing",
                         "since": 1700000000.0})
        assert blocker.args[0].presence == Presence.RINGING
        assert view.model.items_for("100")[0].data(PRESENCE_ROLE) == "ringing"
        assert client.entries[0].presence == Presence.RINGING
    finally:
        local.close()


def test_favorites_and_settings_requests(qtbot, server, client) -> None:
    connect(qtbot, client, server.url)
    client.request_add_favorite("100")
    assert client.favorites == ["101", "100"]                  # at once, optimistically
    qtbot.waitUntil(lambda: server.favorites == ["101", "100"])
    client.request_remove_favorite("101")
    qtbot.waitUntil(lambda: server.favorites == ["100"])
    with qtbot.waitSignal(client.settings_changed, timeout=5000) as blocker:
        client.request_settings_update({"dnd": True})
    assert blocker.args[0].dnd is True and server.settings.dnd is True

    # refused: reported, and the PBX's list comes back
    with qtbot.waitSignal(client.error, timeout=5000) as blocker:
        client.request_add_favorite("666")
    assert blocker.args[0] == PbxError.REQUEST_FAILED
    qtbot.waitUntil(lambda: client.favorites == ["100"])

    # pushed by the PBX (another device of the same user changed them)
    with qtbot.waitSignal(client.favorites_changed, timeout=5000):
        server.push({"type": "favorites", "favorites": ["190"]})
    assert client.favorites == ["190"]


def test_reconnect_resynchronises(qtbot, server, client) -> None:
    connect(qtbot, client, server.url)
    loads = server.directory_loads
    # while the PBX is down, someone new joins and presence changes
    with qtbot.waitSignal(client.connection_state_changed,
                          check_params_cb=lambda s: s == "connecting", timeout=5000):
        server.call(server._stop())
    server.entries.append(DirectoryEntry(EntryType.USER, "102", "Neu", "Technik"))
    server.presence = {"100": "dnd", "102": "available"}
    server.favorites = ["102"]
    with qtbot.waitSignal(client.connection_state_changed,
                          check_params_cb=lambda s: s == "connected", timeout=10000):
        server.call(server._start(server.port))
    assert server.directory_loads == loads + 1
    numbers = {e.number: e.presence for e in client.entries}
    assert numbers["102"] == Presence.AVAILABLE and numbers["100"] == Presence.DND
    assert client.favorites == ["102"]


def test_token_is_refreshed_before_it_expires(qtbot, client) -> None:
    srv = ApiServer(expires_in=1)
    srv.start()
    try:
        connect(qtbot, client, srv.url)
        qtbot.waitUntil(lambda: srv.logins >= 3, timeout=10000)
        assert client.state == PbxState.CONNECTED
        assert srv.directory_loads == 1             # refreshing is not reconnecting
    finally:
        client.disconnect()
        srv.stop()


def test_wrong_password_is_auth_failed(qtbot, server, client) -> None:
    errors = []
    client.error.connect(lambda code, detail: errors.append(code))
    with qtbot.waitSignal(client.connection_state_changed,
                          check_params_cb=lambda s: s == "auth_failed", timeout=10000):
        client.connect_to(server.url, "100", "wrong")
    qtbot.waitUntil(lambda: errors == ["auth_failed"])
    assert server.logins == 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_no_server_is_unavailable_then_connects_when_it_appears(qtbot, client) -> None:
    port = free_port()
    errors = []
    client.error.connect(lambda *args: errors.append(args))
    with qtbot.waitSignal(client.connection_state_changed,
                          check_params_cb=lambda s: s == "unavailable", timeout=10000):
        client.connect_to(f"http://127.0.0.1:{port}", "100", "secret")
    srv = ApiServer()
    srv.start(port)
    try:
        qtbot.waitUntil(lambda: client.state == PbxState.CONNECTED, timeout=10000)
        assert errors == []                          # no noise
    finally:
        client.disconnect()
        srv.stop()


def test_server_without_api_is_unavailable(qtbot, client) -> None:
    srv = ApiServer(api=False)
    srv.start()
    try:
        with qtbot.waitSignal(client.connection_state_changed,
                              check_params_cb=lambda s: s == "unavailable", timeout=10000):
            client.connect_to(srv.url, "100", "secret")
        client.request_add_favorite("100")           # refused at once, nothing sent
        assert client.favorites == []
    finally:
        client.disconnect()
        srv.stop()
    assert client.state == PbxState.DISCONNECTED
