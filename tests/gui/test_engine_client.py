"""EngineClient against a real child process: the fake engine script over the local socket."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

from softphone.common.engine_protocol import (
    AccountConfig,
    AudioStatus,
    CallInfo,
    CallState,
    RegistrationInfo,
    RegState,
)
from softphone.gui.engine_backend import ENGINE_UNAVAILABLE, EngineState
from softphone.gui.engine_client import EngineClient

ROOT = Path(__file__).resolve().parents[2]
FAKE = (sys.executable, "-m", "tests.helpers.fake_engine")
ACCOUNT = AccountConfig(user="alice", password="secret", server="127.0.0.1:5060")


@pytest.fixture
def client(qtbot, monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)     # so that `-m tests.helpers.fake_engine` is found
    engine = EngineClient(program=FAKE, backoff=(0.1, 0.2), socket_dir=tmp_path)
    yield engine
    engine.stop()


def start_running(qtbot, client: EngineClient) -> None:
    with qtbot.waitSignal(client.engine_state_changed,
                          check_params_cb=lambda s: s == "running", timeout=10000):
        client.start()


def test_events_arrive_as_dataclasses(qtbot, client):
    client.set_account(ACCOUNT)     # before start: sent once the engine is ready
    with qtbot.waitSignal(client.registration_changed, timeout=10000) as reg, \
            qtbot.waitSignal(client.audio_changed, timeout=10000) as audio:
        client.start()
    assert reg.args[0] == RegistrationInfo(RegState.REGISTERED, 200, "alice", 300)
    assert isinstance(audio.args[0], AudioStatus) and audio.args[0].null_audio

    with qtbot.waitSignal(client.call_changed, timeout=5000) as call:
        client.request_call("+4930123")
    info = call.args[0]
    assert isinstance(info, CallInfo)
    assert (info.call_id, info.state, info.remote_number) == ("c1", CallState.CALLING,
                                                               "+4930123")
    with qtbot.waitSignals([client.dtmf_received] * 2, timeout=5000):
        client.request_dtmf("c1", "12")


def test_refused_request_becomes_request_failed(qtbot, client):
    start_running(qtbot, client)
    with qtbot.waitSignal(client.request_failed, timeout=5000) as failed:
        client.request_call("fail")
    assert failed.args == ["call", "invalid_number", "scripted"]


def test_unknown_event_is_ignored(qtbot, client):
    start_running(qtbot, client)
    with qtbot.waitSignal(client.call_changed, timeout=5000):
        client.request_call("event:whatever")
    assert client.state == EngineState.RUNNING


def test_request_without_engine_fails_at_once(qtbot, client):
    with qtbot.waitSignal(client.request_failed, timeout=1000) as failed:
        client.request_hangup("c1")
    assert failed.args[:2] == ["hangup", ENGINE_UNAVAILABLE]


def test_killed_engine_is_restarted_and_reregistered(qtbot, client):
    client.set_account(ACCOUNT)
    client.request_set_audio("mic", None, None)
    with qtbot.waitSignal(client.registration_changed, timeout=10000):
        start_running(qtbot, client)
    with qtbot.waitSignal(client.call_changed, timeout=5000):
        client.request_call("100")
    first_pid = client.process_id()
    assert first_pid > 0

    states: list[str] = []
    client.engine_state_changed.connect(states.append)
    ended: list[CallInfo] = []
    client.call_changed.connect(ended.append)
    registered: list[RegistrationInfo] = []
    client.registration_changed.connect(registered.append)
    audio: list[AudioStatus] = []
    client.audio_changed.connect(audio.append)

    os.kill(first_pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: "running" in states, timeout=10000)
    assert states[0] == "lost"
    assert "restarting" in states
    # the dead engine's call is reported ended, so no window keeps showing it
    assert [(c.call_id, c.state) for c in ended] == [("c1", CallState.ENDED)]
    # the account and the audio choice are sent again to the new engine
    qtbot.waitUntil(lambda: any(r.state == RegState.REGISTERED for r in registered),
                    timeout=5000)
    assert registered[0].state == RegState.UNREGISTERED
    qtbot.waitUntil(lambda: any(a.input == "mic" for a in audio), timeout=5000)
    assert client.process_id() not in (0, first_pid)


def test_stop_shuts_the_engine_down(qtbot, client):
    start_running(qtbot, client)
    with qtbot.waitSignal(client.engine_state_changed, timeout=5000) as state:
        client.stop()
    assert state.args == ["stopped"]
    assert client.process_id() == 0
