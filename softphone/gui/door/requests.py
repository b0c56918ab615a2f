"""The door requests of the PBX client's worker thread: open a door, ask for a video link.

They run side by side (each its own task): a relay that takes its time to answer must not
hold up a video link, a favorite or the next door asked for meanwhile. Each reports its own
outcome through `emit` (door_opened / door_open_failed, door_video_link /
door_video_failed), never the worker's generic error.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

import aiohttp

from softphone.gui.pbx_backend import DoorError, DoorVideoLink
from softphone.gui.pbx_http import HttpError

log = logging.getLogger(__name__)

# (method, path below /api/v1) -> the answer's JSON; raises HttpError for an error answer.
Http = Callable[[str, str], Awaitable[Any]]
Emit = Callable[[str, object], None]


class DoorRequests:
    """start(op, number) for op in OPS; close() cancels what is still running."""

    OPS = frozenset({"open_door", "door_video"})

    def __init__(self, http: Http, connected: Callable[[], bool], emit: Emit) -> None:
        self._http = http
        self._connected = connected
        self._emit = emit
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, op: str, number: str) -> None:
        coro = self._open(number) if op == "open_door" else self._video(number)
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _post(self, number: str, what: str, failed: str) -> Any:
        """POST /doors/{number}/{what}; on failure emits `failed` and returns None."""
        code, message = "", ""
        if not self._connected():
            code = DoorError.NOT_CONNECTED.value
        else:
            try:
                data = await self._http("POST", f"/doors/{quote(number, safe='')}/{what}")
                if isinstance(data, dict):
                    return data
                code, message = DoorError.FAILED.value, "not a JSON object"
            except HttpError as exc:
                code, message = exc.code or DoorError.FAILED.value, exc.message
            except (aiohttp.ClientError, TimeoutError) as exc:
                code, message = DoorError.NETWORK.value, str(exc) or type(exc).__name__
            except ValueError as exc:               # an answer that is not JSON
                code, message = DoorError.FAILED.value, str(exc)
        log.warning("door %s %s failed: %s %s", number, what, code, message)
        self._emit(failed, (number, code, message))
        return None

    async def _open(self, number: str) -> None:
        data = await self._post(number, "open", "door_open_failed")
        if data is not None:
            log.info("door %s opened", number)
            self._emit("door_opened", (number, float(data.get("seconds") or 0.0)))

    async def _video(self, number: str) -> None:
        data = await self._post(number, "video", "door_video_failed")
        if data is None:
            return
        url = data.get("url")
        if not isinstance(url, str) or not url:
            self._emit("door_video_failed", (number, DoorError.FAILED.value, "no url"))
            return
        direct = data.get("direct_url")
        self._emit("door_video_link", (number, DoorVideoLink(
            url, float(data.get("expires_in") or 60.0),
            direct if isinstance(direct, str) and direct else None)))
