"""The doors' cameras fanned out to any number of viewers over one connection per door.

A door station's web server is small (typically a handful of streams at most), and every
viewer pulling its own stream would multiply its load and the upstream bandwidth. So the
PBX keeps ONE connection per door: the first viewer opens it, every further viewer shares
it, and it closes LINGER seconds after the last viewer left (a viewer reconnecting with a
fresh link, or a second user joining, finds it still open and sees a picture at once).

Each viewer has a one-frame slot and an event, never a queue: the reader task replaces the
slot with every new JPEG, so a slow viewer (a phone on a bad link) skips frames and always
shows the newest one instead of drifting behind. JPEG bytes are forwarded as received: no
decoding, no re-encoding, no added latency beyond one copy.

When the door's stream breaks, every viewer's stream ends (clients reconnect with a new
link, which opens a new upstream connection).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import aiohttp

from softphone.pbx.media.mjpeg import MjpegError, MjpegParts, boundary_of

log = logging.getLogger(__name__)

LINGER = 3.0              # seconds the upstream stays open after the last viewer left
CONNECT_TIMEOUT = 5.0     # to reach the camera and get its response headers
READ_TIMEOUT = 10.0       # a camera silent this long has failed


class DoorUnreachable(Exception):
    """The door's camera could not be reached or did not answer with MJPEG."""


class Viewer:
    """One client's stream: the newest frame not yet sent, and whether the feed ended."""

    def __init__(self) -> None:
        self._frame: bytes | None = None
        self._ended = False
        self._event = asyncio.Event()

    def put(self, jpeg: bytes) -> None:
        self._frame = jpeg          # an unsent older frame is dropped: newest wins
        self._event.set()

    def end(self) -> None:
        self._ended = True
        self._event.set()

    async def next(self) -> bytes | None:
        """The newest frame, waiting for one; None once the feed has ended."""
        while self._frame is None:
            if self._ended:
                return None
            self._event.clear()
            await self._event.wait()
        frame, self._frame = self._frame, None
        return frame


class DoorFeed:
    """The shared upstream of one door's camera."""

    def __init__(self, door: str, url: str, session: aiohttp.ClientSession,
                 linger: float) -> None:
        self.door = door
        self.url = url
        self._session = session
        self._linger = linger
        self._viewers: set[Viewer] = set()
        self._latest: bytes | None = None
        self._task: asyncio.Task[None] | None = None
        self._starting = asyncio.Lock()
        self._idle: asyncio.TimerHandle | None = None
        self.connections = 0        # upstream connections opened so far (for tests, logs)
        self.frames = 0

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def viewers(self) -> int:
        return len(self._viewers)

    async def join(self) -> Viewer:
        """A new viewer; opens the upstream if it is not open. DoorUnreachable if that fails."""
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        async with self._starting:  # viewers arriving together share one connection attempt
            if not self.running:
                response = await self._connect()
                self._latest = None
                self._task = asyncio.create_task(self._pump(response),
                                                 name=f"door-video-{self.door}")
            viewer = Viewer()
            if self._latest is not None:
                viewer.put(self._latest)    # a picture at once, not after the next frame
            self._viewers.add(viewer)
            if not self.running:            # the camera hung up at once
                self.leave(viewer)
                viewer.end()
            return viewer

    def leave(self, viewer: Viewer) -> None:
        self._viewers.discard(viewer)
        if not self._viewers and self.running and self._idle is None:
            loop = asyncio.get_running_loop()
            self._idle = loop.call_later(self._linger, self._stop_if_idle)

    def _stop_if_idle(self) -> None:
        self._idle = None
        if not self._viewers and self._task is not None:
            self._task.cancel()

    async def _connect(self) -> aiohttp.ClientResponse:
        self.connections += 1
        try:
            response = await self._session.get(
                self.url, timeout=aiohttp.ClientTimeout(total=None, connect=CONNECT_TIMEOUT,
                                                        sock_read=READ_TIMEOUT))
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise DoorUnreachable(f"{type(exc).__name__}: {exc}") from exc
        try:
            if response.status != 200:
                raise DoorUnreachable(f"the camera answered HTTP {response.status}")
            boundary_of(response.headers.get("Content-Type", ""))
        except (DoorUnreachable, MjpegError) as exc:
            response.close()
            raise DoorUnreachable(str(exc)) from exc
        log.info("door %s: camera stream opened", self.door,
                 extra={"event": "door_video_open", "door": self.door})
        return response

    async def _pump(self, response: aiohttp.ClientResponse) -> None:
        reason = "ended"
        try:
            boundary = boundary_of(response.headers.get("Content-Type", ""))
            async for jpeg in MjpegParts(response.content, boundary):
                if not jpeg:
                    continue
                self.frames += 1
                self._latest = jpeg
                for viewer in self._viewers:
                    viewer.put(jpeg)
        except asyncio.CancelledError:
            reason = "no viewers" if not self._viewers else "shutdown"
            raise
        except (aiohttp.ClientError, TimeoutError, OSError, MjpegError) as exc:
            reason = f"{type(exc).__name__}: {exc}"
        finally:
            response.close()
            self._latest = None
            viewers, self._viewers = self._viewers, set()
            for viewer in viewers:
                viewer.end()
            log.info("door %s: camera stream closed (%s)", self.door, reason,
                     extra={"event": "door_video_closed", "door": self.door,
                            "reason": reason, "frames": self.frames})

    async def close(self) -> None:
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        task = self._task
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for viewer in self._viewers:
            viewer.end()
        self._viewers.clear()


class VideoRelay:
    """The feeds of all doors. One per API application; close() at shutdown."""

    def __init__(self, linger: float = LINGER,
                 session_factory: Callable[[], aiohttp.ClientSession] | None = None) -> None:
        self._linger = linger
        self._session_factory = session_factory or _default_session
        self._session: aiohttp.ClientSession | None = None
        self._feeds: dict[str, DoorFeed] = {}
        self._closed = False

    def feed(self, door: str) -> DoorFeed | None:
        return self._feeds.get(door)

    @property
    def connections(self) -> int:
        """Upstream connections opened so far, all doors together."""
        return sum(feed.connections for feed in self._feeds.values())

    async def watch(self, door: str, url: str) -> tuple[DoorFeed, Viewer]:
        """Join ``door``'s feed (opening it if need be); DoorUnreachable if it cannot be."""
        if self._closed:
            raise DoorUnreachable("the PBX is shutting down")
        if self._session is None:
            self._session = self._session_factory()
        feed = self._feeds.get(door)
        if feed is None:    # the configuration is fixed for the daemon's life
            feed = self._feeds[door] = DoorFeed(door, url, self._session, self._linger)
        return feed, await feed.join()

    async def close(self) -> None:
        """End every viewer's stream and every upstream connection."""
        self._closed = True
        feeds = list(self._feeds.values())
        self._feeds.clear()
        for feed in feeds:
            await feed.close()
        if self._session is not None:
            await self._session.close()
            self._session = None


def _default_session() -> aiohttp.ClientSession:
    # One connection per door is all we make; no cookies, no connection reuse needed.
    return aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar(),
                                 connector=aiohttp.TCPConnector(force_close=True))
