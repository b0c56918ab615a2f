"""Two real pjsua2 user agents calling each other through the real PBX daemon: the call
rings, connects, carries a tone each way through the PBX's RTP relay, holds and resumes
with re-INVITEs, passes RFC 4733 DTMF, hangs up, and lands in the call history."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from tests.helpers.agent import Agent, make_agent  # noqa: F401  (make_agent is a fixture)
from tests.helpers.audio import analyse_recording, dominant_frequency, tone_present, write_tone_wav
from tests.helpers.pbxproc import PbxProcess

pytestmark = pytest.mark.e2e


def registered(agent: Agent, pbx: PbxProcess, user: str, transport: str = "udp") -> Agent:
    return agent.register_at(pbx.sip_port, user, transport=transport)


def test_call_through_pbx_carries_tones_both_ways(make_agent, pbx: PbxProcess,  # noqa: F811
                                                  tmp_path: Path) -> None:
    alice = registered(make_agent("alice"), pbx, "100")
    bob = registered(make_agent("bob", transport="tcp"), pbx, "101", transport="tcp")
    for agent, freq in ((alice, 1000), (bob, 600)):
        agent.send(cmd="play", wav=str(write_tone_wav(tmp_path / f"{freq}.wav", freq, 1.0)))
        agent.send(cmd="record", wav=str(tmp_path / f"{agent.name}-heard.wav"))

    alice.send(cmd="call", uri=f"sip:101@127.0.0.1:{pbx.sip_port}")
    incoming = bob.wait_for("incoming")
    assert incoming["remote_name"] == "Empfang" and "sip:100@" in incoming["from"]
    alice.wait_for("call_state", state="EARLY", code=180)
    bob.send(cmd="answer", code=200)
    for agent in (alice, bob):
        agent.wait_for("call_state", state="CONFIRMED")
        agent.wait_for("media_state", active=True, hold="none")
    pbx.wait_for("call_answered")
    time.sleep(2.0)  # the length of the recording, not a wait for an event
    for agent in (alice, bob):
        agent.send(cmd="stop_record")
        agent.wait_for("recorded")

    for agent, expected in ((bob, 1000), (alice, 600)):
        samples, rate = analyse_recording(tmp_path / f"{agent.name}-heard.wav")
        assert len(samples) > 1.2 * rate, f"{agent.name} recorded too little"
        assert dominant_frequency(samples, rate) == pytest.approx(expected, abs=15)
        assert tone_present(samples, rate, expected, min_ratio=0.8)

    # Hold and resume: re-INVITEs carried across the B2BUA.
    mark_a, mark_b = alice.mark(), bob.mark()
    alice.send(cmd="hold")
    alice.wait_for("media_state", since=mark_a, active=False, hold="local")
    bob.wait_for("media_state", since=mark_b, active=False, hold="remote")
    mark_a, mark_b = alice.mark(), bob.mark()
    alice.send(cmd="unhold")
    alice.wait_for("media_state", since=mark_a, active=True, hold="none")
    bob.wait_for("media_state", since=mark_b, active=True, hold="none")

    # RFC 4733 DTMF passes through the relay untouched.
    alice.send(cmd="dtmf", digits="42#")
    assert [bob.wait_for("dtmf")["digit"] for _ in range(3)] == ["4", "2", "#"]

    bob.send(cmd="hangup")
    for agent in (alice, bob):
        agent.wait_for("call_state", state="DISCONNECTED")
    pbx.wait_for("call_end", result="answered")
    time.sleep(0.3)  # store flushes every 100 ms
    db = sqlite3.connect(pbx.data_dir / "pbx.sqlite3")
    row = db.execute("SELECT caller, callee, result, answered_at IS NOT NULL FROM calls").fetchone()
    assert row == ("100", "101", "answered", 1)


def test_cancel_and_busy_reach_the_caller(make_agent, pbx: PbxProcess) -> None:  # noqa: F811
    alice = registered(make_agent("alice"), pbx, "100")
    bob = registered(make_agent("bob"), pbx, "101")
    alice.send(cmd="call", uri=f"sip:101@127.0.0.1:{pbx.sip_port}")
    bob.wait_for("incoming")
    alice.wait_for("call_state", state="EARLY")
    alice.send(cmd="hangup")  # CANCEL while ringing
    alice.wait_for("call_state", state="DISCONNECTED", code=487)
    bob.wait_for("call_state", state="DISCONNECTED")

    alice.send(cmd="call", uri=f"sip:101@127.0.0.1:{pbx.sip_port}")
    bob.wait_for("incoming")
    bob.send(cmd="hangup", code=486)
    alice.wait_for("call_state", state="DISCONNECTED", code=486)


def connect(caller: Agent, callee: Agent, pbx: PbxProcess, number: str) -> tuple[int, int]:
    """caller calls `number` (callee's extension), callee answers: (caller's, callee's) ids."""
    mark_a, mark_b = caller.mark(), callee.mark()
    caller.send(cmd="call", uri=f"sip:{number}@127.0.0.1:{pbx.sip_port}")
    incoming = callee.wait_for("incoming", since=mark_b)
    callee.send(cmd="answer", code=200, call_id=incoming["call_id"])
    out = caller.wait_for("call_state", since=mark_a, state="CONFIRMED")
    callee.wait_for("call_state", since=mark_b, state="CONFIRMED")
    return out["call_id"], incoming["call_id"]


def hears(agent: Agent, freq: int, tmp_path: Path, name: str) -> bool:
    path = tmp_path / f"{agent.name}-{name}.wav"
    agent.send(cmd="record", wav=str(path))
    time.sleep(1.5)  # the length of the recording, not a wait for an event
    agent.send(cmd="stop_record")
    agent.wait_for("recorded", wav=str(path))
    samples, rate = analyse_recording(path)
    return tone_present(samples, rate, freq, min_ratio=0.6)


def test_blind_transfer_connects_the_caller_to_the_target(make_agent, pbx: PbxProcess,  # noqa: F811
                                                          tmp_path: Path) -> None:
    alice = registered(make_agent("alice"), pbx, "100")
    bob = registered(make_agent("bob"), pbx, "101")
    carol = registered(make_agent("carol"), pbx, "102")
    alice.send(cmd="play", wav=str(write_tone_wav(tmp_path / "a.wav", 1000, 1.0)))
    carol.send(cmd="play", wav=str(write_tone_wav(tmp_path / "c.wav", 600, 1.0)))
    _, bob_call = connect(alice, bob, pbx, "101")
    bob.send(cmd="hold", call_id=bob_call)      # as phones do before transferring
    bob.wait_for("media_state", hold="local")
    bob.send(cmd="transfer", call_id=bob_call, uri=f"sip:102@127.0.0.1:{pbx.sip_port}")
    incoming = carol.wait_for("incoming")
    assert "sip:100@" in incoming["from"], "the target sees who is transferred to it"
    carol.send(cmd="answer", code=200)
    bob.wait_for("transfer", code=200, final=True)
    bob.wait_for("call_state", state="DISCONNECTED")
    carol.wait_for("call_state", state="CONFIRMED")
    pbx.wait_for("transfer", kind="blind", to="102")  # media moved to carol
    assert hears(carol, 1000, tmp_path, "after-blind")
    assert hears(alice, 600, tmp_path, "after-blind")


def test_attended_transfer_joins_the_two_other_parties(make_agent, pbx: PbxProcess,  # noqa: F811
                                                       tmp_path: Path) -> None:
    alice = registered(make_agent("alice"), pbx, "100")
    bob = registered(make_agent("bob"), pbx, "101")
    carol = registered(make_agent("carol"), pbx, "102")
    alice.send(cmd="play", wav=str(write_tone_wav(tmp_path / "a.wav", 1000, 1.0)))
    carol.send(cmd="play", wav=str(write_tone_wav(tmp_path / "c.wav", 600, 1.0)))
    _, first = connect(alice, bob, pbx, "101")
    bob.send(cmd="hold", call_id=first)
    bob.wait_for("media_state", call_id=first, hold="local")
    second, _ = connect(bob, carol, pbx, "102")
    bob.send(cmd="transfer_replaces", call_id=first, to_call_id=second)
    bob.wait_for("transfer", code=200, final=True)
    bob.wait_for("call_state", call_id=first, state="DISCONNECTED")
    bob.wait_for("call_state", call_id=second, state="DISCONNECTED")
    pbx.wait_for("transfer", kind="attended")
    assert hears(carol, 1000, tmp_path, "after-attended")
    assert hears(alice, 600, tmp_path, "after-attended")
