"""The door station simulator as a subprocess for tests (`python -m softphone.doorsim`),
its JSON event lines read from stderr, and a reader for its MJPEG stream."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import aiohttp

from tests.helpers.jsonproc import JsonLogProcess
from tests.helpers.pbxproc import free_port


class DoorsimProcess(JsonLogProcess):
    name = "doorsim"

    def __init__(self, *args: str, port: int | None = None) -> None:
        self.port = port or free_port()
        super().__init__("softphone.doorsim",
                         ["--host", "127.0.0.1", "--port", str(self.port), *args])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 10.0) -> DoorsimProcess:
        self.start_process(timeout)
        return self


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
