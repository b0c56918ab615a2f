"""Two pjsua2 test agents calling each other directly (no PBX).

This proves the agent is a trustworthy SIP peer before the PBX tests rely on it: a call
rings and connects, audio flows both ways (tone in, frequency out), hold/unhold
re-negotiates, RFC 4733 DTMF arrives, and the process shuts pjsua2 down cleanly.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.helpers import agent as agent_helpers
from tests.helpers.agent import Agent
from tests.helpers.audio import analyse_recording, dominant_frequency, tone_present, write_tone_wav

pytestmark = pytest.mark.e2e
make_agent = agent_helpers.make_agent  # the fixture, shared with the PBX tests


def connect(caller: Agent, callee: Agent, uri: str | None = None) -> None:
    """Caller calls callee directly; callee rings, answers; both have audio."""
    caller.send(cmd="call", uri=uri or callee.uri)
    incoming = callee.wait_for("incoming")
    assert incoming["remote_name"] == caller.name
    assert f"sip:{caller.name}@" in incoming["from"]
    caller.wait_for("call_state", state="EARLY", code=180)
    callee.send(cmd="answer", code=200)
    for agent in (caller, callee):
        agent.wait_for("call_state", state="CONFIRMED")
        agent.wait_for("media_state", active=True, hold="none")


def hang_up(caller: Agent, callee: Agent) -> None:
    caller.send(cmd="hangup")
    for agent in (caller, callee):
        agent.wait_for("call_state", state="DISCONNECTED")


def test_tones_cross_both_ways_and_agents_exit_cleanly(make_agent, tmp_path: Path) -> None:
    alice, bob = make_agent("alice"), make_agent("bob")
    for agent, freq in ((alice, 1000), (bob, 600)):
        agent.send(cmd="play", wav=str(write_tone_wav(tmp_path / f"{freq}.wav", freq, 1.0)))
        agent.send(cmd="record", wav=str(tmp_path / f"{agent.name}-heard.wav"))

    connect(alice, bob)
    media = alice.events("media_state")[-1]
    assert media["codec"].startswith("G722"), "G722 has the highest priority by default"
    time.sleep(2.0)  # the length of the recording, not a wait for an event
    for agent in (alice, bob):
        agent.send(cmd="stop_record")
        agent.wait_for("recorded")
    hang_up(alice, bob)

    for agent, expected, other in ((bob, 1000, 600), (alice, 600, 1000)):
        samples, rate = analyse_recording(tmp_path / f"{agent.name}-heard.wav")
        assert len(samples) > 1.2 * rate, f"{agent.name} recorded too little"
        assert dominant_frequency(samples, rate) == pytest.approx(expected, abs=15)
        assert tone_present(samples, rate, expected, min_ratio=0.8)
        assert not tone_present(samples, rate, other, min_ratio=0.05), "own tone leaked"

    assert alice.close() == 0
    assert bob.close() == 0


def test_hold_unhold_and_rfc4733_dtmf(make_agent) -> None:
    alice, bob = make_agent("alice"), make_agent("bob")
    connect(alice, bob)

    mark_a, mark_b = alice.mark(), bob.mark()
    alice.send(cmd="hold")
    alice.wait_for("media_state", since=mark_a, active=False, hold="local")
    bob.wait_for("media_state", since=mark_b, active=False, hold="remote")

    mark_a, mark_b = alice.mark(), bob.mark()
    alice.send(cmd="unhold")
    alice.wait_for("media_state", since=mark_a, active=True, hold="none")
    bob.wait_for("media_state", since=mark_b, active=True, hold="none")

    alice.send(cmd="dtmf", digits="159#")
    got = [bob.wait_for("dtmf")["digit"] for _ in range(4)]
    assert got == ["1", "5", "9", "#"]
    assert {e["method"] for e in bob.events("dtmf")} == {"rfc4733"}
    hang_up(alice, bob)


def test_callee_rejects_busy(make_agent) -> None:
    alice, bob = make_agent("alice"), make_agent("bob")
    alice.send(cmd="call", uri=bob.uri)
    bob.wait_for("incoming")
    alice.wait_for("call_state", state="EARLY")
    bob.send(cmd="hangup", code=486)
    ended = alice.wait_for("call_state", state="DISCONNECTED")
    assert ended["code"] == 486
    bob.wait_for("call_state", state="DISCONNECTED")
    assert not alice.events("media_state") or not alice.events("media_state")[-1]["active"]


def test_forced_g711_over_tcp_carries_audio(make_agent, tmp_path: Path) -> None:
    alice = make_agent("alice", transport="tcp", codecs="PCMU,PCMA")
    bob = make_agent("bob", transport="tcp", codecs="PCMU,PCMA")
    assert alice.codecs == ["PCMU/8000/1", "PCMA/8000/1"]
    alice.send(cmd="play", wav=str(write_tone_wav(tmp_path / "800.wav", 800, 1.0)))
    bob.send(cmd="record", wav=str(tmp_path / "bob-heard.wav"))

    connect(alice, bob, uri=f"{bob.uri};transport=tcp")
    assert alice.events("media_state")[-1]["codec"] == "PCMU/8000"
    time.sleep(1.2)
    bob.send(cmd="stop_record")
    bob.wait_for("recorded")
    hang_up(alice, bob)

    samples, rate = analyse_recording(tmp_path / "bob-heard.wav")
    assert dominant_frequency(samples, rate) == pytest.approx(800, abs=15)


def test_unknown_command_is_reported_not_fatal(make_agent) -> None:
    alice = make_agent("alice")
    alice.send(cmd="fly")
    assert "unknown command" in alice.wait_for("error")["message"]
    alice.send(cmd="hangup")
    assert "no current call" in alice.wait_for("error")["message"]
    assert alice.close() == 0


@pytest.mark.interop
def test_register_and_call_by_aor_through_a_registrar(make_agent, kamailio: str) -> None:
    alice, bob = make_agent("alice"), make_agent("bob", transport="tcp")
    alice.send(cmd="register", server=kamailio, user="alice", password="x", expires=60)
    bob.send(cmd="register", server=kamailio, user="bob", password="x", transport="tcp")
    for agent in (alice, bob):
        assert agent.wait_for("reg_state")["active"] is True

    connect(alice, bob, uri=f"sip:bob@{kamailio}")
    hang_up(alice, bob)

    alice.send(cmd="unregister")
    assert alice.wait_for("reg_state", active=False)["code"] == 200
    assert bob.close() == 0  # quitting unregisters first
    assert bob.wait_for("reg_state", active=False)["code"] == 200
