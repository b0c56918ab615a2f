"""RFC 5626 outbound flows against the real daemon, with a phone over TCP: registering
binds to the flow (Require: outbound, Flow-Timer), CRLFCRLF pings get a CRLF pong, calls
go over the flow while it lives, to the Contact when it is gone (also after a restart of
the PBX), and a caller gets 480 (not 408 after 32 s) when neither can be reached."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from softphone.pbx.sip.message import Request
from tests.helpers.pbxproc import PbxProcess, free_port, write_config
from tests.helpers.sipclient import SipClient
from tests.helpers.tcpphone import TcpPhone

SDP = (b"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
       b"m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n")


@pytest.fixture
def start_pbx(tmp_path: Path) -> Iterator[Callable[[], PbxProcess]]:
    """Starts the daemon, or restarts it (same port, config and data directory)."""
    port = free_port()
    cfg = write_config(tmp_path / "pbx.toml", sip_port=port, rtp_base=24000 + (port % 40) * 200,
                       sip_extra="flow_timer = 90\n")
    running: list[PbxProcess] = []

    def start() -> PbxProcess:
        if running:
            running[0] = running[0].restarted()
        else:
            running.append(PbxProcess(cfg, tmp_path / "data", sip_port=port).start())
        return running[0]

    yield start
    for proc in running:
        assert proc.stop() == 0


@pytest.fixture
def caller(start_pbx: Callable[[], PbxProcess]) -> Iterator[Callable[[PbxProcess], SipClient]]:
    made: list[SipClient] = []

    def make(pbx: PbxProcess) -> SipClient:
        made.append(SipClient(("127.0.0.1", pbx.sip_port), timeout=10.0))
        return made[-1]

    yield make
    for c in made:
        c.close()


def registered(pbx: PbxProcess, phone: TcpPhone) -> None:
    ok = phone.register("pw101")
    assert ok.status == 200, ok
    # RFC 5626 section 6: the registrar says it bound the Contact to the flow.
    assert "outbound" in (ok.headers.get("Require") or "")
    assert ok.headers.get("Flow-Timer") == "90"
    pbx.wait_for("register", aor="101", outbound=True)


def test_keepalive_ping_gets_a_pong_and_a_call_goes_over_the_flow(
        start_pbx: Callable[[], PbxProcess], caller: Callable[[PbxProcess], SipClient]) -> None:
    pbx = start_pbx()
    phone = TcpPhone(pbx.sip_port, "101")
    registered(pbx, phone)
    assert phone.ping() == b"\r\n"  # RFC 5626 section 4.4.1
    c = caller(pbx)
    c.call("100", "pw100", "101", SDP)
    assert phone.flow is not None
    invite = phone.flow.read()
    assert isinstance(invite, Request) and invite.method == "INVITE"
    phone.answer(phone.flow, invite, 486)
    final = c.recv_final()
    assert final is not None and final.status == 486
    phone.close()


def test_after_a_restart_the_pbx_connects_to_the_contact(
        start_pbx: Callable[[], PbxProcess], caller: Callable[[PbxProcess], SipClient]) -> None:
    pbx = start_pbx()
    phone = TcpPhone(pbx.sip_port, "101")
    registered(pbx, phone)
    pbx = start_pbx()  # the flow dies with the old process; the binding comes from SQLite
    assert pbx.wait_for("ready")["registrations"] == 1
    phone.drop_flow()
    c = caller(pbx)
    c.call("100", "pw100", "101", SDP)
    stream = phone.accept()  # the PBX's own connection to the Contact's port
    invite = stream.read()
    assert isinstance(invite, Request) and invite.method == "INVITE"
    assert invite.headers.get("Via", "").startswith("SIP/2.0/TCP ")
    phone.answer(stream, invite, 486)
    final = c.recv_final()
    assert final is not None and final.status == 486
    stream.close()
    phone.close()


def test_no_flow_and_a_dead_contact_gets_the_caller_480(
        start_pbx: Callable[[], PbxProcess], caller: Callable[[PbxProcess], SipClient]) -> None:
    pbx = start_pbx()
    phone = TcpPhone(pbx.sip_port, "101", listening=False)
    registered(pbx, phone)
    mark = len(pbx.lines)
    phone.drop_flow()
    pbx.wait_for("flow_closed", since=mark, transport="tcp")
    c = caller(pbx)
    mark = len(pbx.lines)
    c.call("100", "pw100", "101", SDP)
    final = c.recv_final()
    assert final is not None, "no final response (timer B's 408 comes after 32 s)"
    assert final.status == 480, final
    pbx.wait_for("unreachable", since=mark, transport="tcp")
    phone.close()


def test_stun_keepalive_on_the_udp_port_gets_the_mapped_address(
        start_pbx: Callable[[], PbxProcess]) -> None:
    """RFC 5626 section 4.4.2: a phone on UDP pings with STUN Binding requests and reads
    its address as the PBX sees it from the XOR-MAPPED-ADDRESS (RFC 8489 section 14.2)."""
    pbx = start_pbx()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(5.0)
        transaction = os.urandom(12)
        sock.sendto(b"\x00\x01\x00\x00\x21\x12\xa4\x42" + transaction,
                    ("127.0.0.1", pbx.sip_port))
        answer, _ = sock.recvfrom(1500)
        assert answer[:2] == b"\x01\x01" and answer[8:20] == transaction
        assert answer[20:24] == b"\x00\x20\x00\x08"  # XOR-MAPPED-ADDRESS, IPv4
        port = int.from_bytes(answer[26:28], "big") ^ 0x2112
        address = bytes(a ^ b for a, b in zip(answer[28:32], b"\x21\x12\xa4\x42", strict=True))
        assert (socket.inet_ntoa(address), port) == sock.getsockname()
