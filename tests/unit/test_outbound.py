"""Where the PBX sends a request for a registered phone (features/outbound.py, RFC 5626
section 5.3 and RFC 3263 section 4 for numeric hosts), and the limits of the connections it
opens itself (sip/connector.py), with real sockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from collections.abc import Callable
from pathlib import Path

import pytest

from softphone.pbx.features.outbound import (
    contact_target,
    flow_headers,
    flow_target,
    outbound_contact,
)
from softphone.pbx.sip.address import NameAddr
from softphone.pbx.sip.connector import Connector, client_tls_context
from softphone.pbx.sip.message import Message, Request
from softphone.pbx.sip.parser import parse_message
from softphone.pbx.store import Binding
from tests.helpers.certs import self_signed

SOURCE = ("127.0.0.1", 40001)


def binding(contact: str, transport: str) -> Binding:
    return Binding("101", contact, 0.0, SOURCE, transport, "c", 1)


@pytest.mark.parametrize(("contact", "target"), [
    ("sip:101@127.0.0.1:5070;transport=tcp", (("127.0.0.1", 5070), "tcp")),
    ("sip:101@127.0.0.1;transport=TLS", (("127.0.0.1", 5061), "tls")),
    ("sips:101@127.0.0.1:5071", (("127.0.0.1", 5071), "tls")),
    ("sip:101@127.0.0.1", (("127.0.0.1", 5060), "udp")),
    ("sip:101@[::1]:5072;transport=tcp", (("::1", 5072), "tcp")),
    ("sip:101@127.0.0.1;transport=sctp", (("127.0.0.1", 5060), "udp")),
])
def test_contact_target(contact: str, target: tuple[tuple[str, int], str]) -> None:
    assert contact_target(contact) == target


def test_flow_while_it_lives_then_the_contact() -> None:
    tcp = binding("sip:101@127.0.0.1:5070;transport=tcp", "tcp")
    assert flow_target(tcp, {"tcp": {SOURCE: object()}}) == (SOURCE, "tcp")
    assert flow_target(tcp, {"tcp": {}}) == (("127.0.0.1", 5070), "tcp")
    udp = binding("sip:101@10.0.0.9:5060", "udp")  # behind NAT: its source, always
    assert flow_target(udp, {}) == (SOURCE, "udp")
    broken = binding("not a uri", "tcp")
    assert flow_target(broken, {}) == (SOURCE, "tcp")
    # The Contact is only followed to the address the phone registered from: a user must
    # not make the PBX connect to other hosts (nor a NATed phone's private address).
    elsewhere = binding("sip:101@192.0.2.7:5070;transport=tcp", "tcp")
    assert flow_target(elsewhere, {"tcp": {}}) == (SOURCE, "tcp")
    named = binding("sip:101@phone.example;transport=tcp", "tcp")
    assert flow_target(named, {"tcp": {}}) == (SOURCE, "tcp")


def register(vias: int = 1) -> Request:
    via = "".join(f"Via: SIP/2.0/TCP 127.0.0.1:{5000 + i};branch=z9hG4bK{i}\r\n"
                  for i in range(vias))
    msg = parse_message((f"REGISTER sip:127.0.0.1 SIP/2.0\r\n{via}From: <sip:101@x>;tag=1\r\n"
                         "To: <sip:101@x>\r\nCall-ID: c\r\nCSeq: 1 REGISTER\r\n"
                         "Content-Length: 0\r\n\r\n").encode())
    assert isinstance(msg, Request)
    return msg


@pytest.mark.parametrize(("params", "vias", "bound"), [
    (';+sip.instance="<urn:uuid:1>";reg-id=1', 1, True),
    (';+sip.instance="<urn:uuid:1>"', 1, False),          # no reg-id
    (";reg-id=1", 1, False),                              # no instance
    (';+sip.instance="<urn:uuid:1>";reg-id=x', 1, False),  # malformed reg-id
    (';+sip.instance="<urn:uuid:1>";reg-id=1', 2, False),  # not the first hop
])
def test_outbound_contact(params: str, vias: int, bound: bool) -> None:
    contact = NameAddr.parse(f"<sip:101@127.0.0.1;transport=tcp>{params}")
    assert outbound_contact(register(vias), contact) is bound


class Recorder(asyncio.Protocol):
    def __init__(self, name: str) -> None:
        self.name = name
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def write(self, data: bytes) -> None:
        assert self.transport is not None
        self.transport.write(data)

    def is_open(self) -> bool:
        return self.transport is not None and not self.transport.is_closing()


def recording(opened: list[Recorder]) -> Callable[[str], Recorder]:
    """A connection factory that keeps what it made in ``opened``."""
    def factory(name: str) -> Recorder:
        opened.append(Recorder(name))
        return opened[-1]
    return factory


def close_all(opened: list[Recorder]) -> None:
    for proto in opened:
        if proto.transport is not None:
            proto.transport.close()


def invite(n: int = 0) -> Request:
    msg = parse_message((f"INVITE sip:101@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1;"
                         f"branch=z9hG4bK{n}\r\nFrom: <sip:100@x>;tag=1\r\nTo: <sip:101@x>\r\n"
                         "Call-ID: c\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n").encode())
    assert isinstance(msg, Request)
    return msg


def dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_refused_connect_reports_every_waiting_message() -> None:
    failed: list[Message] = []
    done = asyncio.Event()

    def unreachable(msg: Message, dest: tuple[str, int], name: str) -> None:
        failed.append(msg)
        done.set()

    connector = Connector(Recorder, unreachable)
    dest = ("127.0.0.1", dead_port())
    first, second = invite(1), invite(2)
    connector.send(first, b"x", dest, "tcp")
    connector.send(second, b"y", dest, "tcp")   # waits for the same connect
    await asyncio.wait_for(done.wait(), 5)
    assert failed == [first, second]


class Server:
    """A listener on 127.0.0.1 that accepts and never answers (a TLS client's handshake
    stays pending); every accepted connection is closed with it."""

    def __init__(self) -> None:
        self.accepted: asyncio.Queue[asyncio.StreamWriter] = asyncio.Queue()
        self.writers: list[asyncio.StreamWriter] = []

    async def start(self) -> int:
        async def accept(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.writers.append(writer)
            await self.accepted.put(writer)

        self.server = await asyncio.start_server(accept, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        for writer in self.writers:
            writer.close()
        self.server.close()
        await self.server.wait_closed()


async def test_limits_of_queue_connects_and_opened_connections() -> None:
    """Past each limit a message is reported at once; those waiting for a handshake that
    never ends are reported when the connect timeout strikes."""
    silent, plain = Server(), Server()
    silent_port, plain_port = await silent.start(), await plain.start()
    failed: asyncio.Queue[Message] = asyncio.Queue()
    opened: list[Recorder] = []
    connector = Connector(recording(opened), lambda m, d, n: failed.put_nowait(m),
                          client_tls_context(False), timeout=0.5, max_connecting=1,
                          max_queued=2, max_opened=1)
    msgs = [invite(i) for i in range(6)]
    for msg in msgs[:3]:
        connector.send(msg, b"x", ("127.0.0.1", silent_port), "tls")  # 2 wait, 1 refused
    connector.send(msgs[3], b"x", ("127.0.0.1", dead_port()), "tls")  # one connect at once
    assert [await failed.get(), await failed.get()] == [msgs[2], msgs[3]]
    await silent.accepted.get()  # the handshake that will never end has begun
    assert failed.empty()
    assert [await failed.get(), await failed.get()] == [msgs[0], msgs[1]]  # the timeout

    connector.send(msgs[4], b"x", ("127.0.0.1", plain_port), "tcp")
    await plain.accepted.get()  # one connection opened and open: max_opened reached
    connector.send(msgs[5], b"x", ("127.0.0.1", dead_port()), "tcp")
    assert await failed.get() is msgs[5]
    connector.close()
    close_all(opened)
    await silent.close()
    await plain.close()


@pytest.mark.parametrize("verify", [False, True])
async def test_a_self_signed_phone_is_reached_unless_verification_is_on(
        verify: bool, tmp_path: Path) -> None:
    """[sip] tls_verify_phones: off (the default) reaches a phone with a self-signed
    certificate; on, the handshake fails and the message is reported unreachable."""
    cert, key = self_signed(tmp_path, "phone")
    phone_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    phone_tls.load_cert_chain(cert, key)
    received: asyncio.Queue[bytes] = asyncio.Queue()

    async def phone(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, ssl.SSLError):
            await received.put(await reader.readexactly(5))
        writer.close()

    server = await asyncio.start_server(phone, "127.0.0.1", 0, ssl=phone_tls)
    port = server.sockets[0].getsockname()[1]
    failed: asyncio.Queue[str] = asyncio.Queue()
    opened: list[Recorder] = []
    connector = Connector(recording(opened), lambda m, d, n: failed.put_nowait(n),
                          client_tls_context(verify))
    connector.send(invite(), b"hello", ("127.0.0.1", port), "tls")
    if verify:
        assert await asyncio.wait_for(failed.get(), 5) == "tls"
    else:
        assert await asyncio.wait_for(received.get(), 5) == b"hello"
    close_all(opened)
    server.close()
    await server.wait_closed()


def test_flow_timer_only_for_connections() -> None:
    """RFC 5626 4.4.1: over UDP the phone keeps its own 25-29 s (NATs forget sooner)."""
    assert flow_headers(120, "tcp") == [("Require", "outbound"), ("Flow-Timer", "120")]
    assert flow_headers(120, "tls") == [("Require", "outbound"), ("Flow-Timer", "120")]
    assert flow_headers(120, "udp") == [("Require", "outbound")]
