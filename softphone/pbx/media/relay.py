"""RTP relay for anchored calls: every call's media passes through the PBX (DESIGN.md).

A ``RelaySession`` has two legs, a (caller side) and b (callee side). Each leg owns an
even RTP port and the RTCP port above it (RFC 3550 section 11). What arrives on leg a's
ports leaves through leg b's sockets to leg b's peer, and vice versa; packets are not
parsed, so codecs, SSRCs and RFC 4733 telephone-events pass unchanged.

Symmetric RTP with latching (RFC 4961; the "latching" of RFC 7362 section 4): a leg sends
to the address in its peer's SDP until the first packet arrives from the peer, then to
that packet's source, which is what a peer behind NAT can receive on. To keep a stranger
from hijacking the stream (RFC 7362 section 5.1), a different source is only accepted
after the latched one has been silent for ``LATCH_IDLE`` seconds or after a new SDP
address (re-INVITE); meanwhile its packets are dropped. Each socket latches on its own,
as NATs map RTP and RTCP ports independently.

The forwarding path is ``datagram_received`` -> ``transport.sendto`` with no queue, no
task and no parsing: a few attribute reads per packet, which is what makes uvloop's
~10 us a packet possible. When a socket's send buffer fills, packets are dropped instead
of buffered (late voice is useless; unbounded buffering would only add delay).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from softphone.pbx.media.ports import DEFAULT_RCVBUF, BoundPair, PortPool, RelayError
from softphone.pbx.media.srtp import SrtpContext, SrtpError

LATCH_IDLE = 2.0

Address = tuple[Any, ...]
_log = logging.getLogger(__name__)
_monotonic = time.monotonic


@dataclass(frozen=True, slots=True)
class SessionStats:
    """Packets and bytes forwarded each way.

    ``dropped``: rejected (not RTP/RTCP, or from a stranger while the latched source is
    active); ``not_forwarded``: accepted but not sent on because the other side is on hold
    or has no address yet.
    """

    a_to_b_packets: int
    a_to_b_bytes: int
    b_to_a_packets: int
    b_to_a_bytes: int
    rtcp_a_to_b_packets: int
    rtcp_b_to_a_packets: int
    dropped: int
    not_forwarded: int


class _Channel(asyncio.DatagramProtocol):
    """One socket of one leg (RTP or RTCP); forwards what it receives to its ``peer``."""

    def __init__(self, min_len: int) -> None:
        self.min_len = min_len  # 12 for RTP (RFC 3550 5.1), 8 for RTCP (6.4)
        self.transport: asyncio.DatagramTransport | None = None
        self.peer: _Channel = self
        self.remote: Address | None = None
        self.latched: Address | None = None
        # The source latched before the SDP moved (a transfer, a re-INVITE): that peer may
        # still be sending for a moment and must not win the new latch.
        # Only for LATCH_IDLE: a NAT'd phone that re-INVITEs with a new SDP port keeps its
        # source address, and must get its latch back.
        self.stale: Address | None = None
        self.stale_until = 0.0
        self.last_rx = 0.0
        self.receiving = True
        self.paused = False
        # Where this channel's socket sends to; None means "send nothing" (hold, no peer
        # address yet, or send buffer full). Kept up to date so the hot path reads one field.
        self.target: Address | None = None
        self.packets = 0
        self.bytes = 0
        self.dropped = 0
        self.held = 0
        # SRTP (RFC 3711) on this leg: what the peer sends is checked and decrypted with
        # ``inbound``, what goes to it is encrypted with ``outbound``; None: plain RTP.
        self.inbound: SrtpContext | None = None
        self.outbound: SrtpContext | None = None
        self.rtcp = min_len == 8
        # A barge-in on a shared line (media/tap.py): what the peer sends goes to the
        # conference mixer instead of the other leg; None: plain forwarding.
        self.tap: Callable[[bytes], None] | None = None
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's UDP transport is not an asyncio.DatagramTransport subclass.
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: Address) -> None:
        now = _monotonic()
        latch = addr != self.latched
        if latch and not self._may_latch(data, addr, now):
            self.dropped += 1
            return
        if self.tap is not None:
            self.tap(data)
            return
        peer = self.peer
        target = peer.target
        if self.inbound is not None or peer.outbound is not None:
            try:
                data = self._crypt(data, peer.outbound)
            except SrtpError as exc:
                self.dropped += 1
                _log.debug("relay dropped a packet from %s: %s", addr, exc)
                return
        if latch:
            # Only now: with SRTP a new source must authenticate before it is latched.
            self._latch(addr, now)
        else:
            self.last_rx = now
        if target is not None:
            peer.transport.sendto(data, target)  # type: ignore[union-attr]
            self.packets += 1
            self.bytes += len(data)
        else:
            self.held += 1

    def _crypt(self, data: bytes, outbound: SrtpContext | None) -> bytes:
        inbound = self.inbound
        if self.rtcp:
            if inbound is not None:
                data = inbound.unprotect_rtcp(data)
            return data if outbound is None else outbound.protect_rtcp(data)
        if inbound is not None:
            data = inbound.unprotect(data)
        return data if outbound is None else outbound.protect(data)

    def _may_latch(self, data: bytes, addr: Address, now: float) -> bool:
        # Only something that looks like RTP/RTCP (version 2) may claim the stream;
        # stray datagrams and port scans must not move it.
        if len(data) < self.min_len or data[0] & 0xC0 != 0x80:
            return False
        if addr == self.stale and now < self.stale_until:
            return False
        if self.latched is None or addr == self.remote:
            return True     # the first sender, or the address the peer's SDP names
        # Mid-call only the latched host may move, to another port (its NAT rebinding),
        # and only after being silent a while: never a stranger (RFC 7362 section 5.1).
        return addr[0] == self.latched[0] and now - self.last_rx >= LATCH_IDLE

    def _latch(self, addr: Address, now: float) -> None:
        if self.latched is not None:
            _log.info("relay re-latched %s -> %s after %.1f s of silence",
                      self.latched, addr, now - self.last_rx)
        self.latched = addr
        self.last_rx = now
        self.update_target()

    def update_target(self) -> None:
        if self.remote is None or not self.receiving or self.paused:
            self.target = None
        else:
            self.target = self.latched if self.latched is not None else self.remote

    def error_received(self, exc: Exception) -> None:
        # ICMP port unreachable from a peer that went away: nothing to do, the call's
        # signalling will end it. Logged at debug level to keep the log readable.
        _log.debug("relay socket error: %s", exc)

    def pause_writing(self) -> None:
        self.paused = True
        self.update_target()

    def resume_writing(self) -> None:
        self.paused = False
        self.update_target()

    def connection_lost(self, exc: Exception | None) -> None:
        self.target = None
        if not self.closed.done():
            self.closed.set_result(None)

    def close(self) -> None:
        self.target = None
        if self.transport is not None:
            self.transport.close()


def _next(addr: tuple[str, int]) -> tuple[str, int]:
    """RTCP's default address: the RTP port + 1 (RFC 3550 section 11)."""
    return addr[0], addr[1] + 1


async def _open(loop: asyncio.AbstractEventLoop, channel: _Channel, sock: socket.socket) -> None:
    await loop.create_datagram_endpoint(lambda: channel, sock=sock)


class RelayLeg:
    """One side of a relayed call: the ports its peer sends to and where we send back."""

    def __init__(self, port: int, rtp: _Channel, rtcp: _Channel, family: int) -> None:
        self.local_port = port
        self.local_rtcp_port = port + 1
        self._rtp = rtp
        self._rtcp = rtcp
        self._family = family
        self._sdp_addr: Address | None = None

    def set_remote(
        self, addr: tuple[str, int] | None, *, rtcp: tuple[str, int] | None = None
    ) -> None:
        """Where the peer's SDP says to send (None or port 0: hold, send nothing).

        RTCP goes to ``rtcp`` (from an RFC 3605 a=rtcp) or to the RTP port + 1. A new
        address (re-INVITE) drops the latch, so the peer may send from somewhere new.
        Raises ValueError for an address that is not an IP literal of the relay's family:
        resolving names here would block the event loop.
        """
        if addr is not None and (addr[1] == 0 or addr[0] in ("0.0.0.0", "::")):
            addr = None
        if addr is not None:
            self._check(addr)
            if rtcp is not None:
                self._check(rtcp)
            if addr != self._sdp_addr:
                for channel, named in ((self._rtp, addr), (self._rtcp, rtcp or _next(addr))):
                    if channel.latched == named:
                        # The peer the SDP names sent first (an answerer's media often
                        # overtakes its 200 OK): it keeps its latch, it is not a stale one.
                        continue
                    channel.stale, channel.latched = channel.latched, None
                    channel.stale_until = _monotonic() + LATCH_IDLE
                self._sdp_addr = addr
        self._rtp.remote = addr
        self._rtcp.remote = None if addr is None else rtcp or _next(addr)
        self._rtp.update_target()
        self._rtcp.update_target()

    def tap(self, received: Callable[[bytes], None] | None) -> None:
        """Hand the peer's RTP packets to ``received`` instead of the other leg (None:
        forward again); RTCP keeps flowing."""
        self._rtp.tap = received

    def send(self, packet: bytes) -> None:
        """An RTP packet of the PBX's own to this leg's peer (a mix, media/tap.py)."""
        channel = self._rtp
        if channel.target is not None and channel.transport is not None:
            channel.transport.sendto(packet, channel.target)

    def set_srtp(self, inbound: SrtpContext | None, outbound: SrtpContext | None) -> None:
        """SRTP on this leg (both None: plain RTP): ``inbound`` for what the peer sends,
        ``outbound`` for what is sent to it. A context holds the RTP and RTCP keys."""
        for channel in (self._rtp, self._rtcp):
            channel.inbound, channel.outbound = inbound, outbound

    @property
    def srtp(self) -> bool:
        """Whether this leg carries SRTP."""
        return self._rtp.outbound is not None

    def _check(self, addr: tuple[str, int]) -> None:
        try:
            ip = ipaddress.ip_address(addr[0])
        except ValueError:
            raise ValueError(f"RTP address must be an IP literal, got {addr[0]!r}") from None
        want = 6 if self._family == socket.AF_INET6 else 4
        if ip.version != want or not 0 < addr[1] < 65536:
            raise ValueError(f"cannot send to {addr} from an IPv{want} relay socket")

    @property
    def receiving(self) -> bool:
        """False while the peer does not want media (a=sendonly/inactive from it)."""
        return self._rtp.receiving

    @receiving.setter
    def receiving(self, value: bool) -> None:
        for channel in (self._rtp, self._rtcp):
            channel.receiving = value
            channel.update_target()

    @property
    def remote(self) -> Address | None:
        """The SDP address given to ``set_remote`` (None while on hold)."""
        return self._rtp.remote

    @property
    def latched(self) -> Address | None:
        """The source address RTP from the peer was latched to, if any yet."""
        return self._rtp.latched

    @property
    def target(self) -> Address | None:
        """Where RTP for this leg's peer goes right now (None: nothing is sent)."""
        return self._rtp.target


class RelaySession:
    """Two legs wired to each other; ``close`` frees the four ports."""

    def __init__(self, relay: RtpRelay, leg_a: RelayLeg, leg_b: RelayLeg) -> None:
        self._relay = relay
        self.leg_a = leg_a
        self.leg_b = leg_b
        self._channels = (leg_a._rtp, leg_a._rtcp, leg_b._rtp, leg_b._rtcp)
        self.closed = False
        self._watched_from: float | None = None

    def watch(self) -> None:
        """Count silence from now on (the call was answered): see ``silent_for``."""
        self._watched_from = _monotonic()

    def silent_for(self) -> float:
        """Seconds since any RTP or RTCP accepted from either side (or since ``watch``);
        0 when not watched."""
        if self._watched_from is None:
            return 0.0
        last = max(self._watched_from, *(channel.last_rx for channel in self._channels))
        return _monotonic() - last

    def close(self) -> None:
        """Stop relaying and free the ports; idempotent. ``wait_closed`` awaits the OS."""
        if self.closed:
            return
        self.closed = True
        for channel in self._channels:
            channel.close()
        self._relay._release(self)

    async def wait_closed(self) -> None:
        """Returns once every socket is closed, i.e. the ports can be bound again."""
        await asyncio.gather(*(channel.closed for channel in self._channels))

    @property
    def stats(self) -> SessionStats:
        a_rtp, a_rtcp, b_rtp, b_rtcp = self._channels
        return SessionStats(
            a_to_b_packets=a_rtp.packets, a_to_b_bytes=a_rtp.bytes,
            b_to_a_packets=b_rtp.packets, b_to_a_bytes=b_rtp.bytes,
            rtcp_a_to_b_packets=a_rtcp.packets, rtcp_b_to_a_packets=b_rtcp.packets,
            dropped=sum(channel.dropped for channel in self._channels),
            not_forwarded=sum(channel.held for channel in self._channels),
        )


class RtpRelay:
    """Hands out relay sessions with ports from [port_min, port_max] on ``host``."""

    def __init__(
        self, host: str, port_min: int, port_max: int, *, rcvbuf: int = DEFAULT_RCVBUF
    ) -> None:
        self.host = host
        self._family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._ports = PortPool(host, port_min, port_max, rcvbuf)
        self._sessions: set[RelaySession] = set()
        self._closed = False

    @property
    def pool(self) -> PortPool:
        """The port range, for media the PBX terminates itself (conference rooms)."""
        return self._ports

    @property
    def active_sessions(self) -> int:
        return len(self._sessions)

    async def allocate(self) -> RelaySession:
        """Bind two RTP/RTCP port pairs and return the session; RelayError if none free."""
        if self._closed:
            raise RelayError("the relay is closed")
        bound: list[BoundPair] = []
        try:
            for _ in range(2):
                bound.append(self._ports.bind_pair(len(self._sessions)))
        except BaseException:
            self._ports.free(bound)
            raise
        loop = asyncio.get_running_loop()
        legs: list[RelayLeg] = []
        try:
            for port, rtp_sock, rtcp_sock in bound:
                rtp, rtcp = _Channel(12), _Channel(8)
                await _open(loop, rtp, rtp_sock)
                await _open(loop, rtcp, rtcp_sock)
                legs.append(RelayLeg(port, rtp, rtcp, self._family))
        except BaseException:
            for leg in legs:
                leg._rtp.close()
                leg._rtcp.close()
            self._ports.free(bound)
            raise
        leg_a, leg_b = legs
        leg_a._rtp.peer, leg_b._rtp.peer = leg_b._rtp, leg_a._rtp
        leg_a._rtcp.peer, leg_b._rtcp.peer = leg_b._rtcp, leg_a._rtcp
        session = RelaySession(self, leg_a, leg_b)
        self._sessions.add(session)
        return session

    def _release(self, session: RelaySession) -> None:
        self._sessions.discard(session)
        self._ports.release(session.leg_a.local_port)
        self._ports.release(session.leg_b.local_port)

    async def close(self) -> None:
        """Close every session and wait until their sockets are closed."""
        self._closed = True
        sessions = list(self._sessions)
        for session in sessions:
            session.close()
        for session in sessions:
            await session.wait_closed()
