"""baresip 1.0 (libre) against the real PBX daemon with its default configuration.

baresip 1.0 gives up on a 401 that carries any challenge but MD5 (RFC 8760 section 2.4 has a
client skip what it cannot answer; libre aborts), so the PBX offers it MD5 alone
(features/digestpolicy.py) while pjsua2 keeps getting, and answering, SHA-256 first.
Over TCP with RFC 5626 outbound (``sipnat=outbound``) it stays reachable across a restart
of the PBX (features/outbound.py).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.helpers.agent import Agent, make_agent  # noqa: F401  (make_agent is a fixture)
from tests.helpers.audio import analyse_recording, tone_present
from tests.helpers.baresip import BARESIP, Baresip
from tests.helpers.pbxproc import PbxProcess, free_port, write_config

TONE = 440  # baresip's microphone (ausine)


@pytest.fixture
def pbxs(tmp_path: Path) -> Iterator[list[PbxProcess]]:
    """[the daemon] with the default [sip] digest settings (SHA-256 first, then MD5); a
    test that restarts it puts the new process in its place."""
    port = free_port()
    cfg = write_config(tmp_path / "pbx.toml", sip_port=port,
                       rtp_base=24000 + (port % 40) * 200)
    running = [PbxProcess(cfg, tmp_path / "data", sip_port=port).start()]
    yield running
    assert running[0].stop() == 0


@pytest.fixture
def default_pbx(pbxs: list[PbxProcess]) -> PbxProcess:
    return pbxs[0]


@pytest.fixture
def baresip(tmp_path: Path) -> Iterator[Callable[..., Baresip]]:
    if not Path(BARESIP).exists():
        pytest.fail(f"baresip not found at {BARESIP}: install Debian's baresip-core")
    phones: list[Baresip] = []

    def start(name: str, account: str, transport: str = "udp") -> Baresip:
        phones.append(Baresip(name, tmp_path, tone=TONE, transport=transport).start(account))
        return phones[-1]

    yield start
    for phone in phones:
        phone.stop()


def assert_hears(agent: Agent, wav: Path) -> None:
    """``agent`` (in a call with baresip) hears baresip's tone."""
    agent.send(cmd="record", wav=str(wav))
    time.sleep(1.5)  # the length of the recording, not a wait for an event
    agent.send(cmd="stop_record")
    agent.wait_for("recorded", wav=str(wav))
    samples, rate = analyse_recording(wav)
    assert tone_present(samples, rate, TONE, min_ratio=0.6), \
        f"{agent.name} did not hear baresip's tone"


def remembered(pbx: PbxProcess) -> dict[tuple[str, str], str]:
    """The PBX's digest memory: (account, User-Agent) -> the algorithm it got in with."""
    with sqlite3.connect(pbx.data_dir / "digest.sqlite3") as db:
        rows = db.execute("SELECT account, user_agent, algorithm FROM digest_algorithms")
        return {(a, u): alg for a, u, alg in rows}


def test_baresip_registers_and_calls_a_pjsua2_phone_with_sha256_kept_for_pjsua2(
        default_pbx: PbxProcess, baresip: Callable[..., Baresip],
        make_agent: Callable[..., Agent], tmp_path: Path) -> None:  # noqa: F811
    port = default_pbx.sip_port
    bob = make_agent("bob").register_at(port, "100")
    phone = baresip("baresip", f"<sip:101@127.0.0.1:{port}>;auth_pass=pw101;regint=300")
    # (baresip registers before its ctrl_tcp client is connected: the PBX tells.)
    default_pbx.wait_for("register", aor="101")

    mark = bob.mark()
    phone.command("dial", f"sip:100@127.0.0.1:{port}")
    incoming = bob.wait_for("incoming", since=mark)
    bob.send(cmd="answer", code=200, call_id=incoming["call_id"])
    phone.wait_for("CALL_ESTABLISHED")
    bob.wait_for("media_state", since=mark, active=True)
    assert_hears(bob, tmp_path / "bob.wav")

    mark = bob.mark()
    phone.command("hangup")
    bob.wait_for("call_state", since=mark, state="DISCONNECTED")
    phone.wait_for("CALL_CLOSED")

    # baresip got in with MD5 (the INVITE's 407 too); pjsua2 with SHA-256.
    memory = remembered(default_pbx)
    assert {u: alg for (a, u), alg in memory.items() if a == "101"} == \
        {"baresip v1.0.0 (x86_64/linux)": "MD5"}
    assert {u: alg for (a, u), alg in memory.items() if a == "100"} == \
        {"pjagent/bob": "SHA-256"}


def test_baresip_over_tcp_with_outbound_is_called_after_a_pbx_restart(
        pbxs: list[PbxProcess], baresip: Callable[..., Baresip],
        make_agent: Callable[..., Agent], tmp_path: Path) -> None:  # noqa: F811
    port = pbxs[0].sip_port
    server = f"sip:127.0.0.1:{port};transport=tcp"
    phone = baresip("baresip", f'<sip:101@127.0.0.1:{port};transport=tcp>;auth_pass=pw101;'
                               f'regint=300;outbound="{server}";sipnat=outbound', "tcp")
    bound = pbxs[0].wait_for("register", aor="101")
    assert bound["transport"] == "tcp" and bound["outbound"] is True  # RFC 5626 flow
    bob = make_agent("bob").register_at(port, "100")

    pbx = pbxs[0] = pbxs[0].restarted()
    assert pbx.wait_for("ready")["registrations"] == 2
    mark = phone.mark()
    bob.send(cmd="call", uri=f"sip:101@127.0.0.1:{port}")
    incoming = phone.wait_for("CALL_INCOMING", since=mark)
    phone.command("accept")
    phone.wait_for("CALL_ESTABLISHED", since=mark)
    bob.wait_for("call_state", state="CONFIRMED")
    bob.wait_for("media_state", active=True)
    assert_hears(bob, tmp_path / "bob-after-restart.wav")
    mark_b = bob.mark()
    bob.send(cmd="hangup")
    bob.wait_for("call_state", since=mark_b, state="DISCONNECTED")
    phone.wait_for("CALL_CLOSED", since=mark)
    assert incoming["peeruri"].startswith("sip:100@")
