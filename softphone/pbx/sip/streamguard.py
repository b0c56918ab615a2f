"""Bounds on SIP over TCP and TLS connections, so that no client runs the PBX out of
memory or file descriptors (the API and the calls share the process's descriptors).

- A cap on connections from one address and on connections overall (accepted ones; the
  PBX's own connections to phones are not refused): past it a new connection is closed at
  once. The overall cap stays well under the unit's LimitNOFILE, which keeps descriptors
  for the API, the relay's RTP sockets and the databases.
- Idle timeouts: a connection that has not sent a complete message within
  ``first_message`` seconds, or nothing at all (not even an RFC 5626 CRLF keep-alive) for
  ``idle`` seconds, is closed. ``idle`` outlasts a re-registration interval, so phones that
  keep their connection open between REGISTERs keep it.
- A bound on what waits to be written to one connection: a client that does not read
  would otherwise make the PBX buffer without limit; past ``write_buffer`` bytes it is
  dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

WRITE_BUFFER = 256 * 1024
FIRST_MESSAGE = 30.0
DRAIN = 2.0   # seconds input is read and thrown away after a framing error (no RST)


@dataclass(frozen=True)
class StreamLimits:
    max_connections: int = 4096
    max_per_address: int = 64
    idle: float = 3720.0
    first_message: float = FIRST_MESSAGE
    write_buffer: int = WRITE_BUFFER

    @property
    def sweep_interval(self) -> float:
        """How often idle connections are looked for."""
        return max(0.2, min(5.0, self.first_message / 4, self.idle / 4))


def refusal(limits: StreamLimits, total: int, from_address: int) -> str | None:
    """Why a new accepted connection is refused, given the open ones (None: accepted)."""
    if total >= limits.max_connections:
        return f"{total} connections open, at most {limits.max_connections}"
    if from_address >= limits.max_per_address:
        return (f"{from_address} connections open from this address, at most "
                f"{limits.max_per_address}")
    return None


def idle_reason(limits: StreamLimits, now: float, opened: float, last_rx: float,
                framed: bool) -> str | None:
    """Why a connection is closed as idle at ``now`` (None: it stays)."""
    if not framed and now - opened >= min(limits.first_message, limits.idle):
        return "no complete message"
    if now - last_rx >= limits.idle:
        return "idle"
    return None
