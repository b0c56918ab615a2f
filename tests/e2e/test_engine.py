"""The telephony engine process against the real PBX and real pjsua2 agents.

The engine runs with --test-audio: its microphone is a 600 Hz tone file and its speaker
output is recorded, through the same ring buffers and AudioMediaPort as real devices.
Audio is verified as audio: a tone goes in at one end and its frequency is measured at
the other (DESIGN.md, Testing).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.helpers.agent import Agent, make_agent  # noqa: F401  (make_agent is a fixture)
from tests.helpers.audio import (
    analyse_recording,
    dominant_frequency,
    tone_present,
    tone_ratio,
    write_tone_wav,
)
from tests.helpers.engineclient import EngineError, EngineProcess, make_engine  # noqa: F401
from tests.helpers.pbxproc import PbxProcess

pytestmark = pytest.mark.e2e


def engine_with_mic(make_engine, tmp_path: Path, freq: int = 600,  # noqa: F811
                    **kwargs) -> EngineProcess:
    audio = tmp_path / "engine-audio"
    audio.mkdir()
    write_tone_wav(audio / "mic.wav", freq, 1.0)
    return make_engine(audio_dir=audio, **kwargs)


def register(engine: EngineProcess, pbx: PbxProcess, user: str = "101",
             transport: str = "udp") -> None:
    engine.request("set_account", user=user, password=f"pw{user}",
                   server=f"127.0.0.1:{pbx.sip_port}", transport=transport)
    info = engine.wait_event("registration", state="registered")
    assert info["code"] == 200 and info["expires"] > 0


def agent_on(make_agent, pbx: PbxProcess, user: str, tmp_path: Path,  # noqa: F811
             tone: int | None = None) -> Agent:
    agent = make_agent(f"a{user}").register_at(pbx.sip_port, user, display_name="")
    return agent.play_tone(tone, tmp_path) if tone else agent


def agent_heard(agent: Agent, tmp_path: Path, name: str, seconds: float = 1.5):
    """Record what the agent hears for `seconds`; returns (samples, rate)."""
    path = tmp_path / f"{agent.name}-{name}.wav"
    agent.send(cmd="record", wav=str(path))
    time.sleep(seconds)   # the length of the recording, not a wait for an event
    agent.send(cmd="stop_record")
    agent.wait_for("recorded")
    return analyse_recording(path)


def hears(agent: Agent, tmp_path: Path, freq: int, timeout: float = 8.0) -> bool:
    """Whether the agent comes to hear `freq` within `timeout`: after a transfer the PBX
    re-anchors the media, so the first recording may still be silence."""
    deadline = time.monotonic() + timeout
    attempt = 0
    while time.monotonic() < deadline:
        attempt += 1
        if tone_present(*agent_heard(agent, tmp_path, f"hear{freq}-{attempt}", 1.2), freq,
                        min_ratio=0.6):
            return True
    return False


def incoming_call(engine: EngineProcess, agent: Agent, pbx: PbxProcess, to: str = "101") -> str:
    agent.send(cmd="call", uri=f"sip:{to}@127.0.0.1:{pbx.sip_port}")
    return engine.wait_event("call", state="incoming")["call_id"]


def answered(engine: EngineProcess, agent: Agent, call_id: str) -> None:
    engine.request("answer", call_id=call_id)
    engine.wait_event("call", call_id=call_id, state="active")
    agent.wait_for("call_state", state="CONFIRMED")
    agent.wait_for("media_state", active=True)


def test_registers_and_reports_a_refusal_with_the_servers_reason(make_engine,  # noqa: F811
                                                                  pbx: PbxProcess) -> None:
    engine = make_engine()
    assert engine.ready["pjsip"].startswith("2.")
    register(engine, pbx)
    engine.request("set_account", user="102", password="wrong",
                   server=f"127.0.0.1:{pbx.sip_port}")
    failed = engine.wait_event("registration", state="failed")
    assert failed["code"] == 403
    assert failed["reason"] == "Wrong user name or password"
    assert failed["retry_in"] == 2
    # It tries again by itself after retry_in seconds, and is refused again.
    engine.wait_event("registration", state="registering", timeout=5)
    assert engine.wait_event("registration", state="failed", timeout=5)["code"] == 403


def test_incoming_call_audio_hold_mute_dtmf(make_engine, make_agent,  # noqa: F811
                                            pbx: PbxProcess, tmp_path: Path) -> None:
    engine = engine_with_mic(make_engine, tmp_path)
    register(engine, pbx)
    alice = agent_on(make_agent, pbx, "100", tmp_path, tone=1000)

    call_id = incoming_call(engine, alice, pbx)
    info = engine.wait_event("call", call_id=call_id, state="incoming",
                             remote_number="100")
    assert info["remote_name"] == "Empfang" and info["direction"] == "in"
    time.sleep(1.0)   # let the ringer play a while
    ring, rate = engine.ringer(0.8)
    assert dominant_frequency(ring, rate) in (pytest.approx(800, abs=20),
                                              pytest.approx(1000, abs=20))
    answered(engine, alice, call_id)

    heard = agent_heard(alice, tmp_path, "talk")
    assert dominant_frequency(*heard) == pytest.approx(600, abs=15)
    assert tone_present(*heard, 600, min_ratio=0.7)
    speaker, rate = engine.speaker(1.2)
    assert dominant_frequency(speaker, rate) == pytest.approx(1000, abs=15)
    assert tone_present(speaker, rate, 1000, min_ratio=0.7)
    assert not engine.ringer(0.5)[0].any(), "the ringer goes on after the call was answered"

    mark = alice.mark()
    engine.request("hold", call_id=call_id)
    engine.wait_event("call", call_id=call_id, state="held")
    alice.wait_for("media_state", since=mark, hold="remote")
    mark = alice.mark()
    engine.request("resume", call_id=call_id)
    engine.wait_event("call", call_id=call_id, state="active")
    alice.wait_for("media_state", since=mark, active=True, hold="none")

    engine.request("mute", call_id=call_id, muted=True)
    engine.wait_event("call", call_id=call_id, muted=True)
    time.sleep(0.3)   # audio already in flight when muting
    muted = agent_heard(alice, tmp_path, "muted")
    assert tone_ratio(*muted, 600) < 0.1, "the engine's microphone still reaches the agent"
    engine.request("mute", call_id=call_id, muted=False)
    engine.wait_event("call", call_id=call_id, muted=False)
    assert tone_present(*agent_heard(alice, tmp_path, "unmuted"), 600, min_ratio=0.5)

    engine.request("dtmf", call_id=call_id, digits="12#")
    assert [alice.wait_for("dtmf")["digit"] for _ in range(3)] == ["1", "2", "#"]

    engine.request("hangup", call_id=call_id)
    ended = engine.wait_event("call", call_id=call_id, state="ended")
    assert ended["connected_at"] > 0 and ended["ended_at"] >= ended["connected_at"]
    alice.wait_for("call_state", state="DISCONNECTED")


def test_outgoing_call_and_a_rejected_incoming_one(make_engine, make_agent,  # noqa: F811
                                                   pbx: PbxProcess, tmp_path: Path) -> None:
    engine = engine_with_mic(make_engine, tmp_path)
    register(engine, pbx)
    alice = agent_on(make_agent, pbx, "100", tmp_path, tone=1000)

    call_id = engine.request("call", target="100")["call_id"]
    engine.wait_event("call", call_id=call_id, state="calling", direction="out")
    alice.wait_for("incoming")
    engine.wait_event("call", call_id=call_id, state="ringing_out")
    alice.send(cmd="answer", code=200)
    active = engine.wait_event("call", call_id=call_id, state="active")
    assert active["remote_number"] == "100"
    alice.wait_for("media_state", active=True)
    # Devices can be changed during a call; a device that does not exist is reported.
    assert engine.request("set_audio", output="no such device")["error"] == "audio_device"
    status = engine.request("set_audio", input=None, output=None, ringer=None)
    assert status["error"] == "" and engine.wait_event("audio", error="")["null_audio"] is False
    assert tone_present(*agent_heard(alice, tmp_path, "out"), 600, min_ratio=0.7)
    alice.send(cmd="hangup")
    assert engine.wait_event("call", call_id=call_id, state="ended")["code"] == 200

    call_id = incoming_call(engine, alice, pbx)
    engine.request("reject", call_id=call_id, code=486)
    alice.wait_for("call_state", state="DISCONNECTED", code=486)
    assert engine.wait_event("call", call_id=call_id, state="ended")["code"] == 486

    with pytest.raises(EngineError) as err:
        engine.request("answer", call_id=call_id)
    assert err.value.code == "no_such_call"


def test_an_undelivered_call_ends_with_the_pbxs_reason(make_engine, make_agent,  # noqa: F811
                                                        pbx: PbxProcess, tmp_path: Path) -> None:
    """The engine passes on the Q.850 cause of the PBX's Reason header (RFC 6432), so the
    call history can tell "not registered" from "no answer" (both 480)."""
    engine = engine_with_mic(make_engine, tmp_path)
    register(engine, pbx)
    call_id = engine.request("call", target="103")["call_id"]   # nobody registered as 103
    ended = engine.wait_event("call", call_id=call_id, state="ended")
    assert (ended["code"], ended["cause"]) == (480, "Q.850;20"), ended

    alice = agent_on(make_agent, pbx, "100", tmp_path)
    call_id = engine.request("call", target="100")["call_id"]
    alice.wait_for("incoming")
    alice.send(cmd="answer", code=603)
    ended = engine.wait_event("call", call_id=call_id, state="ended")
    assert (ended["code"], ended["cause"]) == (603, "Q.850;21"), ended


def test_a_call_answered_on_another_device_ends_as_answered_elsewhere(
        make_engine, make_agent, pbx: PbxProcess, tmp_path: Path) -> None:  # noqa: F811
    """RFC 3326: the PBX's CANCEL says "Call completed elsewhere" and by whom (here 101's own
    other device); the engine passes both on so the call history does not list the call as
    missed but says where it was answered."""
    engine = engine_with_mic(make_engine, tmp_path)
    register(engine, pbx)
    desk = agent_on(make_agent, pbx, "101", tmp_path)     # a second device of 101
    alice = agent_on(make_agent, pbx, "100", tmp_path)
    alice.send(cmd="call", uri=f"sip:101@127.0.0.1:{pbx.sip_port}")
    ringing = engine.wait_event("call", state="incoming")
    desk.wait_for("incoming")
    desk.send(cmd="answer", code=200)
    ended = engine.wait_event("call", call_id=ringing["call_id"], state="ended")
    assert (ended["cause"], ended["answered_by"]) == ("SIP;200", "101"), str(ended)


def test_blind_transfer_connects_the_caller_to_the_target(make_engine, make_agent,  # noqa: F811
                                                          pbx: PbxProcess,
                                                          tmp_path: Path) -> None:
    engine = engine_with_mic(make_engine, tmp_path)
    register(engine, pbx)
    alice = agent_on(make_agent, pbx, "100", tmp_path, tone=1000)
    carol = agent_on(make_agent, pbx, "102", tmp_path, tone=800)
    call_id = incoming_call(engine, alice, pbx)
    answered(engine, alice, call_id)

    engine.request("transfer_blind", call_id=call_id, target="102")
    carol.wait_for("incoming")
    carol.send(cmd="answer", code=200)
    carol.wait_for("media_state", active=True)
    engine.wait_event("call", call_id=call_id, state="ended", timeout=15)
    engine.wait_event("transfer", call_id=call_id, state="done")
    assert hears(carol, tmp_path, 1000) and hears(alice, tmp_path, 800)


def test_attended_transfer_joins_the_two_remote_parties(make_engine, make_agent,  # noqa: F811
                                                        pbx: PbxProcess,
                                                        tmp_path: Path) -> None:
    engine = engine_with_mic(make_engine, tmp_path)
    register(engine, pbx)
    alice = agent_on(make_agent, pbx, "100", tmp_path, tone=1000)
    carol = agent_on(make_agent, pbx, "102", tmp_path, tone=800)
    first = incoming_call(engine, alice, pbx)
    answered(engine, alice, first)
    engine.request("hold", call_id=first)
    engine.wait_event("call", call_id=first, state="held")

    second = engine.request("call", target="102")["call_id"]
    carol.wait_for("incoming")
    carol.send(cmd="answer", code=200)
    engine.wait_event("call", call_id=second, state="active")

    engine.request("transfer_attended", call_id=first, to_call_id=second)
    for call_id in (first, second):
        engine.wait_event("call", call_id=call_id, state="ended", timeout=15)
    assert hears(carol, tmp_path, 1000) and hears(alice, tmp_path, 800)


def test_registers_again_by_itself_after_a_pbx_restart(make_engine,  # noqa: F811
                                                       pbx: PbxProcess) -> None:
    # TCP: the dropped connection tells pjsua the registrar is gone (over UDP only the
    # next refresh would, minutes later).
    engine = make_engine(retry_interval=2)
    register(engine, pbx, transport="tcp")
    assert pbx.stop() == 0
    lost = engine.wait_event("registration", state=lambda s: s in ("retrying", "failed"),
                             timeout=10)
    assert lost["retry_in"] == 2
    mark = engine.mark()
    restarted = PbxProcess(pbx.config, pbx.data_dir, sip_port=pbx.sip_port).start()
    try:
        engine.wait_event("registration", since=mark, state="registered", timeout=10)
    finally:
        assert restarted.stop() == 0


def test_exits_by_itself_when_the_gui_goes_away(make_engine, pbx: PbxProcess) -> None:  # noqa: F811
    engine = make_engine()
    with pytest.raises(EngineError) as err:
        engine.request("call", target="100")
    assert err.value.code == "no_account"
    with pytest.raises(EngineError) as err:
        engine.request("fly")
    assert err.value.code == "bad_request"
    register(engine, pbx)
    with pytest.raises(EngineError) as err:
        engine.request("call", target="1 00")
    assert err.value.code == "invalid_number"
    started = time.monotonic()
    assert engine.hang_up_socket() == 0   # it unregisters and exits cleanly
    assert time.monotonic() - started < 5


def test_without_devices_or_test_audio_it_runs_on_null_audio(make_engine) -> None:  # noqa: F811
    # This machine has no sound device at all (DESIGN.md: the wheel has none either).
    engine = make_engine(test_audio=False)
    assert engine.ready["null_audio"] is True
    status = engine.request("list_audio")
    assert status["null_audio"] is True and status["error"] == ""
