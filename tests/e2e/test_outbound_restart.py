"""Phones registered over TCP and over TLS can be called after a restart of the PBX (issue
11, item 8): the connections they registered on died with the old process, the bindings
come back from SQLite, and the PBX connects to each phone's Contact itself (RFC 5626
section 5.3 fallback; TLS without verifying the phone's self-signed certificate, the
default), with a tone heard each way through the RTP relay. A phone that is gone
altogether gets its caller a 480, not a 408 after timer B's 32 seconds."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.test_pbx_tls import TONES, talk
from tests.helpers.agent import Agent, make_agent  # noqa: F401  (make_agent is a fixture)
from tests.helpers.certs import self_signed
from tests.helpers.pbxproc import PbxProcess, free_port, start_tls_pbx

pytestmark = pytest.mark.e2e


@pytest.fixture
def restartable_pbx(tmp_path: Path) -> Iterator[list[PbxProcess]]:
    """[the running daemon] with UDP, TCP and TLS on fixed free ports, so that a restart
    (restart() below) comes back on the same ones."""
    proc, _, _ = start_tls_pbx(tmp_path)
    assert proc.stop() == 0
    config = proc.config.read_text().replace("tls_port = 0", f"tls_port = {free_port()}")
    proc.config.write_text(config)
    running = [PbxProcess(proc.config, proc.data_dir, sip_port=proc.sip_port).start()]
    yield running
    assert running[0].stop() == 0


@pytest.mark.parametrize("transport", ["tcp", "tls"])
def test_phone_on_a_stream_transport_is_called_after_a_restart(
        transport: str, restartable_pbx: list[PbxProcess],
        make_agent: Callable[..., Agent], tmp_path: Path) -> None:  # noqa: F811
    pbx = restartable_pbx[0]
    port = pbx.sip_port if transport == "tcp" else pbx.wait_for("ready")["tls_port"]
    cert = self_signed(tmp_path, "alice") if transport == "tls" else None
    alice = make_agent("alice", transport=transport, tls_cert=cert)
    alice.register_at(port, "100", transport=transport, listener_contact=True)
    contact = pbx.wait_for("register", aor="100")["contact"]
    assert f":{alice.tcp_port};transport={transport}" in contact.lower()
    bob = make_agent("bob").register_at(pbx.sip_port, "101")
    for agent in (alice, bob):
        agent.play_tone(TONES[agent.name], tmp_path)

    pbx = restartable_pbx[0] = pbx.restarted()
    assert pbx.wait_for("ready")["registrations"] == 2
    talk(bob, alice, f"sip:100@127.0.0.1:{pbx.sip_port}", tmp_path, f"after-{transport}")
    # The INVITE went over a connection the new process opened to alice's Contact.
    assert pbx.logged("connected", transport=transport) is not None, \
        "the PBX did not connect to the Contact (did alice re-register first?)"


def test_calling_a_tcp_phone_that_is_gone_fails_with_480(
        restartable_pbx: list[PbxProcess], make_agent: Callable[..., Agent],  # noqa: F811
        tmp_path: Path) -> None:
    pbx = restartable_pbx[0]
    alice = Agent("alice", transport="tcp", log_dir=tmp_path / "agents")
    try:
        alice.register_at(pbx.sip_port, "100", transport="tcp", listener_contact=True)
        pbx.wait_for("register", aor="100")
        bob = make_agent("bob").register_at(pbx.sip_port, "101")
        mark = len(pbx.lines)
        alice.kill()  # no un-REGISTER: the binding stays, its flow and Contact are dead
        pbx.wait_for("flow_closed", since=mark, transport="tcp")
    finally:
        alice.close()
    mark_b = bob.mark()
    bob.send(cmd="call", uri=f"sip:100@127.0.0.1:{pbx.sip_port}")
    ended = bob.wait_for("call_state", since=mark_b, state="DISCONNECTED")
    assert ended["code"] == 480, ended
    pbx.wait_for("unreachable", since=mark, transport="tcp")
