"""Attacks on a call's media (issue 15, point 6): guessing the next call's RTP ports, and a
stranger sending RTP to a call's port once the phone pauses, to take over its audio.

Real relay, real UDP sockets on loopback; 127.0.0.2 plays the stranger's host.

What must hold: the ports of successive calls are not predictable (not sequential); a
stranger's packets never reach the other side, however long the phone was silent, while
the phone itself may come back from another port of its address (its NAT rebinding).
"""

from __future__ import annotations

import asyncio
import itertools
import socket
from collections.abc import Callable

import pytest

from softphone.pbx.media import relay
from softphone.pbx.media.relay import RelaySession, RtpRelay
from tests.integration.test_rtp_relay import (  # noqa: F401  (fixtures)
    HOST,
    Phone,
    call,
    free_block,
    packet,
    phone,
    rtp_relay,
    ssrc_of,
    until,
)


async def test_ports_of_successive_calls_are_not_sequential() -> None:
    base = free_block(400)
    pool = RtpRelay(HOST, base, base + 399)
    try:
        sessions = [await pool.allocate() for _ in range(20)]
        ports = [s.leg_a.local_port for s in sessions]
        steps = {b - a for a, b in itertools.pairwise(ports)}
        assert len(steps) > 3, ports     # sequential allocation has one step, 4
        for s in sessions:
            s.close()
    finally:
        await pool.close()


class Stranger(Phone):
    def __init__(self) -> None:   # a phone on another host
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.2", 0))
        self.sock.setblocking(False)
        self.addr = self.sock.getsockname()


async def test_a_stranger_never_takes_over_the_audio(
        call: tuple[RelaySession, Phone, Phone], phone: Callable[[], Phone],  # noqa: F811  (fixtures)
        monkeypatch: pytest.MonkeyPatch) -> None:
    session, a, b = call
    monkeypatch.setattr(relay, "LATCH_IDLE", 0.2)
    stranger = Stranger()
    try:
        a.send(packet(0xA, 1), session.leg_a.local_port)
        assert [ssrc_of(p) for p in await b.receive(1)] == [0xA]
        await asyncio.sleep(0.3)                 # the phone pauses past LATCH_IDLE
        for seq in range(1, 21):                 # the stranger keeps sending
            stranger.send(packet(0xBAD, seq), session.leg_a.local_port)
        await until(lambda: session.stats.dropped == 20)
        assert b.pending() == [] and session.leg_a.latched == a.addr
        # The phone's NAT gives it a new port on the same address: that may latch.
        moved = phone()
        moved.send(packet(0xA, 2), session.leg_a.local_port)
        assert [ssrc_of(p) for p in await b.receive(1)] == [0xA]
        assert session.leg_a.latched == moved.addr
    finally:
        stranger.close()
