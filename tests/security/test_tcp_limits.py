"""Attacks on SIP over TCP (issue 15, point 8): a client that sends but never reads, idle
connections, more connections than the caps, a 1 MB header.

What must hold, with small configured limits: the reader that does not read is dropped
(the PBX does not buffer without limit), silent connections are closed, connections past
the caps are closed at once while other addresses still connect, a 1 MB header gets a 4xx
status line rather than a reset, and the PBX keeps answering throughout.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.pbxproc import PbxProcess, free_port, write_config

PER_ADDRESS = 3
TOTAL = 5


@pytest.fixture(params=[60.0])
def pbx(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[PbxProcess]:
    """``request.param``: tcp_idle_timeout (short only where idleness is tested)."""
    port = free_port()
    config = write_config(tmp_path / "pbx.toml", sip_port=port,
                          rtp_base=24000 + (port % 40) * 200,
                          extra=f"[security]\ntcp_max_per_address = {PER_ADDRESS}\n"
                                f"tcp_max_connections = {TOTAL}\n"
                                f"tcp_idle_timeout = {request.param}\n")
    proc = PbxProcess(config, tmp_path / "data", sip_port=port).start()
    try:
        yield proc
    finally:
        assert proc.stop() == 0


def connect(pbx: PbxProcess, source: str = "127.0.0.1", rcvbuf: int | None = None
            ) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.bind((source, 0))
    sock.settimeout(10)
    sock.connect(("127.0.0.1", pbx.sip_port))
    return sock


def options(sock: socket.socket, vias: int = 1) -> bytes:
    """An OPTIONS to the PBX; ``vias`` Via lines of 8000 bytes make its 200 as large."""
    host = "{}:{}".format(*sock.getsockname())
    padding = "".join(f"Via: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bK{i};x={'a' * 7900}\r\n"
                      for i in range(vias - 1))
    return (f"OPTIONS sip:127.0.0.1 SIP/2.0\r\n"
            f"Via: SIP/2.0/TCP {host};branch=z9hG4bK{uuid.uuid4().hex[:12]}\r\n{padding}"
            f"Max-Forwards: 70\r\nFrom: <sip:x@127.0.0.1>;tag=1\r\nTo: <sip:127.0.0.1>\r\n"
            f"Call-ID: {uuid.uuid4().hex}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
            ).encode()


def closed_by_pbx(sock: socket.socket) -> bool:
    """Read until the PBX closes the connection (EOF or reset); False on a timeout."""
    try:
        while sock.recv(65536):
            pass
    except (ConnectionResetError, BrokenPipeError):
        pass
    except TimeoutError:
        return False
    return True


def answered(pbx: PbxProcess, source: str = "127.0.0.1") -> bool:
    with connect(pbx, source) as sock:
        sock.sendall(options(sock))
        return sock.recv(65536).startswith(b"SIP/2.0 200")


def test_a_client_that_does_not_read_is_dropped(pbx: PbxProcess) -> None:
    sock = connect(pbx, rcvbuf=4096)
    try:
        request = options(sock, vias=7)           # each 200 is about 56 KB
        try:
            for _ in range(400):                  # 22 MB of answers, none read
                sock.sendall(request)
        except (ConnectionResetError, BrokenPipeError):
            pass                                  # dropped while still sending
        pbx.wait_for("tcp_slow_reader")
        assert closed_by_pbx(sock)
    finally:
        sock.close()
    assert answered(pbx)


@pytest.mark.parametrize("pbx", [1.0], indirect=True)
def test_idle_connections_are_closed(pbx: PbxProcess) -> None:
    with connect(pbx) as silent:
        assert closed_by_pbx(silent)
    assert pbx.wait_for("tcp_idle")["reason"] == "no complete message"


def test_connections_past_the_caps_are_closed_at_once(pbx: PbxProcess) -> None:
    held = [connect(pbx) for _ in range(PER_ADDRESS)]
    try:
        for sock in held:                          # all accepted and serving
            sock.sendall(options(sock))
            assert sock.recv(65536).startswith(b"SIP/2.0 200")
        with connect(pbx) as extra:
            assert closed_by_pbx(extra)
        assert pbx.wait_for("tcp_refused", ip="127.0.0.1")
        # Another address still gets in, until the overall cap.
        others = [connect(pbx, "127.0.0.2") for _ in range(TOTAL - PER_ADDRESS)]
        held += others
        for sock in others:
            sock.sendall(options(sock))
            assert sock.recv(65536).startswith(b"SIP/2.0 200")
        with connect(pbx, "127.0.0.3") as extra:
            assert closed_by_pbx(extra)
        assert "at most 5" in pbx.wait_for("tcp_refused", ip="127.0.0.3")["reason"]
    finally:
        for sock in held:
            sock.close()


def test_a_1_mb_header_gets_a_4xx_not_a_reset(pbx: PbxProcess) -> None:
    with connect(pbx) as sock:
        host = "{}:{}".format(*sock.getsockname())
        sock.sendall(f"OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP {host};branch=z9hG4bK1"
                     f"\r\nX-Big: ".encode() + b"a" * 1_000_000 + b"\r\n\r\n")
        answer = sock.recv(65536)
        assert answer.startswith(b"SIP/2.0 413 "), answer[:80]
    assert answered(pbx)
