"""The events WebSocket: presence of everyone, this user's favorites and settings, and the
ring groups the user is a member of (someone logged in or out, the settings changed), and
conference rooms (api/conferences.py says who hears what).

On connect a client gets one "snapshot" message, then a message per change; it never has
to poll. Each connection has a bounded queue and its own sender task, so a client on a bad
link (or one that stopped reading) only delays itself: when its queue is full it is closed
with 1013 "Try Again Later" (RFC 6455 section 7.4.1, IANA registry) and reconnects to a
fresh snapshot, rather than the PBX buffering for it without bound. A connection is closed
with 4001 "token expired" when its token expires; the client signs in again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from aiohttp import web

from softphone.common.directory import PresenceUpdate
from softphone.pbx.api.auth import Claims
from softphone.pbx.api.directory import PresenceSource
from softphone.pbx.api.errors import ApiError
from softphone.pbx.api.favorites import Favorites
from softphone.pbx.api.guard import caller, claims
from softphone.pbx.api.ringgroups import group_json
from softphone.pbx.api.settings import settings_json
from softphone.pbx.api.userstore import UserChange, UserStore
from softphone.pbx.groupstore import GroupStore

log = logging.getLogger(__name__)

HEARTBEAT = 30.0          # seconds between pings (aiohttp closes a peer that stops ponging)
MAX_QUEUE = 256           # messages waiting for one client before it counts as too slow
CLOSE_TIMEOUT = 2.0       # a client that does not take our close frame is cut off
MAX_CLIENT_MESSAGE = 4096
CLOSE_GOING_AWAY = 1001
CLOSE_TOO_SLOW = 1013
CLOSE_TOKEN_EXPIRED = 4001


class Socket(Protocol):
    """One client's connection, as the hub needs it (a WebSocket, or a fake in tests)."""

    async def send(self, text: str) -> None: ...

    async def close(self, code: int, reason: str) -> None: ...


class EventClient:
    def __init__(self, user: str, socket: Socket, max_queue: int) -> None:
        self.user = user
        self.socket = socket
        self.closed = False
        self.close_code: int | None = None
        self._queue: asyncio.Queue[str] = asyncio.Queue(max_queue)
        self._sender = asyncio.get_running_loop().create_task(self._send_all())
        self._closer: asyncio.Task[None] | None = None

    def offer(self, message: str) -> None:
        if self.closed:
            return
        try:
            self._queue.put_nowait(message)
        except asyncio.QueueFull:
            log.warning("events: client of %s cannot keep up; closing it", self.user,
                        extra={"event": "api_ws_slow", "user": self.user})
            self.close(CLOSE_TOO_SLOW, "too slow: events were dropped")

    async def _send_all(self) -> None:
        try:
            while True:
                message = await self._queue.get()
                await self.socket.send(message)
        except (ConnectionError, RuntimeError) as exc:
            # The peer went away mid-send; the reader side notices and disconnects us.
            log.debug("events: send to %s failed: %s", self.user, exc)

    def close(self, code: int, reason: str) -> None:
        if self.closed:
            return
        self.closed, self.close_code = True, code
        self._sender.cancel()
        self._closer = asyncio.get_running_loop().create_task(self._close(code, reason))

    async def _close(self, code: int, reason: str) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            await self._sender
        try:
            await self.socket.close(code, reason)
        except (ConnectionError, RuntimeError) as exc:
            log.debug("events: closing %s failed: %s", self.user, exc)

    async def wait_closed(self) -> None:
        if self._closer is not None:
            await self._closer


class EventHub:
    """Fans presence and user-store changes out to every connected client."""

    def __init__(self, presence: PresenceSource, users: UserStore, favorites: Favorites,
                 max_queue: int = MAX_QUEUE, groups: GroupStore | None = None) -> None:
        self._presence = presence
        self._groups = groups
        self._users = users
        self._favorites = favorites
        self._max_queue = max_queue
        self._clients: dict[str, set[EventClient]] = {}
        self._unsubscribe: list[Callable[[], None]] = []

    def start(self) -> None:
        self._unsubscribe = [self._presence.subscribe(self._on_presence),
                             self._users.subscribe(self._on_user_change)]
        if self._groups is not None:
            self._unsubscribe.append(self._groups.subscribe(self._on_group_change))

    async def stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        clients = [c for group in self._clients.values() for c in group]
        for client in clients:
            client.close(CLOSE_GOING_AWAY, "server shutting down")
        await asyncio.gather(*(c.wait_closed() for c in clients))
        self._clients.clear()

    @property
    def client_count(self) -> int:
        return sum(len(group) for group in self._clients.values())

    def connect(self, user: str, socket: Socket) -> EventClient:
        client = EventClient(user, socket, self._max_queue)
        # The snapshot is queued before any change can be: no await between the two.
        client.offer(_dump({
            "type": "snapshot",
            "presence": {n: p.value for n, p in self._presence.snapshot().items()},
            "favorites": self._favorites.of(user),
            "settings": settings_json(self._users.settings(user)),
        }))
        self._clients.setdefault(user, set()).add(client)
        return client

    def disconnect(self, client: EventClient) -> None:
        group = self._clients.get(client.user)
        if group is not None:
            group.discard(client)
            if not group:
                del self._clients[client.user]
        client.close(CLOSE_GOING_AWAY, "")

    def send(self, message: dict[str, Any], to: Iterable[str] | None = None) -> None:
        """``message`` to the clients of the numbers ``to`` (None: to every client)."""
        text = _dump(message)
        numbers = list(self._clients) if to is None else set(to)
        for number in numbers:
            for client in list(self._clients.get(number, ())):
                client.offer(text)

    def _on_presence(self, update: PresenceUpdate) -> None:
        message = _dump({"type": "presence", "number": update.number,
                         "presence": update.presence.value, "since": update.since})
        for group in list(self._clients.values()):
            for client in list(group):
                client.offer(message)

    def _on_user_change(self, change: UserChange) -> None:
        group = self._clients.get(change.number)
        if not group:
            return
        if change.kind == "favorites":
            message = _dump({"type": "favorites",
                             "favorites": self._favorites.of(change.number)})
        else:
            message = _dump({"type": "settings",
                             "settings": settings_json(self._users.settings(change.number))})
        for client in list(group):
            client.offer(message)

    def _on_group_change(self, number: str) -> None:
        group = self._groups.group(number) if self._groups is not None else None
        if group is None or self._groups is None:
            return
        message = _dump({"type": "ring_group", "group": group_json(group, self._groups)})
        for member in group.members:
            for client in list(self._clients.get(member, ())):
                client.offer(message)


def _dump(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"))


class _WebSocket:
    """Socket over aiohttp's WebSocketResponse; cuts the TCP connection if close stalls."""

    def __init__(self, ws: web.WebSocketResponse, request: web.Request) -> None:
        self._ws = ws
        self._request = request

    async def send(self, text: str) -> None:
        await self._ws.send_str(text)

    async def close(self, code: int, reason: str) -> None:
        try:
            await asyncio.wait_for(self._ws.close(code=code, message=reason.encode()),
                                   CLOSE_TIMEOUT)
        except TimeoutError:
            transport = self._request.transport
            if transport is not None:
                transport.abort()


class EventsHandler:
    def __init__(self, hub: EventHub, token_seconds_left: Callable[[Claims], float]) -> None:
        self._hub = hub
        self._seconds_left = token_seconds_left

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ext = caller(request)
        ws = web.WebSocketResponse(heartbeat=HEARTBEAT, max_msg_size=MAX_CLIENT_MESSAGE)
        if not ws.can_prepare(request).ok:
            raise ApiError(426, "upgrade_required", "This endpoint is a WebSocket; connect "
                           "with a WebSocket client", headers={"Upgrade": "websocket",
                                                               "Connection": "Upgrade"})
        await ws.prepare(request)
        client = self._hub.connect(ext.number, _WebSocket(ws, request))
        loop = asyncio.get_running_loop()
        expiry = loop.call_later(self._seconds_left(claims(request)), client.close,
                                 CLOSE_TOKEN_EXPIRED, "token expired")
        log.info("events: %s connected", ext.number,
                 extra={"event": "api_ws_connect", "user": ext.number})
        try:
            # Clients have nothing to say on this socket; reading keeps pings answered
            # and tells us when the peer is gone.
            async for _ in ws:
                pass
        finally:
            expiry.cancel()
            self._hub.disconnect(client)
            await client.wait_closed()
            log.info("events: %s disconnected", ext.number,
                     extra={"event": "api_ws_disconnect", "user": ext.number})
        return ws
