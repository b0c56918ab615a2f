"""The door station's HTTP side: camera, relay (door opener) and bell button.

Events are written as JSON lines (to stderr by default) and the relay's openings are kept
in memory for GET /relay/log.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import datetime
import hmac
import inspect
import json
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from softphone.doorsim.camera import Camera

EventSink = Callable[[dict[str, Any]], None]
BellHook = Callable[[], Awaitable[None] | None]


def stderr_sink(event: dict[str, Any]) -> None:
    sys.stderr.write(json.dumps(event) + "\n")
    sys.stderr.flush()


def _iso(ts: float) -> str:
    return datetime.datetime.fromtimestamp(ts, datetime.UTC).isoformat(timespec="milliseconds")


@dataclass
class RelayConfig:
    user: str = "door"
    password: str = "opensesame"
    open_seconds: float = 3.0
    realm: str = "door station"


class DoorStation:
    """The simulated intercom. `on_bell` is the hook the bell button runs on every press (a
    plain or async callable): main.py points it at the SIP user agent's call."""

    def __init__(self, camera: Camera, relay: RelayConfig | None = None, *,
                 sink: EventSink = stderr_sink, clock: Callable[[], float] = time.time,
                 on_bell: BellHook | None = None) -> None:
        self.camera = camera
        self.relay = relay or RelayConfig()
        self.on_bell = on_bell
        self._sink = sink
        self._clock = clock
        self.openings: list[dict[str, Any]] = []
        self._open_until = 0.0
        self._bell_tasks: set[asyncio.Task[None]] = set()

    def emit(self, event: str, **fields: Any) -> dict[str, Any]:
        record = {"event": event, **fields}
        self._sink(record)
        return record

    @property
    def relay_open(self) -> bool:
        return self._clock() < self._open_until

    def _authorised(self, request: web.Request) -> str | None:
        """The user name when the request carries the relay's credentials, else None."""
        scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        login, sep, password = decoded.partition(":")
        ok_user = hmac.compare_digest(login.encode(), self.relay.user.encode())
        ok_pw = hmac.compare_digest(password.encode(), self.relay.password.encode())
        return login if sep and ok_user and ok_pw else None

    def _unauthorised(self, request: web.Request) -> web.Response:
        self.emit("relay_denied", path=request.path, remote=request.remote, at=_iso(self._clock()))
        return web.json_response(
            {"error": "unauthorized"}, status=401,
            headers={"WWW-Authenticate": f'Basic realm="{self.relay.realm}", charset="UTF-8"'})

    def open_door(self, by: str, remote: str | None = None) -> dict[str, Any]:
        now = self._clock()
        self._open_until = now + self.relay.open_seconds
        record = self.emit("relay_open", by=by, at=_iso(now), remote=remote,
                           seconds=self.relay.open_seconds)
        self.openings.append(record)
        return record

    async def handle_relay_open(self, request: web.Request) -> web.Response:
        user = self._authorised(request)
        if user is None:
            return self._unauthorised(request)
        self.open_door(user, request.remote)
        return web.json_response({"opened": True, "seconds": self.relay.open_seconds})

    async def handle_relay_state(self, request: web.Request) -> web.Response:
        if self._authorised(request) is None:
            return self._unauthorised(request)
        remaining = max(0.0, self._open_until - self._clock())
        return web.json_response({"open": remaining > 0, "remaining": round(remaining, 3)})

    async def handle_relay_log(self, request: web.Request) -> web.Response:
        if self._authorised(request) is None:
            return self._unauthorised(request)
        return web.json_response({"openings": self.openings})

    def press_bell(self) -> None:
        self.emit("bell", at=_iso(self._clock()))
        if self.on_bell is None:
            return
        result = self.on_bell()
        if inspect.isawaitable(result):
            async def run() -> None:
                await result
            task = asyncio.ensure_future(run())
            self._bell_tasks.add(task)
            task.add_done_callback(self._bell_tasks.discard)

    async def handle_bell(self, request: web.Request) -> web.Response:
        self.press_bell()
        return web.json_response({"rang": True}, status=202)

    def make_app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/video.mjpg", self.camera.handle_mjpeg)
        app.router.add_get("/snapshot.jpg", self.camera.handle_snapshot)
        app.router.add_post("/relay/open", self.handle_relay_open)
        app.router.add_get("/relay/state", self.handle_relay_state)
        app.router.add_get("/relay/log", self.handle_relay_log)
        app.router.add_post("/bell", self.handle_bell)

        async def shutdown(_app: web.Application) -> None:
            await self.camera.close()  # ends the MJPEG streams, which would hold shutdown
        app.on_shutdown.append(shutdown)
        return app
