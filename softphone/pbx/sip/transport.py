"""SIP transports over asyncio: UDP, TCP and TLS, framing and response routing (RFC 3261
section 18; TLS per section 26 and RFC 5630: TCP's stream framing inside TLS 1.2 or newer).

The transport parses what arrives and hands every message (or parse error) up through one
callback; it never raises into the event loop. It stamps `received`/`rport` on the top Via
of requests (RFC 3261 18.2.1, RFC 3581) so responses go back where the request came from.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from softphone.pbx.sip import stun
from softphone.pbx.sip.address import AddressError
from softphone.pbx.sip.connector import Connector, Unreachable
from softphone.pbx.sip.message import Message, Request, Response
from softphone.pbx.sip.parser import (
    FramingError,
    Limits,
    SipParseError,
    StreamFramer,
    parse_message,
)
from softphone.pbx.sip.streamguard import DRAIN, StreamLimits, idle_reason, refusal

log = logging.getLogger(__name__)

Addr = tuple[str, int]
# on_message(message_or_error, source address, transport name)
ReceiveFn = Callable[[Message | SipParseError, Addr, str], None]

RCVBUF = 4 * 1024 * 1024  # DESIGN.md: default buffers dropped bursts above ~12,000 msg/s
TLS_HANDSHAKE_S = 10.0  # a client that does not finish its handshake in time is dropped


def _stamp_via(req: Request, source: Addr) -> None:
    """RFC 3261 18.2.1 `received` and RFC 3581 `rport` on the top Via."""
    try:
        top = req.top_via
    except (AddressError, IndexError):
        return
    changed = False
    if top.host != source[0]:
        top.params["received"] = source[0]
        changed = True
    if "rport" in top.params:
        top.params["rport"] = str(source[1])
        top.params["received"] = source[0]
        changed = True
    if changed:
        req.headers.replace_first("Via", str(top))
        req.headers.remember("Via", top)  # what the new value parses to: no second parse


def response_destination(resp: Response, fallback: Addr) -> Addr:
    """Where a response over UDP goes: RFC 3261 18.2.2 with RFC 3581 rport."""
    try:
        via = resp.top_via
    except (AddressError, IndexError):
        return fallback
    host = via.params.get("received") or via.host
    rport = via.params.get("rport")
    if rport and rport.isdigit():
        return host, int(rport)
    return host, via.port or 5060


class _UdpProtocol(asyncio.DatagramProtocol):
    def __init__(self, owner: SipTransport) -> None:
        self.owner = owner
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)  # uvloop's is no subclass

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        source = (addr[0], addr[1])
        if data in (b"\r\n\r\n", b"\r\n"):  # RFC 5626 keep-alive over UDP: ignore
            return
        if stun.is_stun(data):  # RFC 5626 4.4.2: STUN keep-alive, answered on the SIP port
            answer = stun.binding_response(data, source)
            if answer is not None and self.transport is not None:
                self.transport.sendto(answer, addr)
            return
        owner = self.owner
        if owner.on_datagram is not None and owner.on_datagram(data, source):
            return  # a retransmission, answered without parsing it again
        msg: Message | SipParseError
        try:
            msg = parse_message(data, owner.limits)
        except SipParseError as err:
            msg = err
        else:
            msg.raw = data
        owner.deliver(msg, source, "udp")

    def error_received(self, exc: Exception) -> None:
        log.debug("udp error: %s", exc)


class _StreamConnection(asyncio.Protocol):
    """One TCP or TLS connection (`name` "tcp"/"tls"; for TLS asyncio calls connection_made
    after the handshake, so what arrives here is already plain SIP). ``accepted``: the
    peer connected to us (capped by StreamLimits), not we to it."""

    def __init__(self, owner: SipTransport, name: str = "tcp", accepted: bool = False) -> None:
        self.owner = owner
        self.name = name
        self.accepted = accepted
        self.framer = StreamFramer(owner.limits)
        self.transport: asyncio.Transport | None = None
        self.peer: Addr = ("", 0)
        self.opened = self.last_rx = _now()
        self.framed = False        # a complete message (or keep-alive) arrived
        self.draining = False      # after a framing error: input is thrown away

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        peer = transport.get_extra_info("peername")
        self.peer = (peer[0], peer[1])
        limits = self.owner.stream_limits
        if self.accepted:
            why = refusal(limits, self.owner.accepted_count(),
                          self.owner.accepted_count(self.peer[0]))
            if why is not None:
                log.warning("%s connection from %s refused: %s", self.name, self.peer[0], why,
                            extra={"event": "tcp_refused", "ip": self.peer[0], "reason": why})
                self.transport.abort()
                return
        # Past the high-water mark pause_writing is called: the peer does not read.
        self.transport.set_write_buffer_limits(high=limits.write_buffer)
        self.owner.connections[self.name][self.peer] = self

    def data_received(self, data: bytes) -> None:
        self.last_rx = _now()
        if self.draining:
            return
        try:
            items = self.framer.feed(data)
        except FramingError as err:
            self._broken(err)
            return
        for item in items:
            self.framed = True
            if isinstance(item, bytes):
                self.write(b"\r\n")  # RFC 5626 3.5.1: pong
            else:
                if isinstance(item, Request):
                    _stamp_via(item, self.peer)
                self.owner.deliver(item, self.peer, self.name)

    def _broken(self, err: FramingError) -> None:
        """The stream cannot be framed (a 1 MB header, say): answer with the error's 4xx,
        then read and discard for a moment before closing. Closing with unread input would
        send a reset, which can destroy the answer before the client reads it."""
        if err.request is not None:
            self.owner.deliver(err, self.peer, self.name)
        else:   # nothing to build a full response from: the status line tells the client
            self.write(f"SIP/2.0 {err.status} {err.reason}\r\nContent-Length: 0\r\n\r\n"
                       .encode())
        self.draining = True
        if self.transport is not None and self.transport.can_write_eof():
            self.transport.write_eof()
        asyncio.get_running_loop().call_later(DRAIN, self.abort)

    def write(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def pause_writing(self) -> None:
        log.warning("%s connection with %s:%d dropped: it does not read what the PBX sends "
                    "(over %d bytes waiting)", self.name, *self.peer,
                    self.owner.stream_limits.write_buffer,
                    extra={"event": "tcp_slow_reader", "transport": self.name,
                           "peer": list(self.peer)})
        self.abort()

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    def is_open(self) -> bool:
        return self.transport is not None and not self.transport.is_closing()

    def connection_lost(self, exc: Exception | None) -> None:
        table = self.owner.connections[self.name]
        if table.get(self.peer) is self:
            del table[self.peer]
            # A flow is gone (RFC 5626): requests now go to the Contact (features/outbound).
            log.info("%s connection with %s:%d closed", self.name, *self.peer,
                     extra={"event": "flow_closed", "transport": self.name,
                            "peer": list(self.peer)})


def _now() -> float:
    return asyncio.get_running_loop().time()


@dataclass
class ListenAddress:
    host: str
    port: int


class SipTransport:
    """Listens on UDP and/or TCP at one address, and TLS on its own port; sends requests and
    responses. Responses and requests to a device that connected over TCP or TLS go back over
    its connection (RFC 3261 18.2.2, RFC 5626 outbound)."""

    def __init__(self, host: str, port: int, on_message: ReceiveFn, limits: Limits | None = None,
                 on_datagram: Callable[[bytes, Addr], bool] | None = None, *,
                 tls: ssl.SSLContext | None = None, tls_port: int = 5061,
                 tls_client: ssl.SSLContext | None = None,
                 stream_limits: StreamLimits | None = None):
        self.host = host
        self.port = port
        self.tls_port = tls_port  # 0: any free port, known after start()
        self.on_message = on_message
        # Asked first about every UDP datagram; True means handled (SipCore.on_datagram).
        self.on_datagram = on_datagram
        self.limits = limits or Limits()
        self.stream_limits = stream_limits or StreamLimits()
        self._sweeper: asyncio.TimerHandle | None = None
        self.tls = tls
        # Open connections by transport name ("tcp", "tls") and peer address.
        self.connections: dict[str, dict[Addr, _StreamConnection]] = {"tcp": {}, "tls": {}}
        self._udp: _UdpProtocol | None = None
        self._servers: list[asyncio.Server] = []
        # Told about a message that could not be sent because no connection could be
        # opened (TransactionLayer.transport_error).
        self.on_unreachable: Unreachable | None = None
        self.connector = Connector(lambda name: _StreamConnection(self, name),
                                   self._unreachable, tls_client)

    async def start(self, transports: tuple[str, ...] = ("udp", "tcp")) -> None:
        loop = asyncio.get_running_loop()
        if "udp" in transports:
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
            sock.bind((self.host, self.port))
            self.port = sock.getsockname()[1]
            _, proto = await loop.create_datagram_endpoint(lambda: _UdpProtocol(self), sock=sock)
            self._udp = proto
        if "tcp" in transports:
            server = await loop.create_server(
                lambda: _StreamConnection(self, "tcp", accepted=True), self.host, self.port,
                reuse_address=True)
            self._servers.append(server)
            if self.port == 0:
                self.port = server.sockets[0].getsockname()[1]
        if "tls" in transports:
            if self.tls is None:
                raise ValueError("transport 'tls' needs a TLS server context")
            server = await loop.create_server(
                lambda: _StreamConnection(self, "tls", accepted=True), self.host, self.tls_port,
                ssl=self.tls, reuse_address=True, ssl_handshake_timeout=TLS_HANDSHAKE_S,
            )
            self._servers.append(server)
            self.tls_port = server.sockets[0].getsockname()[1]
        if self._servers:
            self._sweeper = loop.call_later(self.stream_limits.sweep_interval, self._sweep)

    def accepted_count(self, ip: str | None = None) -> int:
        """Open connections that peers made to us (from ``ip`` only, if given)."""
        return sum(1 for table in self.connections.values() for conn in table.values()
                   if conn.accepted and (ip is None or conn.peer[0] == ip))

    def _sweep(self) -> None:
        """Close accepted connections that stay idle (streamguard.idle_reason)."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        for table in self.connections.values():
            for conn in list(table.values()):
                why = conn.accepted and idle_reason(self.stream_limits, now, conn.opened,
                                                    conn.last_rx, conn.framed)
                if why:
                    log.info("%s connection with %s:%d closed: %s", conn.name, *conn.peer,
                             why, extra={"event": "tcp_idle", "peer": list(conn.peer),
                                         "reason": why})
                    conn.abort()
        self._sweeper = loop.call_later(self.stream_limits.sweep_interval, self._sweep)

    def deliver(self, msg: Message | SipParseError, source: Addr, transport: str) -> None:
        if transport == "udp":
            # A parse error's partial request is answered too: it needs the same stamping.
            req = msg.request if isinstance(msg, SipParseError) else msg
            if isinstance(req, Request):
                _stamp_via(req, source)
        try:
            self.on_message(msg, source, transport)
        except Exception:  # a bug above must not take the transport down
            log.exception("error handling SIP message from %s", source)

    def send(self, msg: Message, dest: Addr, transport: str) -> None:
        data = msg.to_bytes()
        if transport in ("tcp", "tls"):
            conn = self.connections[transport].get(dest)
            if conn is not None and conn.is_open():
                conn.write(data)
            else:
                # RFC 3261 18.2.2: if the connection is gone, open a new one.
                self.connector.send(msg, data, dest, transport)
            return
        if self._udp is None or self._udp.transport is None:
            log.warning("no UDP transport to send to %s", dest)
            return
        self._udp.transport.sendto(data, dest)

    def _unreachable(self, msg: Message, dest: Addr, transport: str) -> None:
        if self.on_unreachable is not None:
            self.on_unreachable(msg, dest, transport)

    async def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
        self.connector.close()
        if self._udp is not None and self._udp.transport is not None:
            self._udp.transport.close()
        for server in self._servers:
            server.close()
        for table in self.connections.values():
            for conn in list(table.values()):
                conn.close()
        for server in self._servers:
            await server.wait_closed()
