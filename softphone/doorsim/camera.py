"""The door camera: one producer draws and JPEG-encodes frames at the configured rate
while someone watches, and every viewer of /video.mjpg gets the newest frame (a slow
viewer skips frames instead of falling behind, as real cameras do)."""

from __future__ import annotations

import asyncio
import contextlib
import io
import time
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass

from aiohttp import web
from PIL import Image

from softphone.doorsim.scene import Scene

BOUNDARY = "frame"


@dataclass(frozen=True)
class Frame:
    counter: int
    drawn_at: float  # Unix time
    jpeg: bytes


class Camera:
    def __init__(self, fps: float = 15.0, quality: int = 80,
                 clock: Callable[[], float] = time.time) -> None:
        if fps <= 0:
            raise ValueError("fps must be positive")
        self.fps = fps
        self.quality = quality
        self._clock = clock
        self._scene = Scene()
        self._counter = 0
        self._latest: Frame | None = None
        self._new_frame = asyncio.Condition()
        self._viewers = 0
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    def _encode(self, counter: int, now: float) -> Frame:
        buf = io.BytesIO()
        Image.fromarray(self._scene.render(counter, now)).save(
            buf, "JPEG", quality=self.quality)
        return Frame(counter, now, buf.getvalue())

    async def _next(self) -> Frame:
        self._counter += 1
        return await asyncio.to_thread(self._encode, self._counter, self._clock())

    async def snapshot(self) -> Frame:
        """The newest frame while the stream runs, else a freshly drawn one."""
        if self._task is not None and self._latest is not None:
            return self._latest
        return await self._next()

    async def _produce(self) -> None:
        loop = asyncio.get_running_loop()
        period = 1.0 / self.fps
        due = loop.time()
        while True:
            frame = await self._next()
            async with self._new_frame:
                self._latest = frame
                self._new_frame.notify_all()
            due += period
            delay = due - loop.time()
            if delay < 0:  # behind (busy CPU): drop the missed slots, keep the rate
                due = loop.time()
                delay = 0
            await asyncio.sleep(delay)

    async def frames(self) -> AsyncGenerator[Frame, None]:
        """Every new frame from now on, for one viewer; the producer runs while anyone
        watches."""
        self._viewers += 1
        if self._task is None:
            self._task = asyncio.create_task(self._produce(), name="doorsim-camera")
        try:
            last = -1

            def fresh() -> bool:
                return self._closed or (self._latest is not None and self._latest.counter != last)

            while not self._closed:
                async with self._new_frame:
                    await self._new_frame.wait_for(fresh)
                    frame = self._latest
                if self._closed or frame is None:
                    return
                last = frame.counter
                yield frame
        finally:
            self._viewers -= 1
            if self._viewers == 0:
                await self.stop()

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._latest = None

    async def close(self) -> None:
        """Stop the camera for good: every viewer's stream ends (at server shutdown)."""
        self._closed = True
        async with self._new_frame:
            self._new_frame.notify_all()
        await self.stop()

    async def handle_mjpeg(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={
            "Content-Type": f"multipart/x-mixed-replace; boundary={BOUNDARY}",
            "Cache-Control": "no-cache, no-store",
            "Pragma": "no-cache",
        })
        await response.prepare(request)
        frames = self.frames()
        try:
            async for frame in frames:
                await response.write(
                    f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\n"
                    f"Content-Length: {len(frame.jpeg)}\r\n"
                    f"X-Frame-Counter: {frame.counter}\r\n"
                    f"X-Timestamp: {frame.drawn_at:.3f}\r\n\r\n".encode()
                    + frame.jpeg + b"\r\n")
        except ConnectionResetError:  # the viewer went away
            pass
        finally:
            await frames.aclose()
        return response

    async def handle_snapshot(self, request: web.Request) -> web.Response:
        frame = await self.snapshot()
        return web.Response(body=frame.jpeg, content_type="image/jpeg", headers={
            "Cache-Control": "no-cache, no-store",
            "X-Frame-Counter": str(frame.counter),
            "X-Timestamp": f"{frame.drawn_at:.3f}",
        })
