"""The telephony engine against a third-party registrar/proxy (Kamailio): it registers,
calls an agent registered there by its address of record, is called back the same way,
and the audio crosses both ways (measured as tones).  The Kamailio fixture is the one the
pjsua2 agent's direct tests use (tests/e2e/test_pjagent_direct.py), not a copy."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.helpers.agent import make_agent  # noqa: F401  (a fixture)
from tests.helpers.audio import analyse_recording, dominant_frequency, write_tone_wav
from tests.helpers.engineclient import make_engine  # noqa: F401  (a fixture)

pytestmark = pytest.mark.interop


def test_engine_registers_calls_and_is_called_through_kamailio(
        make_engine, make_agent, kamailio: str, tmp_path: Path) -> None:  # noqa: F811
    audio = tmp_path / "engine-audio"
    audio.mkdir()
    write_tone_wav(audio / "mic.wav", 600, 1.0)
    engine = make_engine(audio_dir=audio)
    engine.request("set_account", user="engine", password="x", server=kamailio,
                   display_name="Engine")
    assert engine.wait_event("registration", state="registered")["code"] == 200

    bob = make_agent("bob")
    bob.send(cmd="register", server=kamailio, user="bob", password="x", expires=60)
    assert bob.wait_for("reg_state")["active"] is True
    bob.send(cmd="play", wav=str(write_tone_wav(tmp_path / "1000.wav", 1000, 1.0)))

    call_id = engine.request("call", target="bob")["call_id"]
    assert "sip:engine@" in bob.wait_for("incoming")["from"]
    engine.wait_event("call", call_id=call_id, state="ringing_out")
    bob.send(cmd="answer", code=200)
    engine.wait_event("call", call_id=call_id, state="active")
    bob.wait_for("media_state", active=True)
    heard = tmp_path / "bob-heard.wav"
    bob.send(cmd="record", wav=str(heard))
    time.sleep(1.5)   # the length of the recording, not a wait for an event
    bob.send(cmd="stop_record")
    bob.wait_for("recorded")
    assert dominant_frequency(*analyse_recording(heard)) == pytest.approx(600, abs=15)
    assert dominant_frequency(*engine.speaker(1.0)) == pytest.approx(1000, abs=15)
    engine.request("hangup", call_id=call_id)
    engine.wait_event("call", call_id=call_id, state="ended")
    bob.wait_for("call_state", state="DISCONNECTED")

    bob.send(cmd="call", uri=f"sip:engine@{kamailio}")
    incoming = engine.wait_event("call", state="incoming", remote_number="bob")
    engine.request("answer", call_id=incoming["call_id"])
    engine.wait_event("call", call_id=incoming["call_id"], state="active")
    bob.send(cmd="hangup")
    engine.wait_event("call", call_id=incoming["call_id"], state="ended")

    engine.request("unregister")
    assert engine.wait_event("registration", state="unregistered")["code"] == 200
