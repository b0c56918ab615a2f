"""The worker behind PbxClient: one QThread, one asyncio loop, one aiohttp session.

See pbx_client.py for why and how; this module holds the network side: login and token
refresh, directory, the event WebSocket with its snapshot, reconnects, and the requests.
Everything it reports goes through _Bridge, a QObject made in the worker thread whose
signal is connected queued to the GUI-thread PbxClient.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from urllib.parse import quote

import aiohttp
from PySide6.QtCore import QObject, Qt, QThread, Signal

from softphone.common.directory import (
    DirectoryEntry,
    Presence,
    PresenceUpdate,
    entry_from_json,
    settings_from_json,
)
from softphone.gui.door.requests import DoorRequests
from softphone.gui.pbx_backend import PbxError, PbxState
from softphone.gui.pbx_http import API, HTTP_TIMEOUT, AuthFailed, HttpError, NoApi

log = logging.getLogger(__name__)

# WebSocket ping interval (RFC 6455 5.5.2): aiohttp closes the stream when no pong comes
# within half of it, so a PBX that hangs or drops off the network is noticed within 4.5 s
# (issue 14: "PBX unreachable" within 5 s); a killed PBX closes the TCP stream at once.
HEARTBEAT = 3.0


class _Bridge(QObject):
    """Lives in the worker thread; its signal reaches the GUI thread queued."""

    event = Signal(int, str, object)


class Worker(QThread):
    def __init__(self, generation: int, base_url: str, user: str, password: str, *,
                 backoff: Sequence[float], unavailable_retry: float,
                 deliver: Callable[[int, str, object], None]) -> None:
        super().__init__()
        self.generation = generation
        self._base = base_url.rstrip("/")
        self._user = user
        self._password = password
        self._backoff = list(backoff)
        self._unavailable_retry = unavailable_retry
        self._deliver = deliver
        self._loop: asyncio.AbstractEventLoop | None = None
        self._main: asyncio.Task[None] | None = None
        self._ops: asyncio.Queue[tuple[str, tuple[Any, ...]]] | None = None
        self._session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._bridge: _Bridge | None = None
        self._doors = DoorRequests(self._http, lambda: self._connected, self._emit)
        self._token = ""
        self._expires_in = 3600.0
        self._connected = False
        self._stopping = False

    # -- called from the GUI thread ----------------------------------------------------------

    def submit(self, op: str, *args: Any) -> bool:
        loop, ops = self._loop, self._ops
        if loop is None or ops is None or self._stopping:
            return False
        try:
            loop.call_soon_threadsafe(ops.put_nowait, (op, args))
        except RuntimeError:            # the loop has just closed
            return False
        return True

    def stop(self) -> None:
        self._stopping = True
        loop, main = self._loop, self._main
        if loop is not None and main is not None:
            try:
                loop.call_soon_threadsafe(main.cancel)
            except RuntimeError:
                pass

    # -- the worker thread -------------------------------------------------------------------

    def run(self) -> None:
        self._bridge = _Bridge()
        self._bridge.event.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        try:
            asyncio.run(self._run())
        except Exception:
            log.exception("PBX client worker failed")
        finally:
            self._bridge = None

    def _emit(self, kind: str, payload: object = None) -> None:
        if self._bridge is not None and not self._stopping:
            self._bridge.event.emit(self.generation, kind, payload)

    async def _run(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._ops = asyncio.Queue()
        timeout = aiohttp.ClientTimeout(total=HTTP_TIMEOUT)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            self._session = session
            ops = asyncio.create_task(self._serve_ops())
            # stop() cancels the connect loop, not this task: a stop that comes while the
            # loop has already ended (after auth_failed) must not cut the clean-up short,
            # nor let CancelledError out of asyncio.run() into QThread.run().
            self._main = asyncio.create_task(self._connect_loop())
            if self._stopping:
                self._main.cancel()
            try:
                await self._main
            except asyncio.CancelledError:
                pass
            finally:
                ops.cancel()
                await asyncio.gather(ops, self._doors.close(), return_exceptions=True)

    async def _connect_loop(self) -> None:
        attempt = 0
        ever_connected = False
        unavailable = False
        while True:
            if not unavailable:
                self._emit("state", PbxState.CONNECTING)
            delay = self._backoff[min(attempt, len(self._backoff) - 1)]
            try:
                await self._login()
                entries = await self._load_directory()
                await self._events(entries)          # returns when the stream ends
                log.info("PBX event stream closed; reconnecting")
            except AuthFailed as exc:
                self._emit("state", PbxState.AUTH_FAILED)
                self._emit("error", (PbxError.AUTH_FAILED, str(exc)))
                return
            except NoApi as exc:
                log.info("no client API at %s (%s): local contacts only", self._base, exc)
                unavailable = True
                delay = self._unavailable_retry
            except aiohttp.ClientConnectorError as exc:
                if not ever_connected:       # nothing listens: not a PBX with our API
                    log.info("PBX API at %s not reachable: %s", self._base, exc)
                    unavailable = True
            except (aiohttp.ClientError, TimeoutError, HttpError) as exc:
                log.warning("PBX API at %s: %s", self._base, exc)
            except (ValueError, KeyError, TypeError) as exc:
                log.warning("PBX API at %s answered unexpectedly: %s", self._base, exc)
                self._emit("error", (PbxError.PROTOCOL, str(exc)))
            if self._connected:             # it worked for a while: start over quickly
                ever_connected = True
                unavailable = False
                attempt = 0
                delay = self._backoff[0]
            self._connected = False
            self._token = ""
            if unavailable:
                self._emit("state", PbxState.UNAVAILABLE)
            attempt += 1
            await asyncio.sleep(delay)

    # -- HTTP ----------------------------------------------------------------------------

    async def _http(self, method: str, path: str, body: Any = None, *, auth: bool = True,
                    retry: bool = True) -> Any:
        assert self._session is not None
        headers = {"Authorization": f"Bearer {self._token}"} if auth else {}
        async with self._session.request(method, self._base + API + path, json=body,
                                         headers=headers) as resp:
            text = await resp.text()
            status = resp.status
        data = json.loads(text) if text.strip() else None
        if status == 401 and auth and retry:        # the token ran out early: once more
            await self._login()
            return await self._http(method, path, body, retry=False)
        if status >= 400:
            info = data if isinstance(data, dict) else {}
            raise HttpError(status, str(info.get("error", "")), str(info.get("message", "")))
        return data

    async def _login(self) -> None:
        try:
            data = await self._http("POST", "/auth/token",
                                    {"user": self._user, "password": self._password},
                                    auth=False)
        except HttpError as exc:
            if exc.status in (401, 403):
                raise AuthFailed(str(exc)) from exc
            if exc.status in (404, 405, 501):
                raise NoApi(str(exc)) from exc
            raise
        except json.JSONDecodeError as exc:             # some other web server
            raise NoApi("not a JSON API") from exc
        if not isinstance(data, dict) or "token" not in data:
            raise NoApi("no token in the login answer")
        self._token = str(data["token"])
        self._expires_in = float(data.get("expires_in") or 3600)

    async def _load_directory(self) -> list[DirectoryEntry]:
        data = await self._http("GET", "/directory")
        rows = data.get("entries", []) if isinstance(data, dict) else data
        entries = []
        for row in rows or []:
            try:
                entries.append(entry_from_json(row))
            except (ValueError, KeyError, TypeError) as exc:
                log.warning("skipping directory entry %r: %s", row, exc)
        return entries

    # -- events --------------------------------------------------------------------------

    async def _events(self, entries: list[DirectoryEntry]) -> None:
        assert self._session is not None
        refresh = None
        try:
            async with self._session.ws_connect(
                    self._base + API + "/events", heartbeat=HEARTBEAT,
                    headers={"Authorization": f"Bearer {self._token}"}) as ws:
                self._ws = ws
                refresh = asyncio.create_task(self._refresh_token())
                async for msg in ws:
                    if msg.type == aiohttp.WSMsgType.TEXT:
                        self._on_event(json.loads(msg.data), entries)
                    elif msg.type == aiohttp.WSMsgType.ERROR:
                        break
        finally:
            self._ws = None
            if refresh is not None:
                refresh.cancel()

    def _on_event(self, data: dict[str, Any], entries: list[DirectoryEntry]) -> None:
        kind = data.get("type")
        if kind == "snapshot":
            # The resynchronisation: the freshly loaded directory with the snapshot's
            # presence, the favorites, the settings; then "connected". The entries belong
            # to the GUI from here on: later changes come as presence events.
            presence = data.get("presence") or {}
            for entry in entries:
                if entry.number in presence:
                    entry.presence = Presence(presence[entry.number])
            self._emit("directory", entries)
            self._emit("favorites", [str(n) for n in data.get("favorites") or []])
            if isinstance(data.get("settings"), dict):
                self._emit("settings", settings_from_json(data["settings"]))
            self._connected = True
            self._emit("state", PbxState.CONNECTED)
        elif kind == "presence":
            self._emit("presence", PresenceUpdate(
                str(data["number"]), Presence(data["presence"]),
                float(data.get("since") or time.time())))
        elif kind == "favorites":
            self._emit("favorites", [str(n) for n in data.get("favorites") or []])
        elif kind == "conference":
            self._emit("conference", dict(data))
        elif kind == "conference_count":
            self._emit("conference_count", (str(data["room"]), int(data["participants"])))
        elif kind == "settings":
            values = data.get("settings")
            if not isinstance(values, dict):
                values = {k: v for k, v in data.items() if k != "type"}
            self._emit("settings", settings_from_json(values))
        else:
            log.debug("ignoring PBX event %r", kind)

    async def _refresh_token(self) -> None:
        """Log in again before the token expires (the WebSocket keeps its session)."""
        while True:
            await asyncio.sleep(max(self._expires_in - min(60.0, self._expires_in / 5), 1.0))
            try:
                await self._login()
            except AuthFailed:
                if self._ws is not None:         # the reconnect reports auth_failed
                    await self._ws.close()
                return
            except (aiohttp.ClientError, TimeoutError, HttpError, NoApi) as exc:
                log.warning("token refresh failed: %s", exc)
                self._expires_in = 10.0 + min(60.0, self._expires_in / 5)

    # -- requests --------------------------------------------------------------------------

    async def _serve_ops(self) -> None:
        assert self._ops is not None
        handlers: dict[str, Callable[..., Awaitable[None]]] = {
            "set_favorites": self._op_set_favorites,
            "add_favorite": self._op_add_favorite,
            "remove_favorite": self._op_remove_favorite,
            "settings": self._op_settings,
            "conference": self._op_conference,
        }
        while True:
            op, args = await self._ops.get()
            if op in DoorRequests.OPS:          # side by side, reporting their own failures
                self._doors.start(op, *args)
                continue
            if not self._connected:
                self._emit("error", (PbxError.NOT_CONNECTED, op))
                continue
            try:
                await handlers[op](*args)
            except (aiohttp.ClientError, TimeoutError, HttpError, ValueError) as exc:
                log.warning("PBX request %s failed: %s", op, exc)
                self._emit("error", (PbxError.REQUEST_FAILED, f"{op}: {exc}"))
                if op in ("set_favorites", "add_favorite", "remove_favorite"):
                    # show the PBX's list, not our guess
                    try:
                        await self._favorites_from(None)
                    except (aiohttp.ClientError, TimeoutError, HttpError, ValueError):
                        pass

    async def _op_conference(self, request: tuple[str, tuple[str, str] | None]) -> None:
        number, action = request
        base = "/conferences/" + quote(number, safe="")
        if action is not None:
            method, sub = action
            await self._http(method, f"{base}/{sub}" if sub else base)
        self._emit("conference_room", await self._http("GET", base))

    async def _favorites_from(self, data: Any) -> None:
        if not (isinstance(data, dict) and "favorites" in data):
            data = await self._http("GET", "/me/favorites")
        self._emit("favorites", [str(n) for n in data.get("favorites") or []])

    async def _op_set_favorites(self, numbers: list[str]) -> None:
        await self._favorites_from(
            await self._http("PUT", "/me/favorites", {"favorites": numbers}))

    async def _op_add_favorite(self, number: str) -> None:
        await self._favorites_from(
            await self._http("POST", "/me/favorites", {"number": number}))

    async def _op_remove_favorite(self, number: str) -> None:
        await self._favorites_from(
            await self._http("DELETE", "/me/favorites/" + quote(number, safe="")))

    async def _op_settings(self, changes: dict[str, Any]) -> None:
        data = await self._http("PATCH", "/me/settings", changes)
        if not isinstance(data, dict):
            data = await self._http("GET", "/me/settings")
        self._emit("settings", settings_from_json(data))
