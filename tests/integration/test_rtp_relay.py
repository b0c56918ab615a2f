"""The RTP relay with real UDP sockets on 127.0.0.1: two plain-socket phones talk through it.

Absence of a packet is never asserted by sleeping: either a later packet on the same path
proves the earlier one was handled (loopback keeps order), or the relay's counters show
it was received before the receiving socket is checked.
"""

from __future__ import annotations

import asyncio
import random
import socket
import struct
import time
from collections.abc import AsyncIterator, Callable, Iterator

import numpy as np
import pytest
import uvloop

from softphone.pbx.media import g711, relay
from softphone.pbx.media.relay import RelayError, RelaySession, RtpRelay
from softphone.pbx.media.rtp import RtpHeader, TelephoneEvent, build_rtp, is_rtcp
from softphone.pbx.media.tones import dominant_frequency, goertzel_power, sine

HOST = "127.0.0.1"
SAMPLES = 160  # 20 ms at 8000 Hz (RFC 3551 section 4.5: default ptime 20 ms for G.711)


class Phone:
    """A plain UDP socket playing one phone (or a NAT mapping, or an attacker)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((HOST, 0))
        self.sock.setblocking(False)
        self.addr: tuple[str, int] = self.sock.getsockname()

    def send(self, data: bytes, port: int) -> None:
        # A datagram of a few hundred bytes never blocks on loopback; uvloop has no
        # sock_sendto, so send directly.
        self.sock.sendto(data, (HOST, port))

    async def receive(self, count: int, timeout: float = 3.0) -> list[bytes]:
        loop = asyncio.get_running_loop()
        got: list[bytes] = []
        async with asyncio.timeout(timeout):
            while len(got) < count:
                got.append(await loop.sock_recv(self.sock, 2048))
        return got

    def pending(self) -> list[bytes]:
        """What is queued on the socket right now, without waiting."""
        out = []
        while True:
            try:
                out.append(self.sock.recv(2048))
            except BlockingIOError:
                return out

    def close(self) -> None:
        self.sock.close()


def free_block(size: int) -> int:
    """An even port with ``size`` free ports from it (other tests run in parallel)."""
    for _ in range(500):
        base = random.randrange(20000, 30000, 2)
        socks: list[socket.socket] = []
        try:
            for port in range(base, base + size):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                socks.append(s)
                s.bind((HOST, port))
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
        return base
    raise RuntimeError("no free port block found")


async def until(predicate: Callable[[], bool], timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.005)


def packet(ssrc: int, seq: int = 1, pt: int = 0) -> bytes:
    return build_rtp(pt, seq, seq * SAMPLES, ssrc, bytes([0xFF]) * SAMPLES)


def ssrc_of(data: bytes) -> int:
    header = RtpHeader.parse(data)
    assert header is not None
    return header.ssrc


@pytest.fixture
async def rtp_relay() -> AsyncIterator[RtpRelay]:
    base = free_block(40)
    r = RtpRelay(HOST, base, base + 39)
    yield r
    await r.close()


@pytest.fixture
def phone() -> Iterator[Callable[[], Phone]]:
    """Makes phones, closed after the test even when it fails half-way."""
    made: list[Phone] = []

    def make() -> Phone:
        made.append(Phone())
        return made[-1]

    yield make
    for p in made:
        p.close()


@pytest.fixture
async def call(
    rtp_relay: RtpRelay, phone: Callable[[], Phone]
) -> tuple[RelaySession, Phone, Phone]:
    """An answered call: both legs know their phone's SDP address."""
    a, b = phone(), phone()
    session = await rtp_relay.allocate()
    session.leg_a.set_remote(a.addr)
    session.leg_b.set_remote(b.addr)
    return session, a, b


async def tone_call_both_ways() -> None:
    """A 1 kHz tone each way, PCMU from the caller and PCMA from the callee, 1 s each."""
    base = free_block(8)
    r = RtpRelay(HOST, base, base + 7)
    a, b = Phone(), Phone()
    try:
        session = await r.allocate()
        assert r.active_sessions == 1
        for leg in (session.leg_a, session.leg_b):
            assert leg.local_port % 2 == 0 and leg.local_rtcp_port == leg.local_port + 1
        session.leg_a.set_remote(a.addr)
        session.leg_b.set_remote(b.addr)
        n = 50
        tone = sine(1000, n * SAMPLES / 8000, amplitude=0.3)
        sent: dict[int, list[bytes]] = {0: [], 8: []}
        for i in range(n):
            frame = tone[i * SAMPLES:(i + 1) * SAMPLES]
            for pt, src, port, ssrc in ((0, a, session.leg_a.local_port, 0xA),
                                        (8, b, session.leg_b.local_port, 0xB)):
                pkt = build_rtp(pt, 1000 + i, i * SAMPLES, ssrc, g711.encode(frame, pt))
                sent[pt].append(pkt)
                src.send(pkt, port)
        at_b, at_a = await b.receive(n), await a.receive(n)
        # Transparent: every packet, in order, byte for byte, and nothing else.
        assert at_b == sent[0]
        assert at_a == sent[8]
        for got, pt in ((at_b, 0), (at_a, 8)):
            headers = [RtpHeader.parse(p) for p in got]
            audio = np.concatenate([g711.decode(h.payload(p), pt)
                                    for h, p in zip(headers, got, strict=True) if h])
            assert abs(dominant_frequency(audio) - 1000) <= 20
            assert goertzel_power(audio, 1000) > 100 * goertzel_power(audio, 2000)
        stats = session.stats
        assert (stats.a_to_b_packets, stats.b_to_a_packets) == (n, n)
        assert stats.a_to_b_bytes == stats.b_to_a_bytes == n * (12 + SAMPLES)
        assert stats.dropped == 0
        assert b.pending() == a.pending() == []
    finally:
        a.close()
        b.close()
        await r.close()
    assert r.active_sessions == 0


async def test_tone_passes_both_ways() -> None:
    await tone_call_both_ways()


def test_tone_passes_both_ways_on_uvloop() -> None:
    uvloop.run(tone_call_both_ways())


async def test_dtmf_telephone_event_passes_untouched(
    call: tuple[RelaySession, Phone, Phone],
) -> None:
    session, a, b = call
    event = TelephoneEvent(event=5, end=False, volume=10, duration=400).to_bytes()
    pkt = build_rtp(101, 77, 16000, 0xA, event, marker=True)  # RFC 4733 2.5.1.2: M bit
    a.send(pkt, session.leg_a.local_port)
    (got,) = await b.receive(1)
    assert got == pkt
    header = RtpHeader.parse(got)
    assert header is not None and header.payload_type == 101 and header.marker
    assert TelephoneEvent.parse(header.payload(got)) == TelephoneEvent(5, False, 10, 400)


async def test_rtcp_goes_port_plus_one_to_port_plus_one(
    rtp_relay: RtpRelay, phone: Callable[[], Phone]
) -> None:
    a, b, b_rtcp = phone(), phone(), phone()
    session = await rtp_relay.allocate()
    session.leg_a.set_remote(a.addr)
    session.leg_b.set_remote(b.addr, rtcp=b_rtcp.addr)  # RFC 3605 a=rtcp
    # An empty receiver report (RFC 3550 6.4.2): V=2, PT=201, length 1 word, SSRC.
    rr = struct.pack("!BBHI", 0x80, 201, 1, 0xA)
    assert is_rtcp(rr) and RtpHeader.parse(rr) is None
    a.send(rr, session.leg_a.local_rtcp_port)
    assert await b_rtcp.receive(1) == [rr]
    assert session.stats.rtcp_a_to_b_packets == 1
    assert b.pending() == []


async def test_latches_to_the_source_behind_nat(
    rtp_relay: RtpRelay, phone: Callable[[], Phone]
) -> None:
    # The caller's SDP names one port, but its NAT sends from another.
    in_sdp, nat, b = phone(), phone(), phone()
    session = await rtp_relay.allocate()
    session.leg_a.set_remote(in_sdp.addr)
    session.leg_b.set_remote(b.addr)
    # Before the caller has sent anything, the SDP address is all the relay knows.
    b.send(packet(0xB, 1), session.leg_b.local_port)
    assert [ssrc_of(p) for p in await in_sdp.receive(1)] == [0xB]
    nat.send(packet(0xA), session.leg_a.local_port)
    assert [ssrc_of(p) for p in await b.receive(1)] == [0xA]
    assert session.leg_a.latched == nat.addr
    b.send(packet(0xB, 2), session.leg_b.local_port)
    assert [ssrc_of(p) for p in await nat.receive(1)] == [0xB]
    assert in_sdp.pending() == []


async def test_stranger_cannot_hijack_an_active_stream(
    call: tuple[RelaySession, Phone, Phone], phone: Callable[[], Phone],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    session, a, b = call
    monkeypatch.setattr(relay, "LATCH_IDLE", 0.3)
    attacker = phone()
    a.send(packet(0xA, 1), session.leg_a.local_port)
    assert [ssrc_of(p) for p in await b.receive(1)] == [0xA]
    # The attacker's packet reaches the relay first; the caller's next one proves it
    # was handled, and only the caller's arrives.
    attacker.send(packet(0xBAD, 1), session.leg_a.local_port)
    a.send(packet(0xA, 2), session.leg_a.local_port)
    assert [ssrc_of(p) for p in await b.receive(1)] == [0xA]
    assert session.stats.dropped == 1
    # Media for the caller still goes to the caller, not to the attacker.
    b.send(packet(0xB, 1), session.leg_b.local_port)
    assert [ssrc_of(p) for p in await a.receive(1)] == [0xB]
    assert attacker.pending() == [] and b.pending() == []
    # After LATCH_IDLE of silence from the caller, a new source may take over (the
    # caller's NAT mapping changed): that is what makes roaming phones work.
    await asyncio.sleep(0.35)
    attacker.send(packet(0xC, 1), session.leg_a.local_port)
    assert [ssrc_of(p) for p in await b.receive(1)] == [0xC]
    assert session.leg_a.latched == attacker.addr


async def test_new_sdp_address_allows_relatching_at_once(
    call: tuple[RelaySession, Phone, Phone], phone: Callable[[], Phone]
) -> None:
    session, a, b = call
    a.send(packet(0xA, 1), session.leg_a.local_port)
    await b.receive(1)
    moved = phone()  # a re-INVITE: the caller moved to another address
    session.leg_a.set_remote(moved.addr)
    assert session.leg_a.latched is None and session.leg_a.target == moved.addr
    moved.send(packet(0xD, 1), session.leg_a.local_port)
    assert [ssrc_of(p) for p in await b.receive(1)] == [0xD]
    # The same address again (a session refresh) keeps the latch.
    session.leg_a.set_remote(moved.addr)
    assert session.leg_a.latched == moved.addr


async def test_the_replaced_peer_cannot_keep_the_latch(
    call: tuple[RelaySession, Phone, Phone], phone: Callable[[], Phone]
) -> None:
    """A transfer puts a new peer on a leg while the old one is still sending for a moment:
    the old one must not win the latch, or the new peer's audio is dropped as a hijack."""
    session, a, b = call
    a.send(packet(0xA, 1), session.leg_a.local_port)
    await b.receive(1)
    new_peer = phone()
    session.leg_a.set_remote(new_peer.addr)
    a.send(packet(0xA, 2), session.leg_a.local_port)      # the old peer, still talking
    new_peer.send(packet(0xE, 1), session.leg_a.local_port)
    got = [ssrc_of(p) for p in await b.receive(1)]
    assert got == [0xE] and session.leg_a.latched == new_peer.addr
    await asyncio.sleep(0.05)  # give a late packet from the old peer time to arrive
    a.send(packet(0xA, 3), session.leg_a.local_port)
    await asyncio.sleep(0.05)
    assert b.pending() == []


@pytest.mark.parametrize("how", ["sdp", "direction"])
async def test_hold_stops_forwarding_to_the_held_side(
    call: tuple[RelaySession, Phone, Phone], how: str
) -> None:
    session, a, b = call
    if how == "sdp":
        session.leg_b.set_remote(None)  # c=0.0.0.0 or port 0 in the callee's SDP
    else:
        session.leg_b.receiving = False  # a=sendonly / a=inactive from the callee
    for seq in range(5):
        a.send(packet(0xA, seq), session.leg_a.local_port)
    await until(lambda: session.stats.not_forwarded == 5)
    assert b.pending() == []
    # The held side's own media (music on hold, say) still reaches the other side.
    b.send(packet(0xB), session.leg_b.local_port)
    assert [ssrc_of(p) for p in await a.receive(1)] == [0xB]
    # Resume.
    if how == "sdp":
        session.leg_b.set_remote(b.addr)
    else:
        session.leg_b.receiving = True
    a.send(packet(0xA, 9), session.leg_a.local_port)
    assert [RtpHeader.parse(p).seq for p in await b.receive(1)] == [9]  # type: ignore[union-attr]
    assert session.stats.a_to_b_packets == 1


async def test_non_rtp_cannot_latch(call: tuple[RelaySession, Phone, Phone]) -> None:
    session, a, b = call
    a.send(b"\x00\x01\x00\x00garbage-not-rtp", session.leg_a.local_port)
    a.send(packet(0xA), session.leg_a.local_port)
    assert [ssrc_of(p) for p in await b.receive(1)] == [0xA]
    assert session.stats.dropped == 1


async def test_close_frees_the_ports() -> None:
    base = free_block(4)
    r = RtpRelay(HOST, base, base + 3)  # room for exactly one call
    session = await r.allocate()
    ports = [session.leg_a.local_port, session.leg_b.local_port]
    assert sorted(ports) == [base, base + 2]
    with pytest.raises(RelayError, match="no free RTP port pair"):
        await r.allocate()
    session.close()
    session.close()  # idempotent
    assert r.active_sessions == 0
    await session.wait_closed()
    for port in range(base, base + 4):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((HOST, port))  # would raise EADDRINUSE if the relay still held it
        s.close()
    again = await r.allocate()
    assert again.leg_a.local_port in ports
    await r.close()
    with pytest.raises(RelayError, match="closed"):
        await r.allocate()


async def test_skips_ports_in_use() -> None:
    base = free_block(8)
    squatter = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    squatter.bind((HOST, base + 1))  # only the RTCP port of the first pair is taken
    r = RtpRelay(HOST, base, base + 7)
    try:
        session = await r.allocate()
        # Pairs are picked at random (issue 15): any two of the three whole free pairs,
        # never the one whose RTCP port is taken.
        ports = {session.leg_a.local_port, session.leg_b.local_port}
        assert len(ports) == 2 and ports <= {base + 2, base + 4, base + 6}, ports
        with pytest.raises(RelayError):
            await r.allocate()
    finally:
        squatter.close()
        await r.close()


async def test_set_remote_rejects_host_names(call: tuple[RelaySession, Phone, Phone]) -> None:
    session, _, _ = call
    with pytest.raises(ValueError, match="IP literal"):
        session.leg_a.set_remote(("pbx.example.com", 4000))
    with pytest.raises(ValueError, match="IPv4"):
        session.leg_a.set_remote(("::1", 4000))
    session.leg_a.set_remote(("0.0.0.0", 4000))  # RFC 2543 hold
    assert session.leg_a.target is None


def test_rtp_header_parse_and_build() -> None:
    pkt = build_rtp(8, 70000, 2**32 + 5, 0xDEADBEEF, b"\xd5" * 160, marker=True)
    header = RtpHeader.parse(pkt)
    assert header is not None
    assert (header.version, header.payload_type, header.marker) == (2, 8, True)
    assert (header.seq, header.timestamp, header.ssrc) == (70000 % 65536, 5, 0xDEADBEEF)
    assert header.header_len == 12 and header.payload(pkt) == b"\xd5" * 160
    # Two CSRCs, a one-word header extension and 3 bytes of padding.
    first = bytes([0x80 | 0x20 | 0x10 | 2]) + pkt[1:12]
    complex_pkt = first + b"\0" * 8 + b"\xbe\xde\x00\x01" + b"\1\2\3\4" + b"abc" + b"\0\0\3"
    h = RtpHeader.parse(complex_pkt)
    assert h is not None and h.header_len == 12 + 8 + 8 and h.payload(complex_pkt) == b"abc"
    for bad in (b"", pkt[:11], b"\x40" + pkt[1:], complex_pkt[:24], first + b"\0" * 8):
        assert RtpHeader.parse(bad) is None


async def test_answerer_sending_before_its_sdp_arrives_is_forwarded(
    rtp_relay: RtpRelay, phone: Callable[[], Phone]
) -> None:
    """The callee's media often overtakes its 200 OK (over TLS more so): when the SDP then
    names the address already latched, that peer keeps its latch instead of being refused
    as a stale one for LATCH_IDLE (seconds of one-way audio)."""
    a, b = phone(), phone()
    session = await rtp_relay.allocate()
    session.leg_a.set_remote(a.addr)
    b.send(packet(0xB, 1), session.leg_b.local_port)      # before the 200 OK is processed
    await until(lambda: session.leg_b.latched == b.addr)
    session.leg_b.set_remote(b.addr)                       # the 200 OK's SDP
    assert session.leg_b.latched == b.addr
    b.send(packet(0xB, 2), session.leg_b.local_port)
    got = [RtpHeader.parse(p).seq for p in await a.receive(2)]  # type: ignore[union-attr]
    assert got == [1, 2]
