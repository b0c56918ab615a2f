"""MJPEG over HTTP (multipart/x-mixed-replace), as IP door stations serve it: no Qt here.

We read the HTTP stream ourselves and split the parts instead of handing the URL to
FFmpeg's mpjpeg demuxer because
- stop() must end a blocking read at once: we own the socket and shut it down, whereas
  PyAV exposes no interrupt callback for a blocking av.open()/demux on HTTP;
- cameras differ in the details: boundary given with or without a leading "--", parts
  with or without Content-Length, CRLF or bare LF; the parser below accepts all of them;
- connection failures become our error codes instead of FFmpeg's generic EIO.
Each part's JPEG is decoded by PyAV's mjpeg codec (one CodecContext per connection).
"""

from __future__ import annotations

import http.client
import socket
import threading
import urllib.parse
from collections.abc import Iterator, Mapping

MAX_HEADER_BYTES = 16 * 1024
MAX_PART_BYTES = 8 * 1024 * 1024      # a 4K JPEG is ~2 MB; more means a broken stream
READ_CHUNK = 64 * 1024


class StreamError(Exception):
    """The stream could not be opened or broke; .code is what the GUI turns into words."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code


class MjpegConnection:
    """One HTTP connection to an MJPEG URL; parts() yields the JPEG bytes of each part.

    close() may be called from any thread: it shuts the socket down, so a blocked read
    returns immediately."""

    def __init__(self, url: str, headers: Mapping[str, str] | None = None,
                 timeout: float = 10.0) -> None:
        self._url = url
        self._headers = dict(headers or {})
        self._timeout = timeout
        self._lock = threading.Lock()
        self._conn: http.client.HTTPConnection | None = None
        self._closed = False
        self._buf = bytearray()
        self._resp: http.client.HTTPResponse | None = None

    def open(self) -> None:
        parsed = urllib.parse.urlsplit(self._url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise StreamError("bad_url", self._url)
        secure = parsed.scheme == "https"
        cls = http.client.HTTPSConnection if secure else http.client.HTTPConnection
        conn = cls(parsed.hostname, parsed.port, timeout=self._timeout)
        with self._lock:
            if self._closed:
                raise StreamError("stopped")
            self._conn = conn
        path = parsed.path or "/"
        if parsed.query:
            path += "?" + parsed.query
        try:
            conn.request("GET", path, headers=self._headers)
            resp = conn.getresponse()
        except (OSError, http.client.HTTPException) as exc:
            raise StreamError("connect_failed", str(exc)) from exc
        if resp.status != 200:
            code = "unauthorized" if resp.status in (401, 403) else "http_status"
            raise StreamError(code, str(resp.status))
        ctype = resp.getheader("Content-Type", "")
        self._boundary = _boundary_of(ctype)
        self._resp = resp

    def close(self) -> None:
        with self._lock:
            self._closed = True
            conn = self._conn
        if conn is not None and conn.sock is not None:
            try:
                conn.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()

    # -- reading -------------------------------------------------------------------------

    def _fill(self) -> None:
        assert self._resp is not None
        try:
            data = self._resp.read1(READ_CHUNK)
        # AttributeError: close() from another thread while http.client was between the
        # chunks of a chunked body (cameras behind aiohttp send chunked); it is a close.
        except (OSError, ValueError, AttributeError, http.client.HTTPException) as exc:
            raise StreamError("stream_ended", str(exc)) from exc
        if not data:
            raise StreamError("stream_ended")
        self._buf += data

    def _read_line(self) -> bytes:
        while True:
            idx = self._buf.find(b"\n")
            if idx >= 0:
                line = bytes(self._buf[: idx + 1])
                del self._buf[: idx + 1]
                return line.rstrip(b"\r\n")
            if len(self._buf) > MAX_HEADER_BYTES:
                raise StreamError("bad_stream", "header line too long")
            self._fill()

    def _read_exact(self, n: int) -> bytes:
        while len(self._buf) < n:
            self._fill()
        data = bytes(self._buf[:n])
        del self._buf[:n]
        return data

    def _read_until_boundary(self) -> bytes:
        """A part without Content-Length ends at the next line of dashes + boundary."""
        start = 0
        while True:
            idx = self._buf.find(self._boundary, start)
            if idx >= 0:
                line_start = idx
                while line_start > 0 and self._buf[line_start - 1] == 0x2D:    # "-"
                    line_start -= 1
                if idx - line_start >= 2 and line_start > 0 and self._buf[line_start - 1] == 0x0A:
                    body = bytes(self._buf[: line_start - 1]).removesuffix(b"\r")
                    del self._buf[:line_start]    # leave "--boundary..." as the next line
                    return body
                start = idx + 1
                continue
            if len(self._buf) > MAX_PART_BYTES:
                raise StreamError("bad_stream", "part too large")
            start = max(0, len(self._buf) - len(self._boundary))
            self._fill()

    def parts(self) -> Iterator[bytes]:
        while True:
            line = self._read_line().strip()
            # RFC 2046 5.1.1: "--" + boundary; cameras also send the dashes twice or once.
            if not line.startswith(b"--") or not line.lstrip(b"-").startswith(self._boundary):
                continue       # preamble or trailing bytes after a part: skip them
            if line.endswith(b"--") and line.lstrip(b"-") != self._boundary:
                raise StreamError("stream_ended", "closing boundary")
            length = None
            while True:
                header = self._read_line()
                if not header:
                    break
                name, _, value = header.partition(b":")
                if name.strip().lower() == b"content-length":
                    try:
                        length = int(value.strip())
                    except ValueError:
                        length = None
            if length is not None and 0 <= length <= MAX_PART_BYTES:
                yield self._read_exact(length)
            else:
                yield self._read_until_boundary()


def _boundary_of(content_type: str) -> bytes:
    mime, _, params = content_type.partition(";")
    if not mime.strip().lower().startswith("multipart/"):
        raise StreamError("bad_content_type", content_type)
    for param in params.split(";"):
        key, _, value = param.strip().partition("=")
        if key.strip().lower() == "boundary":
            value = value.strip().strip('"')
            # Some cameras put the leading "--" into the parameter as well.
            value = value.lstrip("-")
            if value:
                return value.encode("latin-1")
    raise StreamError("bad_content_type", "no boundary")
