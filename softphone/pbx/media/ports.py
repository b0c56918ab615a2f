"""The RTP relay's ports: even/odd RTP/RTCP pairs bound from the configured range.

Pairs are picked at random (an attacker cannot guess the next call's ports, as it could
with sequential ones), except the most recently freed ones, which rest a while so that
late packets of an old call do not reach a new one. Each socket gets a large receive
buffer before it is bound: default buffers dropped bursts in the PBX measurements
(DESIGN.md).
"""

from __future__ import annotations

import errno
import logging
import secrets
import socket
from collections import deque

DEFAULT_RCVBUF = 4 * 1024 * 1024
RANDOM_TRIES = 16         # random picks before scanning the range (it is nearly full)
MAX_RESTING = 256         # recently freed pairs kept out of use
BoundPair = tuple[int, socket.socket, socket.socket]   # RTP port, RTP and RTCP sockets

_log = logging.getLogger(__name__)


class RelayError(Exception):
    """The relay cannot give a session (port range exhausted, address not bindable)."""


class PortPool:
    def __init__(self, host: str, port_min: int, port_max: int,
                 rcvbuf: int = DEFAULT_RCVBUF) -> None:
        first = port_min + (port_min & 1)
        if not 0 < first < port_max <= 65535:
            raise ValueError(f"RTP port range {port_min}-{port_max} holds no even/odd pair")
        self.host = host
        self._family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._rcvbuf = rcvbuf
        self._pairs = list(range(first, port_max, 2))  # even ports P with P+1 <= port_max
        self._in_use: set[int] = set()
        # Freed pairs, oldest first: not picked while resting (unless nothing else is free).
        self._resting: deque[int] = deque(maxlen=min(MAX_RESTING, len(self._pairs) // 4))
        self._warned_rcvbuf = False

    def bind_pair(self, sessions: int) -> BoundPair:
        """The next free pair, bound; RelayError naming the range (and the ``sessions``
        active) when every pair is taken."""
        count = len(self._pairs)
        resting = set(self._resting)
        picks = (self._pairs[secrets.randbelow(count)] for _ in range(RANDOM_TRIES))
        start = secrets.randbelow(count)
        scan = (self._pairs[(start + i) % count] for i in range(count))
        for rest_ok, candidates in ((False, picks), (False, scan), (True, iter(self._pairs))):
            for port in candidates:
                if port in self._in_use or (port in resting and not rest_ok):
                    continue
                bound = self._bind_pair(port)
                if bound is not None:
                    return bound
        raise RelayError(
            f"no free RTP port pair in {self.host}:{self._pairs[0]}-{self._pairs[-1] + 1} "
            f"({sessions} sessions active)"
        )

    def _bind_pair(self, port: int) -> BoundPair | None:
        rtp_sock = self._bind(port)
        if rtp_sock is None:
            return None
        rtcp_sock = self._bind(port + 1)
        if rtcp_sock is None:
            rtp_sock.close()
            return None
        self._in_use.add(port)
        return port, rtp_sock, rtcp_sock

    def free(self, bound: list[BoundPair]) -> None:
        """Close pairs that never became a session."""
        for port, rtp_sock, rtcp_sock in bound:
            rtp_sock.close()
            rtcp_sock.close()
            self._in_use.discard(port)

    def release(self, port: int) -> None:
        """A session's pair is free again (its sockets are closed by the session)."""
        self._in_use.discard(port)
        if self._resting.maxlen:
            self._resting.append(port)

    def _bind(self, port: int) -> socket.socket | None:
        sock = socket.socket(self._family, socket.SOCK_DGRAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self._rcvbuf)
            got = sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
            if got < self._rcvbuf and not self._warned_rcvbuf:
                # Linux caps at net.core.rmem_max (and reports double what it grants).
                self._warned_rcvbuf = True
                _log.warning("RTP receive buffer is %d bytes, wanted %d: raise "
                             "net.core.rmem_max", got, self._rcvbuf)
            sock.setblocking(False)
            sock.bind((self.host, port))
        except OSError as exc:
            sock.close()
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return None
            raise RelayError(f"cannot bind RTP port {self.host}:{port}: {exc}") from exc
        return sock
