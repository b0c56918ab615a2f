"""Reading a camera's MJPEG stream (multipart/x-mixed-replace) in asyncio, without decoding.

The PBX only forwards the JPEG bytes, so this splits the endless multipart body into its
parts and nothing more. Cameras differ in the details (as the GUI's reader,
softphone/gui/video/mjpeg.py, also knows): the boundary parameter with or without a leading
"--", parts with or without Content-Length, CRLF or bare LF, junk between parts. aiohttp's
MultipartReader is made for finite form bodies (it wants the closing boundary and reads
parts without a length line by line), so this small parser is ours, over aiohttp's
StreamReader. Every size is bounded: a broken or hostile camera cannot grow our memory.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import StreamReader

MAX_HEADER_BYTES = 16 * 1024
MAX_PART_BYTES = 8 * 1024 * 1024      # a 4K JPEG is ~2 MB; more means a broken stream


class MjpegError(Exception):
    """The stream is not MJPEG, or broke its own framing."""


def boundary_of(content_type: str) -> bytes:
    """The multipart boundary of a Content-Type header (RFC 2046 section 5.1.1)."""
    mime, _, params = content_type.partition(";")
    if not mime.strip().lower().startswith("multipart/"):
        raise MjpegError(f"not a multipart stream: {content_type[:100]!r}")
    for param in params.split(";"):
        key, _, value = param.strip().partition("=")
        if key.strip().lower() == "boundary":
            # Some cameras put the delimiter's "--" into the parameter as well.
            value = value.strip().strip('"').lstrip("-")
            if value:
                return value.encode("latin-1")
    raise MjpegError("the multipart stream names no boundary")


class MjpegParts:
    """``async for jpeg in MjpegParts(response.content, boundary)``: each part's body.

    Ends when the stream ends (or sends the closing delimiter); MjpegError on framing the
    parser cannot follow, and whatever the StreamReader raises on a broken connection."""

    def __init__(self, content: StreamReader, boundary: bytes) -> None:
        self._content = content
        self._boundary = boundary
        self._buf = bytearray()
        self._eof = False

    async def _fill(self) -> bool:
        """Read more into the buffer; False at the end of the stream."""
        if self._eof:
            return False
        data = await self._content.readany()
        if not data:
            self._eof = True
            return False
        self._buf += data
        return True

    async def _line(self) -> bytes | None:
        start = 0
        while (idx := self._buf.find(b"\n", start)) < 0:
            if len(self._buf) > MAX_HEADER_BYTES:
                raise MjpegError("a header line is too long")
            start = len(self._buf)
            if not await self._fill():
                return None
        line = bytes(self._buf[:idx]).rstrip(b"\r")
        del self._buf[:idx + 1]
        return line

    async def _exactly(self, length: int) -> bytes | None:
        while len(self._buf) < length:
            if not await self._fill():
                return None
        body = bytes(self._buf[:length])
        del self._buf[:length]
        return body

    async def _until_delimiter(self) -> bytes | None:
        """A part without Content-Length ends at the next line "--boundary"."""
        delimiter = b"\n--" + self._boundary
        start = 0
        while len(self._buf) < len(delimiter) and await self._fill():
            pass
        if self._buf.startswith(delimiter[1:]):
            return b""                     # an empty part
        while (idx := self._buf.find(delimiter, start)) < 0:
            if len(self._buf) > MAX_PART_BYTES:
                raise MjpegError("a part is larger than 8 MB")
            start = max(0, len(self._buf) - len(delimiter))
            if not await self._fill():
                return None
        body = bytes(self._buf[:idx]).removesuffix(b"\r")
        del self._buf[:idx + 1]            # the delimiter line is read next
        return body

    def _is_delimiter(self, line: bytes) -> bool:
        line = line.strip()
        return line.startswith(b"--") and line.lstrip(b"-").startswith(self._boundary)

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._parts()

    async def _parts(self) -> AsyncIterator[bytes]:
        skipped = 0
        while True:
            line = await self._line()
            if line is None:
                return
            if not self._is_delimiter(line):
                skipped += len(line) + 1   # preamble, or CRLF after a part's body
                if skipped > MAX_PART_BYTES:
                    raise MjpegError("no boundary in the stream")
                continue
            skipped = 0
            if line.strip().lstrip(b"-") == self._boundary + b"--":
                return                     # the close-delimiter: the camera ended the stream
            length = await self._headers()
            if length is None:
                body = await self._until_delimiter()
            elif length > MAX_PART_BYTES:
                raise MjpegError(f"a part of {length} bytes is larger than 8 MB")
            else:
                body = await self._exactly(length)
            if body is None:
                return                     # the stream ended inside a part: drop the torso
            yield body

    async def _headers(self) -> int | None:
        """Read a part's headers; its Content-Length if it gave a valid one."""
        length: int | None = None
        size = 0
        while True:
            line = await self._line()
            if not line:                   # the blank line (or the end: caught by the body)
                return length
            size += len(line)
            if size > MAX_HEADER_BYTES:
                raise MjpegError("a part's headers are too long")
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                text = value.strip()
                length = int(text) if text.isdigit() and len(text) < 12 else None
