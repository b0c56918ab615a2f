"""The engine's end of the GUI connection: JSON lines in, responses and events out.

The protocol is softphone.common.engine_protocol.  The engine loop must never block on
the socket (pjsip only runs while the loop calls libHandleEvents, and RTP is only read
then), so :class:`Connection` is non-blocking both ways: poll() reads what is there
(select with timeout 0), send() queues and writes what the socket takes, flush() writes
the rest on the next loop turn.  When the GUI goes away (EOF, reset) the connection is
closed and the engine exits by itself: a GUI that was killed must not leave an orphan
holding the sound card and a registration.
"""

from __future__ import annotations

import logging
import select
import socket
from typing import Any

from softphone.common.engine_protocol import (
    MAX_LINE,
    ErrorCode,
    ProtocolError,
    decode,
    encode,
    error,
    event,
    response,
    validate_request,
)

log = logging.getLogger(__name__)


class CommandError(Exception):
    """A request that cannot be done: the code goes to the GUI, which words it."""

    def __init__(self, code: ErrorCode, detail: str = "") -> None:
        super().__init__(f"{code.value}: {detail}")
        self.code = code
        self.detail = detail


class Connection:
    """Newline-delimited JSON over a connected stream socket, never blocking."""

    def __init__(self, sock: socket.socket) -> None:
        sock.setblocking(False)
        self.sock = sock
        self.closed = False
        self._in = bytearray()
        self._out = bytearray()

    def poll(self) -> list[dict[str, Any] | ProtocolError]:
        """Messages that arrived since the last call (a ProtocolError for a bad line)."""
        if self.closed:
            return []
        try:
            readable, _, _ = select.select([self.sock], [], [], 0)
            chunk = self.sock.recv(1 << 16) if readable else None
        except (BlockingIOError, InterruptedError):
            return []
        except OSError:
            chunk = b""
        if chunk is None:
            return []
        if not chunk:
            self.close()
            return []
        self._in += chunk
        *lines, rest = bytes(self._in).split(b"\n")
        self._in = bytearray(rest)
        out: list[dict[str, Any] | ProtocolError] = []
        if len(self._in) > MAX_LINE:   # a line that never ends: drop it, say so
            self._in.clear()
            out.append(ProtocolError("line too long"))
        for line in lines:
            if line.strip():
                try:
                    out.append(decode(line))
                except ProtocolError as exc:
                    out.append(exc)
        return out

    def send(self, obj: dict[str, Any]) -> None:
        if not self.closed:
            self._out += encode(obj)
            self.flush()

    def flush(self) -> None:
        while self._out and not self.closed:
            try:
                sent = self.sock.send(self._out)
            except (BlockingIOError, InterruptedError):
                return          # the GUI is slow to read: the rest goes next turn
            except OSError:
                self.close()
                return
            del self._out[:sent]

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            try:
                self.sock.close()
            except OSError:
                pass


class Server:
    """Dispatches requests to a handler's ``cmd_<name>(**args)`` methods (the aiosmtpd
    ``handle_<VERB>`` pattern) and answers each with a response or an error."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def emit(self, name: str, data: dict[str, Any]) -> None:
        self.conn.send(event(name, data))

    def poll(self, handler: Any) -> None:
        for message in self.conn.poll():
            if isinstance(message, ProtocolError):
                self.conn.send(error(0, ErrorCode.BAD_REQUEST, str(message)))
            elif message.get("type") == "request":
                self.handle(handler, message)

    def handle(self, handler: Any, message: dict[str, Any]) -> None:
        raw_id = message.get("id")
        req_id = raw_id if isinstance(raw_id, int) else 0
        try:
            req_id, cmd, args = validate_request(message)
        except ProtocolError as exc:
            self.conn.send(error(req_id, ErrorCode.BAD_REQUEST, str(exc)))
            return
        try:
            result = getattr(handler, f"cmd_{cmd}")(**args)
        except CommandError as exc:
            self.conn.send(error(req_id, exc.code, exc.detail))
            return
        except Exception as exc:   # one bad request must not end the engine
            log.exception("request %s failed", cmd)
            self.conn.send(error(req_id, ErrorCode.INTERNAL, f"{type(exc).__name__}: {exc}"))
            return
        self.conn.send(response(req_id, result))
