"""The PBX's client API: JSON over HTTP(S) plus one WebSocket, on aiohttp.

Why aiohttp: it runs in the daemon's own asyncio (uvloop) event loop beside the SIP stack,
so there is no second server process and no threads, and handlers can read PBX state
directly; it has first-class WebSockets (with heartbeats) for the pushed events; and it
brings few dependencies. FastAPI would add pydantic and an ASGI server (uvicorn) for what
is a small API whose schema we write down anyway (openapi.py).

create_api() builds the web.Application from its collaborators; ApiServer starts and
stops it on a host and port, with TLS when given a certificate (like aiosmtpd's
Controller, the daemon and the tests use the same object).
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Callable
from pathlib import Path

from aiohttp import web

from softphone.common.directory import to_json
from softphone.pbx.api.auth import PasswordChecker, TokenSigner, derive_token_key
from softphone.pbx.api.calls import CallsHandlers, Pickup
from softphone.pbx.api.conferences import (
    ConferenceEvents,
    LiveRooms,
    NoLiveRooms,
    directory_entries,
)
from softphone.pbx.api.conferences import add_routes as add_conference_routes
from softphone.pbx.api.directory import Directory, DirectoryHandlers, PresenceSource
from softphone.pbx.api.doors import DoorRelay, DoorsHandlers
from softphone.pbx.api.doorvideo import add_video_routes
from softphone.pbx.api.errors import ApiError, error_middleware
from softphone.pbx.api.events import EventHub, EventsHandler
from softphone.pbx.api.favorites import Favorites, FavoritesHandlers
from softphone.pbx.api.guard import EVENTS_PATH, OPENAPI_PATH, TOKEN_PATH, Guard, caller
from softphone.pbx.api.openapi import openapi_document
from softphone.pbx.api.ringgroups import add_routes as add_ring_group_routes
from softphone.pbx.api.settings import SettingsHandlers
from softphone.pbx.api.sharedlines import add_routes as add_shared_line_routes
from softphone.pbx.api.sharedlines import line_events
from softphone.pbx.api.userstore import UserChange, UserStore
from softphone.pbx.conferencestore import ConferenceStore
from softphone.pbx.config import PbxConfig
from softphone.pbx.doorlog import DoorLog
from softphone.pbx.features.ban import BanList
from softphone.pbx.features.sharedline import SharedLines
from softphone.pbx.features.throttle import AccountThrottle
from softphone.pbx.groupstore import GroupStore
from softphone.pbx.linelog import LineLog

log = logging.getLogger(__name__)

SERVER = "softphone-pbx"     # the Server header of every answer (no versions)

MAX_BODY = 64 * 1024
HUB_KEY = web.AppKey("events_hub", EventHub)


def create_api(config: PbxConfig, presence: PresenceSource, users: UserStore, bans: BanList,
               secret: bytes, clock: Callable[[], float],
               ban_clock: Callable[[], float], pickup: Pickup | None = None,
               door_log: DoorLog | None = None,
               groups: GroupStore | None = None,
               conference_store: ConferenceStore | None = None,
               live_rooms: LiveRooms | None = None,
               shared_lines: SharedLines | None = None,
               line_log: LineLog | None = None,
               throttle: AccountThrottle | None = None) -> web.Application:
    """The application; ``secret`` is the daemon's secret (tokens use a key derived from
    it), ``clock`` is wall time (token expiry, audit times), ``ban_clock`` the clock
    ``bans`` (the API's own address bans) and ``throttle`` (per account, shared with SIP)
    run on. ``door_log`` is the caller's to close; without one the door audit
    is kept in memory for the application's life."""
    signer = TokenSigner(derive_token_key(secret), config.api.token_ttl, clock)
    guard = Guard(config, signer, PasswordChecker(config.sip.realm, config.extension),
                  bans, ban_clock, throttle or AccountThrottle(ban_clock))
    rooms = conference_store if conference_store is not None else ConferenceStore(None, config)
    live = live_rooms if live_rooms is not None else NoLiveRooms()
    directory = Directory(config, presence, lambda: directory_entries(rooms, live))
    favorites = Favorites(users, directory)
    group_store = groups if groups is not None else GroupStore(None, config)
    hub = EventHub(presence, users, favorites, groups=group_store)
    app = web.Application(middlewares=[error_middleware, guard.middleware],
                          client_max_size=MAX_BODY)
    app[HUB_KEY] = hub

    def on_user_change(change: UserChange) -> None:
        # Presence shows DND, so it must hear of DND changes however they were made.
        if change.dnd_changed:
            presence.settings_changed(change.number)

    unsubscribe: list[Callable[[], None]] = []
    relay = DoorRelay()
    audit = door_log if door_log is not None else DoorLog(None)
    lines = shared_lines if shared_lines is not None else SharedLines(
        config.shared_lines, config.sip.realm, clock)
    line_audit = line_log if line_log is not None else LineLog(None)

    async def on_startup(_: web.Application) -> None:
        hub.start()
        if live_rooms is not None:
            unsubscribe.append(live_rooms.subscribe(ConferenceEvents(config, live, hub.send)))
        unsubscribe.append(users.subscribe(on_user_change))
        listener = line_events(hub.send)
        lines.listeners.append(listener)
        unsubscribe.append(lambda: lines.listeners.remove(listener))
        await relay.start()

    async def on_shutdown(_: web.Application) -> None:
        while unsubscribe:
            unsubscribe.pop()()
        await hub.stop()

    async def on_cleanup(_: web.Application) -> None:
        await relay.close()
        if door_log is None:
            audit.close()
        if line_log is None:
            line_audit.close()
        if groups is None:
            group_store.close()
        if conference_store is None:
            rooms.close()

    async def on_response_prepare(_: web.Request, response: web.StreamResponse) -> None:
        # aiohttp would name itself and its version: help to an attacker, none to a client.
        response.headers["Server"] = SERVER

    app.on_response_prepare.append(on_response_prepare)
    app.on_startup.append(on_startup)
    app.on_shutdown.append(on_shutdown)
    app.on_cleanup.append(on_cleanup)

    directory_handlers = DirectoryHandlers(directory)

    async def me(request: web.Request) -> web.Response:
        entry = directory.entry(caller(request).number)
        if entry is None:    # Guard lets only configured extensions through; be safe anyway
            raise ApiError(404, "unknown_user", "Your extension is not in the directory")
        return web.json_response(to_json(entry))

    document = openapi_document()

    async def openapi(_: web.Request) -> web.Response:
        return web.json_response(document)

    fav = FavoritesHandlers(favorites)
    settings = SettingsHandlers(config, users)
    events = EventsHandler(hub, signer.expires_in)
    number = "{number:[0-9]{2,6}}"
    r = app.router
    r.add_post(TOKEN_PATH, guard.login)
    r.add_get(OPENAPI_PATH, openapi, allow_head=False)
    r.add_get("/api/v1/directory", directory_handlers.search, allow_head=False)
    r.add_get("/api/v1/me", me, allow_head=False)
    r.add_get("/api/v1/me/favorites", fav.get, allow_head=False)
    r.add_put("/api/v1/me/favorites", fav.put)
    r.add_post("/api/v1/me/favorites", fav.post)
    r.add_delete(f"/api/v1/me/favorites/{number}", fav.delete)
    r.add_get("/api/v1/me/settings", settings.get_mine, allow_head=False)
    r.add_patch("/api/v1/me/settings", settings.patch_mine)
    r.add_get(f"/api/v1/users/{number}/settings", settings.get_user, allow_head=False)
    r.add_patch(f"/api/v1/users/{number}/settings", settings.patch_user)
    r.add_get(EVENTS_PATH, events.handle, allow_head=False)
    if pickup is not None:
        r.add_post("/api/v1/calls/pickup", CallsHandlers(pickup).post_pickup)
    doors = DoorsHandlers(config, relay, audit, clock, ban_clock)
    r.add_get("/api/v1/doors/audit", doors.audit, allow_head=False)
    r.add_post(f"/api/v1/doors/{number}/open", doors.open)
    add_video_routes(app, config, secret, clock)
    add_ring_group_routes(app, config, group_store)
    add_conference_routes(app, rooms, live)
    add_shared_line_routes(app, lines, line_audit)
    return app


def tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    """A server context with the library's secure defaults (TLS 1.2 or newer)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    return context


class ApiServer:
    """Serves an application on ``host``:``port`` (0 = any free port) until stop()."""

    def __init__(self, app: web.Application, host: str, port: int,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self.app = app
        self.host = host
        self.port = port
        self._ssl = ssl_context
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        scheme = "https" if self._ssl is not None else "http"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}"

    async def start(self) -> None:
        runner = web.AppRunner(self.app, access_log=None, handle_signals=False,
                               shutdown_timeout=5.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port, ssl_context=self._ssl)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        if runner.addresses:
            self.port = runner.addresses[0][1]
        log.info("client API on %s", self.url, extra={"event": "api_ready", "url": self.url})

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()
            log.info("client API stopped", extra={"event": "api_stopped"})
