"""RTP that ends at the PBX: one participant's media socket for a conference room.

Unlike the relay (relay.py), which forwards packets unread, an endpoint parses what it
receives (RFC 3550 section 5.1), passes voice payloads up with their sequence numbers and
turns RFC 4733 telephone-events into digits, and sends the mixer's frames as its own
stream (its own SSRC, sequence numbers and timestamps). SRTP (RFC 3711) is removed on the
way in and added on the way out when the participant's SDP negotiated it.

Latching as in the relay (RFC 7362 section 4): frames go to the SDP's address until the
first packet arrives, then to that packet's source; a different source is taken only
from the SDP's address. The RTCP port of the pair is bound (RFC 3550 section 11) and
what arrives there is read and dropped: receiver reports change nothing in a mix.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import socket
import time
from collections.abc import Callable
from typing import Any, cast

from softphone.pbx.media.codecs import TIMESTAMP_STEP
from softphone.pbx.media.ports import PortPool
from softphone.pbx.media.rtp import RtpHeader, TelephoneEvent, build_rtp
from softphone.pbx.media.srtp import SrtpContext, SrtpError

log = logging.getLogger(__name__)
# RFC 4733 section 3.2: events 0-9 are the digits, 10 "*", 11 "#", 12-15 "A"-"D".
DTMF_EVENTS = "0123456789*#ABCD"
Address = tuple[Any, ...]


class _Sink(asyncio.DatagramProtocol):
    """The RTCP socket: kept open, its datagrams dropped."""


class RtpEndpoint(asyncio.DatagramProtocol):
    def __init__(self, pool: PortPool, port: int, rtcp: socket.socket) -> None:
        self._pool = pool
        self.local_port = port
        self._rtcp_sock = rtcp
        self.transport: asyncio.DatagramTransport | None = None
        self._rtcp: asyncio.BaseTransport | None = None
        self.remote: Address | None = None
        self.latched: Address | None = None
        self.peer_hosts: set[str] = set()   # hosts a latch may come from (set_remote)
        self.audio_pt = 0
        self.dtmf_pt: int | None = None
        self.on_audio: Callable[[int, bytes], None] = lambda seq, payload: None
        self.on_digit: Callable[[str], None] = lambda digit: None
        self.inbound: SrtpContext | None = None
        self.outbound: SrtpContext | None = None
        self.sending = True                # False while the participant holds the call
        self._ssrc = secrets.randbits(32)
        self._seq = secrets.randbits(16)   # random starts: RFC 3550 section 5.1
        self._ts = secrets.randbits(32)
        self._marker = True
        self._event_ts: int | None = None   # RTP timestamp of the newest event (RFC 4733)
        self._event_digit = ""
        self._event_reported = True
        self.received = self.sent = self.dropped = 0
        self.last_rx = time.monotonic()   # the participant's last packet (or the start)
        self.closed = False

    @classmethod
    async def open(cls, pool: PortPool) -> RtpEndpoint:
        """Bind a port pair from ``pool`` (RelayError when none is free)."""
        port, rtp, rtcp = pool.bind_pair(0)
        endpoint = cls(pool, port, rtcp)
        loop = asyncio.get_running_loop()
        try:
            await loop.create_datagram_endpoint(lambda: endpoint, sock=rtp)
            endpoint._rtcp, _ = await loop.create_datagram_endpoint(_Sink, sock=rtcp)
        except BaseException:
            endpoint.close()
            rtp.close()
            rtcp.close()
            raise
        return endpoint

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def set_remote(self, addr: Address | None, signalling_host: str | None = None) -> None:
        """Where the participant's SDP says its media is, and the address its SIP came
        from: the endpoint latches (symmetric RTP, for NAT) only onto a source on one of
        these two hosts, never onto a stranger who sends first (issue 15: RTP hijack)."""
        if addr != self.remote:
            self.latched = None
        self.remote = addr
        self.peer_hosts = {h for h in (addr[0] if addr else None, signalling_host) if h}

    def datagram_received(self, data: bytes, addr: Address) -> None:
        if addr != self.latched:
            if self.latched is not None and addr != self.remote:
                self.dropped += 1
                return
            if len(data) < 12 or data[0] & 0xC0 != 0x80 or \
                    (self.peer_hosts and addr[0] not in self.peer_hosts):
                self.dropped += 1
                return
            self.latched = addr
        if self.inbound is not None:
            try:
                data = self.inbound.unprotect(data)
            except SrtpError:
                self.dropped += 1
                return
        header = RtpHeader.parse(data)
        if header is None:
            self.dropped += 1
            return
        self.received += 1
        self.last_rx = time.monotonic()
        payload = header.payload(data)
        if header.payload_type == self.dtmf_pt:
            self._event(header, payload)
        elif header.payload_type == self.audio_pt:
            self.on_audio(header.seq, payload)
        # Comfort noise (RFC 3389) and anything else: not part of the mix.

    def _event(self, header: RtpHeader, payload: bytes) -> None:
        """RFC 4733 section 2.5.1.3: a digit's end packet is sent three times with the same
        timestamp; it is reported once, at the first of them. An event with a newer
        timestamp ends the one before (2.5.2.2): a digit whose end packets were all lost
        is reported then, so one lost packet burst does not turn a right PIN into a wrong
        one. Packets of an older event (reordered) are ignored."""
        event = TelephoneEvent.parse(payload)
        if event is None or event.event >= len(DTMF_EVENTS):
            return
        ts = header.timestamp
        if ts != self._event_ts:
            if self._event_ts is not None and (ts - self._event_ts) & 0xFFFFFFFF >= 1 << 31:
                return
            if not self._event_reported:
                self.on_digit(self._event_digit)
            self._event_ts, self._event_digit = ts, DTMF_EVENTS[event.event]
            self._event_reported = False
        if event.end and not self._event_reported:
            self._event_reported = True
            self.on_digit(self._event_digit)

    def send(self, payload: bytes) -> None:
        """One 20 ms frame of the participant's codec."""
        self._seq = (self._seq + 1) & 0xFFFF
        self._ts = (self._ts + TIMESTAMP_STEP) & 0xFFFFFFFF
        target = self.latched or self.remote
        if target is None or self.transport is None or not self.sending:
            self._marker = True    # the next packet starts a talkspurt again
            return
        packet = build_rtp(self.audio_pt, self._seq, self._ts, self._ssrc, payload,
                           marker=self._marker)
        self._marker = False
        if self.outbound is not None:
            packet = self.outbound.protect(packet)
        self.transport.sendto(packet, target)
        self.sent += 1

    def error_received(self, exc: Exception) -> None:
        log.debug("conference RTP socket error: %s", exc)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self.transport is not None:
            self.transport.close()
        if self._rtcp is not None:
            self._rtcp.close()
        else:
            self._rtcp_sock.close()
        self._pool.release(self.local_port)
