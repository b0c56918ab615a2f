"""SIP over TLS (RFC 3261 section 26, RFC 5630) through the real PBX daemon: a pjsua2 phone
registers over TLS with a throwaway self-signed certificate, calls a UDP phone and is called
back over its own TLS connection, with a tone heard each way through the RTP relay."""

from __future__ import annotations

import re
import socket
import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.agent import Agent, make_agent  # noqa: F401  (make_agent is a fixture)
from tests.helpers.audio import analyse_recording, tone_present
from tests.helpers.pbxproc import PbxProcess, start_tls_pbx

pytestmark = pytest.mark.e2e
TONES = {"alice": 1000, "bob": 600}  # what each phone plays into its calls


@pytest.fixture
def tls_pbx(tmp_path: Path) -> Iterator[tuple[PbxProcess, int, Path]]:
    """The PBX with UDP, TCP and TLS (on any free port): (process, TLS port, certificate)."""
    proc, tls_port, cert = start_tls_pbx(tmp_path)
    yield proc, tls_port, cert
    assert proc.stop() == 0


def test_tls_port_presents_the_certificate_and_answers_sip(
        tls_pbx: tuple[PbxProcess, int, Path]) -> None:
    _, tls_port, cert = tls_pbx
    context = ssl.create_default_context(cafile=str(cert))  # trusts only the test certificate
    with socket.create_connection(("127.0.0.1", tls_port), timeout=5) as raw, \
            context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
        assert tls.version() in ("TLSv1.2", "TLSv1.3")
        host, port = tls.getsockname()
        tls.sendall((f"OPTIONS sip:127.0.0.1:{tls_port};transport=tls SIP/2.0\r\n"
                     f"Via: SIP/2.0/TLS {host}:{port};branch=z9hG4bKtls1;rport\r\n"
                     "Max-Forwards: 70\r\nFrom: <sip:probe@127.0.0.1>;tag=p1\r\n"
                     "To: <sip:127.0.0.1>\r\nCall-ID: tls-options-1\r\nCSeq: 1 OPTIONS\r\n"
                     "Content-Length: 0\r\n\r\n").encode())
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = tls.recv(4096)
            assert chunk, f"connection closed after {answer!r}"
            answer += chunk
    assert answer.startswith(b"SIP/2.0 200 ")
    assert b"Via: SIP/2.0/TLS " in answer


def record(agent: Agent, path: Path) -> None:
    agent.send(cmd="record", wav=str(path))


def heard(agent: Agent, path: Path, freq: int) -> bool:
    agent.send(cmd="stop_record")
    agent.wait_for("recorded", wav=str(path))
    samples, rate = analyse_recording(path)
    return tone_present(samples, rate, freq, min_ratio=0.6)


def talk(caller: Agent, callee: Agent, uri: str, tmp_path: Path, name: str) -> None:
    """caller calls uri, callee answers; each hears the other's tone (TONES); caller hangs
    up."""
    mark_a, mark_b = caller.mark(), callee.mark()
    caller.send(cmd="call", uri=uri)
    incoming = callee.wait_for("incoming", since=mark_b)
    callee.send(cmd="answer", code=200, call_id=incoming["call_id"])
    for agent, mark in ((caller, mark_a), (callee, mark_b)):
        agent.wait_for("call_state", since=mark, state="CONFIRMED")
        agent.wait_for("media_state", since=mark, active=True)
    paths = {a.name: tmp_path / f"{name}-{a.name}.wav" for a in (caller, callee)}
    for agent in (caller, callee):
        record(agent, paths[agent.name])
    time.sleep(1.5)  # the length of the recording, not a wait for an event
    for agent, other in ((callee, caller), (caller, callee)):
        assert heard(agent, paths[agent.name], TONES[other.name]), \
            f"{name}: {agent.name} did not hear {other.name}"
    mark_a, mark_b = caller.mark(), callee.mark()
    caller.send(cmd="hangup")
    caller.wait_for("call_state", since=mark_a, state="DISCONNECTED")
    callee.wait_for("call_state", since=mark_b, state="DISCONNECTED")


def test_tls_phone_calls_udp_phone_and_is_called_back(
        make_agent, tls_pbx: tuple[PbxProcess, int, Path], tmp_path: Path) -> None:  # noqa: F811
    pbx, tls_port, _ = tls_pbx
    alice = make_agent("alice", transport="tls").register_at(tls_port, "100", transport="tls")
    contact = pbx.wait_for("register", aor="100")["contact"]
    assert "transport=tls" in contact.lower()   # alice's binding is a TLS one
    bob = make_agent("bob").register_at(pbx.sip_port, "101")
    for agent in (alice, bob):
        agent.play_tone(TONES[agent.name], tmp_path)

    talk(alice, bob, f"sip:101@127.0.0.1:{tls_port}", tmp_path, "out")
    # The way back: the PBX reaches alice over the TLS connection she registered on.
    talk(bob, alice, f"sip:100@127.0.0.1:{pbx.sip_port}", tmp_path, "back")
    # pjsua logs every SIP message: the PBX's INVITE came over alice's TLS connection, with
    # the PBX's TLS address in Via and Contact (RFC 3261 26.2, RFC 5630).
    log = alice.log_path.read_text(errors="replace")
    invite = re.search(r"RX \d+ bytes Request msg INVITE/cseq=\d+ \(\w+\) from TLS "
                       rf"127\.0\.0\.1:{tls_port}:\n(.*?)--end msg--", log, re.S)
    assert invite is not None, "no INVITE from the PBX over TLS in alice's log"
    assert f"Via: SIP/2.0/TLS 127.0.0.1:{tls_port};" in invite.group(1)
    assert f"Contact: <sip:101@127.0.0.1:{tls_port};transport=tls>" in invite.group(1)
