"""Call waiting with the real engine, the real PBX and pjsua2 agents (issue 5).

The engine is 101 (microphone: a 600 Hz tone, speaker recorded), agent 100 (A) plays
1000 Hz, agent 102 (C) plays 800 Hz.  The knock (resources/sounds/knock.wav, made by
scripts/make_sounds.py) is two 0.15 s beeps of 440 Hz 0.1 s apart, repeated every
KNOCK_INTERVAL_S: it is found in the engine's speaker.wav by its frequency and its
on/off pattern, 50 ms block by 50 ms block.  The only fixed waits are recordings.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from softphone.engine.knock import KNOCK_INTERVAL_S
from softphone.pbx.media.tones import goertzel_power
from tests.helpers.agent import Agent, make_agent  # noqa: F401  (make_agent is a fixture)
from tests.helpers.audio import analyse_recording, tone_ratio, write_tone_wav
from tests.helpers.engineclient import EngineProcess, make_engine  # noqa: F401
from tests.helpers.pbxproc import PbxProcess

pytestmark = pytest.mark.e2e

MIC_HZ, A_HZ, C_HZ, KNOCK_HZ = 600, 1000, 800, 440
BLOCK_S = 0.05


@pytest.fixture
def engine(make_engine, pbx: PbxProcess, tmp_path: Path) -> EngineProcess:  # noqa: F811
    audio = tmp_path / "engine-audio"
    audio.mkdir()
    write_tone_wav(audio / "mic.wav", MIC_HZ, 1.0)
    proc = make_engine(audio_dir=audio)
    proc.request("set_account", user="101", password="pw101",
                 server=f"127.0.0.1:{pbx.sip_port}")
    proc.wait_event("registration", state="registered")
    return proc


def agent_on(make_agent, pbx: PbxProcess, user: str, tmp_path: Path,  # noqa: F811
             tone: int) -> Agent:
    agent = make_agent(f"a{user}").register_at(pbx.sip_port, user, display_name="")
    return agent.play_tone(tone, tmp_path)


def agent_heard(agent: Agent, tmp_path: Path, name: str, seconds: float = 1.5):
    path = tmp_path / f"{agent.name}-{name}.wav"
    agent.send(cmd="record", wav=str(path))
    time.sleep(seconds)   # the length of the recording, not a wait for an event
    agent.send(cmd="stop_record")
    agent.wait_for("recorded")
    return analyse_recording(path)


def calls_in(engine: EngineProcess, agent: Agent, pbx: PbxProcess) -> str:
    mark = engine.mark()
    agent.send(cmd="call", uri=f"sip:101@127.0.0.1:{pbx.sip_port}")
    return engine.wait_event("call", since=mark, state="incoming")["call_id"]


def talking_to_a(engine: EngineProcess, make_agent, pbx: PbxProcess,  # noqa: F811
                 tmp_path: Path) -> tuple[Agent, str]:
    alice = agent_on(make_agent, pbx, "100", tmp_path, A_HZ)
    a = calls_in(engine, alice, pbx)
    engine.request("answer", call_id=a)
    engine.wait_event("call", call_id=a, state="active")
    alice.wait_for("media_state", active=True)
    return alice, a


def block_ratios(samples: np.ndarray, rate: int, freq: float) -> np.ndarray:
    """Per 50 ms block: the share of the block's power that is a tone at `freq`."""
    block = int(BLOCK_S * rate)
    out = []
    for i in range(0, len(samples) - block + 1, block):
        chunk = samples[i:i + block].astype(np.float64)
        power = float(np.mean((chunk / 32768.0) ** 2))
        out.append(goertzel_power(chunk, freq, rate) / power if power > 1e-9 else 0.0)
    return np.array(out)


def knock_onsets(samples: np.ndarray, rate: int) -> list[float]:
    """Seconds (from the start of `samples`) at which a 440 Hz beep begins."""
    on = block_ratios(samples, rate, KNOCK_HZ) > 0.15
    return [i * BLOCK_S for i in range(1, len(on)) if on[i] and not on[i - 1]]


def assert_knocks(samples: np.ndarray, rate: int) -> None:
    """The knock's pattern: beeps in pairs 0.25 s apart, pairs KNOCK_INTERVAL_S apart."""
    onsets = knock_onsets(samples, rate)
    assert len(onsets) >= 4, f"no knock pattern in the speaker: onsets {onsets}"
    gaps = np.diff(onsets)
    pair = [g for g in gaps if abs(g - 0.25) <= 0.1]
    cycle = [g for g in gaps if abs(g - (KNOCK_INTERVAL_S - 0.25)) <= 0.15]
    assert len(pair) >= 2 and cycle, f"beeps at {onsets} are not the knock's rhythm"
    on = block_ratios(samples, rate, KNOCK_HZ) > 0.15
    assert on.mean() < 0.3, "440 Hz nearly all the time: a tone, not a knock"


def assert_no_knock(samples: np.ndarray, rate: int) -> None:
    ratios = block_ratios(samples, rate, KNOCK_HZ)
    assert ratios.max() < 0.05, f"440 Hz in the speaker (max share {ratios.max():.2f})"


def assert_hears_throughout(samples: np.ndarray, rate: int, freq: float) -> None:
    """`freq` in (nearly) every 50 ms block: the call's audio goes on under the knock."""
    ratios = block_ratios(samples, rate, freq)
    assert (ratios > 0.3).mean() > 0.95, f"{freq} Hz missing in {(ratios <= 0.3).sum()} blocks"


def test_knock_hold_and_answer_switch_and_end(engine: EngineProcess, make_agent,  # noqa: F811
                                              pbx: PbxProcess, tmp_path: Path) -> None:
    alice, a = talking_to_a(engine, make_agent, pbx, tmp_path)
    carol = agent_on(make_agent, pbx, "102", tmp_path, C_HZ)
    c = calls_in(engine, carol, pbx)
    assert engine.wait_event("call", call_id=c, state="incoming")["remote_number"] == "102"

    time.sleep(KNOCK_INTERVAL_S * 2 + 0.5)   # two knock periods to record
    speaker, rate = engine.speaker(KNOCK_INTERVAL_S * 2 + 0.3)
    assert_knocks(speaker, rate)
    assert_hears_throughout(speaker, rate, A_HZ)
    ringer, _ = engine.ringer(KNOCK_INTERVAL_S * 2)
    assert not ringer.any(), "the ringer rang for a waiting call"

    # Hold and answer: A is held, C talks; the knock stops.
    mark = alice.mark()
    engine.request("hold", call_id=a)
    engine.request("answer", call_id=c)
    engine.wait_event("call", call_id=a, state="held")
    engine.wait_event("call", call_id=c, state="active")
    alice.wait_for("media_state", since=mark, hold="remote")
    carol.wait_for("media_state", active=True)
    time.sleep(0.5)   # audio already in flight
    held = agent_heard(alice, tmp_path, "held")
    assert tone_ratio(*held, MIC_HZ) < 0.1, "A hears the engine's microphone while held"
    assert tone_ratio(*agent_heard(carol, tmp_path, "answered"), MIC_HZ) > 0.5
    speaker, rate = engine.speaker(KNOCK_INTERVAL_S + 0.3)
    assert_no_knock(speaker[-int(1.2 * rate):], rate)
    assert_hears_throughout(speaker[-int(1.0 * rate):], rate, C_HZ)

    # Switch back to A: C is held.
    mark_a, mark_c = alice.mark(), carol.mark()
    engine.request("hold", call_id=c)
    engine.request("resume", call_id=a)
    engine.wait_event("call", call_id=c, state="held")
    engine.wait_event("call", call_id=a, state="active")
    carol.wait_for("media_state", since=mark_c, hold="remote")
    alice.wait_for("media_state", since=mark_a, active=True, hold="none")
    time.sleep(0.5)
    assert tone_ratio(*agent_heard(alice, tmp_path, "resumed"), MIC_HZ) > 0.5
    assert tone_ratio(*agent_heard(carol, tmp_path, "held"), MIC_HZ) < 0.1
    assert_hears_throughout(engine.speaker(1.0)[0], rate, A_HZ)

    # End A; C is taken off hold and is the one call.
    engine.request("hangup", call_id=a)
    engine.wait_event("call", call_id=a, state="ended")
    alice.wait_for("call_state", state="DISCONNECTED")
    mark_c = carol.mark()
    engine.request("resume", call_id=c)
    engine.wait_event("call", call_id=c, state="active")
    carol.wait_for("media_state", since=mark_c, active=True, hold="none")
    time.sleep(0.5)
    assert tone_ratio(*agent_heard(carol, tmp_path, "last"), MIC_HZ) > 0.5
    time.sleep(0.5)
    assert_hears_throughout(engine.speaker(1.0)[0], rate, C_HZ)


def test_reject_waiting_call_with_busy_and_switch_the_knock(
        engine: EngineProcess, make_agent, pbx: PbxProcess,  # noqa: F811
        tmp_path: Path) -> None:
    alice, a = talking_to_a(engine, make_agent, pbx, tmp_path)
    carol = agent_on(make_agent, pbx, "102", tmp_path, C_HZ)
    since_active = engine.mark()
    engine.request("set_call_waiting_tone", enabled=False)
    c = calls_in(engine, carol, pbx)

    time.sleep(1.5)
    speaker, rate = engine.speaker(1.2)
    assert_no_knock(speaker, rate)      # switched off: the waiting call is silent
    assert_hears_throughout(speaker, rate, A_HZ)
    engine.request("set_call_waiting_tone", enabled=True)
    time.sleep(KNOCK_INTERVAL_S + 1.0)   # the knock starts at once, then repeats
    assert_knocks(*engine.speaker(KNOCK_INTERVAL_S + 1.3))

    engine.request("reject", call_id=c, code=486)
    carol.wait_for("call_state", state="DISCONNECTED", code=486)
    assert engine.wait_event("call", call_id=c, state="ended")["code"] == 486
    time.sleep(KNOCK_INTERVAL_S)
    speaker, rate = engine.speaker(KNOCK_INTERVAL_S - 0.3)
    assert_no_knock(speaker, rate)
    assert_hears_throughout(speaker, rate, A_HZ)
    assert tone_ratio(*agent_heard(alice, tmp_path, "after"), MIC_HZ) > 0.5
    assert not [e for e in engine.events[since_active:]
                if e["event"] == "call" and e["data"]["call_id"] == a
                and e["data"]["state"] != "active"], "the first call was disturbed"
