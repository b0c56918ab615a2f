"""The door station simulator as a subprocess for tests (`python -m softphone.doorsim`),
its JSON event lines read from stderr, and a reader for its MJPEG stream."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp

from tests.helpers.pbxproc import free_port


class DoorsimProcess:
    def __init__(self, *args: str, port: int | None = None) -> None:
        self.port = port or free_port()
        self.args = list(args)
        self.proc: subprocess.Popen[str] | None = None
        self.lines: list[dict[str, Any]] = []
        self._queue: queue.Queue[dict[str, Any]] = queue.Queue()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 10.0) -> DoorsimProcess:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "softphone.doorsim", "--host", "127.0.0.1",
             "--port", str(self.port), *self.args],
            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        try:
            self.wait_for("ready", timeout)
        except AssertionError:
            self.proc.kill()
            self.proc.wait()
            self._reader.join(5)
            raise
        return self

    def _read(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        for line in self.proc.stderr:
            try:
                item = json.loads(line)
            except json.JSONDecodeError:
                item = {"event": "raw", "msg": line.rstrip()}
            self.lines.append(item)
            self._queue.put(item)

    def wait_for(self, event: str, timeout: float = 5.0, **match: Any) -> dict[str, Any]:
        def fits(item: dict[str, Any]) -> bool:
            return item.get("event") == event and all(item.get(k) == v for k, v in match.items())
        for item in list(self.lines):
            if fits(item):
                return item
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                item = self._queue.get(timeout=left)
            except queue.Empty:
                break
            if fits(item):
                return item
        tail = "\n".join(json.dumps(x) for x in self.lines[-20:])
        raise AssertionError(f"doorsim did not log {event} {match} within {timeout}s:\n{tail}")

    def stop(self, timeout: float = 10.0) -> int:
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("doorsim did not stop within 10 s of SIGTERM") from None
        self._reader.join(timeout)
        if self.proc.stderr is not None:
            self.proc.stderr.close()
        return self.proc.returncode


async def mjpeg_parts(
    response: aiohttp.ClientResponse,
) -> AsyncIterator[tuple[dict[str, str], bytes, float]]:
    """Split a multipart/x-mixed-replace stream: (part headers, body, arrival time)."""
    ctype = response.headers["Content-Type"]
    assert ctype.startswith("multipart/x-mixed-replace"), ctype
    boundary = ctype.split("boundary=", 1)[1].strip().strip('"')
    content = response.content
    while True:
        line = await content.readline()
        if not line:
            return
        if line.strip() != f"--{boundary}".encode():
            assert line.strip() == b"", f"junk between parts: {line[:80]!r}"
            continue
        headers: dict[str, str] = {}
        while (line := await content.readline()).strip():
            name, _, value = line.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        body = await content.readexactly(int(headers["content-length"]))
        yield headers, body, time.monotonic()
