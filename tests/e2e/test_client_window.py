"""The real window with the real engine against the real PBX, used as a user would use it.

The window is built by the composition root (softphone.gui.app.Client) from a config
directory that already holds account 101 at the test PBX, its password in a plaintext
password file (no keyring here). The engine is the real engine process, started by the
real EngineClient with ``--test-audio DIR``: DIR/mic.wav (600 Hz) is its microphone and
DIR/speaker.wav records what it plays. The other parties are pjsua2 agents registered as
100 (plays 1000 Hz) and 102 (plays 800 Hz).

Widgets are typed into and clicked with qtbot. Every wait is on a signal or a condition
(qtbot.waitUntil), which keeps Qt's event loop running: the engine's requests and events
travel over the window's local socket only while it does. The only fixed waits are the
lengths of audio recordings.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMenu

from softphone.common.engine_protocol import CallInfo, CallState, RegistrationInfo, RegState
from softphone.gui import format as fmt
from softphone.gui.app import Client
from softphone.gui.credentials import CredentialStore
from softphone.gui.engine_backend import EngineState
from softphone.gui.settings import AccountSettings, Settings
from softphone.gui.widgets.call_panel import CallPanel
from softphone.gui.widgets.history_view import HistoryModel
from softphone.gui.widgets.incoming_panel import IncomingPanel
from tests.helpers.agent import Agent, make_agent  # noqa: F401  (make_agent is a fixture)
from tests.helpers.audio import (
    analyse_recording,
    speaker_plays,
    tone_present,
    write_tone_wav,
)
from tests.helpers.pbxproc import PbxProcess

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.qt_log_level_fail("WARNING"),
    # The offscreen plugin says this on every show(); it is about the platform, not our code.
    pytest.mark.qt_log_ignore("This plugin does not support"),
]

MIC_HZ = 600          # the window's microphone (the engine's mic.wav)
EMPFANG_HZ = 1000     # what agent 100 plays
BUCHHALTUNG_HZ = 800  # what agent 102 plays
TIMEOUT_MS = 15000


def left_click(qtbot: Any, widget: Any) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


# -- the PBX, the window, the agents -----------------------------------------------------

@pytest.fixture
def audio_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "engine-audio"
    directory.mkdir()
    write_tone_wav(directory / "mic.wav", MIC_HZ, 1.0)
    return directory


@pytest.fixture
def client(qtbot: Any, pbx: PbxProcess, audio_dir: Path, tmp_path: Path) -> Iterator[Client]:
    """The client as `softphone --config-dir ... --engine-arg ...` builds it, started."""
    config = tmp_path / "config"
    server = f"127.0.0.1:{pbx.sip_port}"
    settings = Settings(config / "softphone.ini")
    settings.account = AccountSettings(display_name="Vertrieb", user="101", server=server,
                                       transport="udp")
    CredentialStore(settings, config / "passwords.json").set_password(
        "101", server, "pw101", "file")   # also saves password_storage = "file"
    engine_args = ["--test-audio", str(audio_dir), "--retry-interval", "2",
                   "--bind", "127.0.0.1", "--log-file", str(tmp_path / "engine.log")]
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    client = Client(app, config, engine_args=engine_args)
    qtbot.addWidget(client.window)
    client.start()
    yield client
    client.shutdown()


def status_text(client: Client) -> str:
    return client.window.status.state_label.text()


REGISTERED = RegistrationInfo(RegState.REGISTERED)


def wait_registered(qtbot: Any, client: Client) -> None:
    qtbot.waitUntil(lambda: status_text(client) == fmt.registration(REGISTERED),
                    timeout=TIMEOUT_MS)


def agent_sees(qtbot: Any, agent: Agent, event: str, *, since: int,
               timeout_ms: int = TIMEOUT_MS, **match: Any) -> dict[str, Any]:
    """Wait, with Qt's event loop running, for an agent event after the mark `since`."""

    def matches(candidate: dict[str, Any]) -> bool:
        return candidate.get("event") == event and all(
            want(candidate.get(key)) if callable(want) else candidate.get(key) == want
            for key, want in match.items())

    try:
        qtbot.waitUntil(lambda: any(matches(e) for e in agent.events()[since:]),
                        timeout=timeout_ms)
    except qtbot.TimeoutError:
        pass    # agent.wait_for below says what was seen instead
    return agent.wait_for(event, timeout=0.5, since=since, **match)


def registered_agent(qtbot: Any, make_agent: Callable[..., Agent],  # noqa: F811
                     pbx: PbxProcess, user: str, tone_hz: int, tmp_path: Path) -> Agent:
    agent = make_agent(f"a{user}")
    mark = agent.mark()
    agent.send(cmd="register", server=f"127.0.0.1:{pbx.sip_port}", user=user,
               password=f"pw{user}", display_name="")
    agent_sees(qtbot, agent, "reg_state", since=mark, code=200, active=True)
    agent.send(cmd="play", wav=str(write_tone_wav(tmp_path / f"{tone_hz}.wav", tone_hz, 1.0)))
    return agent


def call_window(qtbot: Any, agent: Agent, pbx: PbxProcess, client: Client) -> IncomingPanel:
    """The agent calls the window's extension 101; returns the ringing panel."""
    ringing_before = set(client.window.panels)
    agent.send(cmd="call", uri=f"sip:101@127.0.0.1:{pbx.sip_port}")
    qtbot.waitUntil(lambda: any(isinstance(p, IncomingPanel) and cid not in ringing_before
                                for cid, p in client.window.panels.items()),
                    timeout=TIMEOUT_MS)
    return next(p for cid, p in client.window.panels.items()
                if isinstance(p, IncomingPanel) and cid not in ringing_before)


def call_panel(qtbot: Any, client: Client, call_id: str) -> CallPanel:
    """The call's panel once it is a call in progress (not ringing any more)."""
    qtbot.waitUntil(lambda: isinstance(client.window.panels.get(call_id), CallPanel),
                    timeout=TIMEOUT_MS)
    panel = client.window.panels[call_id]
    assert isinstance(panel, CallPanel)
    return panel


def wait_state(qtbot: Any, panel: CallPanel, state: CallState) -> None:
    """The panel says the call is in `state` (its words, as the user reads them)."""
    want = fmt.call_state(CallInfo("", state, panel.info.direction))
    qtbot.waitUntil(lambda: panel.state_label.text() == want, timeout=TIMEOUT_MS)


def answer_in_window(qtbot: Any, client: Client, ringing: IncomingPanel,
                     agent: Agent, since: int) -> CallPanel:
    call_id = ringing.info.call_id
    left_click(qtbot, ringing.answer_button)
    panel = call_panel(qtbot, client, call_id)
    wait_state(qtbot, panel, CallState.ACTIVE)
    agent_sees(qtbot, agent, "media_state", since=since, active=True)
    return panel


def wait_gone(qtbot: Any, client: Client, call_id: str) -> None:
    qtbot.waitUntil(lambda: call_id not in client.window.panels, timeout=TIMEOUT_MS)


def seconds_shown(panel: CallPanel) -> int:
    minutes, secs = panel.timer_label.text().split(":")[-2:]
    return int(minutes) * 60 + int(secs)


# -- audio --------------------------------------------------------------------------------

def agent_hears(qtbot: Any, agent: Agent, freq: int, tmp_path: Path,
                timeout_s: float = 8.0) -> bool:
    """Whether the agent comes to hear `freq` within `timeout_s`, recording 1.2 s at a time
    (the PBX may re-anchor the media after a transfer: a first recording can be silence)."""
    for attempt in range(max(1, int(timeout_s / 1.5))):
        path = tmp_path / f"{agent.name}-hears-{freq}-{attempt}.wav"
        mark = agent.mark()
        agent.send(cmd="record", wav=str(path))
        qtbot.wait(1200)    # the length of the recording, not a wait for an event
        agent.send(cmd="stop_record")
        agent_sees(qtbot, agent, "recorded", since=mark, wav=str(path))
        if tone_present(*analyse_recording(path), freq, min_ratio=0.6):
            return True
    return False


# -- transfer menu ------------------------------------------------------------------------

def choose_transfer(qtbot: Any, panel: CallPanel, pick: Callable[[QMenu], Any]) -> None:
    """Click the panel's Transfer button and click the menu entry `pick` finds.

    The button's menu runs its own event loop while it is open: the click on the entry
    is made from inside it, once the menu is shown.
    """
    clicked: list[str] = []

    def click_entry() -> None:
        menu = panel.transfer_menu
        if not menu.isVisible():
            QTimer.singleShot(10, click_entry)
            return
        action = pick(menu)
        clicked.append(action.text())
        qtbot.mouseClick(menu, Qt.MouseButton.LeftButton,
                         pos=menu.actionGeometry(action).center())

    QTimer.singleShot(0, click_entry)
    qtbot.mouseClick(panel.transfer_button, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
    qtbot.waitUntil(lambda: bool(clicked) and not panel.transfer_menu.isVisible(),
                    timeout=5000)


def entry(text: str) -> Callable[[QMenu], Any]:
    def pick(menu: QMenu) -> Any:
        found = [a for a in menu.actions() if not a.isSeparator() and text in a.text()]
        assert len(found) == 1, [a.text() for a in menu.actions()]
        return found[0]
    return pick


# -- the scenarios ----------------------------------------------------------------------

def test_registers_and_says_so_in_the_status_bar(qtbot, client: Client) -> None:
    # The fixture has started the client; nothing has been processed yet.
    states: list[str] = []
    client.engine.engine_state_changed.connect(states.append)
    registrations: list[RegistrationInfo] = []
    client.engine.registration_changed.connect(registrations.append)
    assert status_text(client) == fmt.engine_state(EngineState.STARTING)
    wait_registered(qtbot, client)
    assert status_text(client) == "Registered"
    assert states == ["running"]
    assert [r.state for r in registrations][-2:] == [RegState.REGISTERING, RegState.REGISTERED]
    assert registrations[-1].code == 200 and registrations[-1].expires > 0
    assert client.window.isVisible()
    # With --test-audio the engine has an audio device: no "no sound" warning.
    assert not client.window.status.audio_label.isVisible()


def test_outgoing_call_talk_hold_resume_hang_up(qtbot, client: Client, make_agent,  # noqa: F811
                                                pbx: PbxProcess, audio_dir: Path,
                                                tmp_path: Path) -> None:
    empfang = registered_agent(qtbot, make_agent, pbx, "100", EMPFANG_HZ, tmp_path)
    wait_registered(qtbot, client)
    window = client.window

    mark = empfang.mark()
    qtbot.keyClicks(window.number_edit, "100")
    qtbot.keyClick(window.number_edit, Qt.Key.Key_Return)
    agent_sees(qtbot, empfang, "incoming", since=mark)
    assert window.number_edit.text() == ""
    (call_id,) = window.panels
    panel = call_panel(qtbot, client, call_id)
    wait_state(qtbot, panel, CallState.RINGING_OUT)
    assert "100" in (panel.name_label.text(), panel.number_label.text())

    empfang.send(cmd="answer", code=200)
    wait_state(qtbot, panel, CallState.ACTIVE)
    # Who was called: the PBX names the callee to nobody (no P-Asserted-Identity, and the
    # To header keeps what the caller dialled), so the panel shows the number.
    assert panel.name_label.text() == "100"
    first = seconds_shown(panel)
    qtbot.waitUntil(lambda: seconds_shown(panel) >= first + 1, timeout=5000)

    # Audio both ways through the PBX: the agent's 1000 Hz comes out of the window's
    # speaker, the window's microphone (600 Hz) reaches the agent.
    qtbot.waitUntil(lambda: speaker_plays(audio_dir, EMPFANG_HZ), timeout=8000)
    assert agent_hears(qtbot, empfang, MIC_HZ, tmp_path)

    mark = empfang.mark()
    left_click(qtbot, panel.hold_button)
    agent_sees(qtbot, empfang, "media_state", since=mark, hold="remote")
    wait_state(qtbot, panel, CallState.HELD)
    assert panel.hold_button.text() == "Resume" and panel.hold_button.isChecked()

    mark = empfang.mark()
    left_click(qtbot, panel.hold_button)
    agent_sees(qtbot, empfang, "media_state", since=mark, active=True, hold="none")
    wait_state(qtbot, panel, CallState.ACTIVE)
    assert panel.hold_button.text() == "Hold" and not panel.hold_button.isChecked()

    mark = empfang.mark()
    with qtbot.waitSignal(window.call_ended, timeout=TIMEOUT_MS):
        left_click(qtbot, panel.hangup_button)
    agent_sees(qtbot, empfang, "call_state", since=mark, state="DISCONNECTED")
    wait_gone(qtbot, client, call_id)
    assert not window.calls_widget.isVisible()

    # The History tab lists it as an outgoing call to Empfang.
    bar = window.tabs.tabBar()
    history_tab = window.tabs.indexOf(client.history_view)
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(history_tab).center())
    assert window.tabs.currentWidget() is client.history_view
    model = client.history_view.model
    assert model.rowCount() == 1
    assert model.kind_text(model.entry(0)) == "Outgoing call"
    assert model.index(0, HistoryModel.PARTY).data() == "100"
    assert model.index(0, HistoryModel.DURATION).data() != "Not connected"


def test_incoming_call_answered_and_one_rejected(qtbot, client: Client, make_agent,  # noqa: F811
                                                 pbx: PbxProcess, audio_dir: Path,
                                                 tmp_path: Path) -> None:
    empfang = registered_agent(qtbot, make_agent, pbx, "100", EMPFANG_HZ, tmp_path)
    wait_registered(qtbot, client)
    window = client.window

    mark = empfang.mark()
    ringing = call_window(qtbot, empfang, pbx, client)
    assert ringing.isVisible()
    assert ringing.title_label.text() == "Incoming call"
    assert ringing.name_label.text() == "Empfang"
    assert ringing.number_label.text() == "100"
    call_id = ringing.info.call_id
    panel = answer_in_window(qtbot, client, ringing, empfang, mark)
    assert panel.name_label.text() == "Empfang"
    assert window.panels.keys() == {call_id}     # the ringing panel became the call
    qtbot.waitUntil(lambda: speaker_plays(audio_dir, EMPFANG_HZ), timeout=8000)

    with qtbot.waitSignal(window.call_ended, timeout=TIMEOUT_MS):
        empfang.send(cmd="hangup")
    wait_gone(qtbot, client, call_id)
    assert not window.calls_widget.isVisible()

    mark = empfang.mark()
    ringing = call_window(qtbot, empfang, pbx, client)
    call_id = ringing.info.call_id
    with qtbot.waitSignal(window.call_ended, timeout=TIMEOUT_MS):
        left_click(qtbot, ringing.reject_button)
    agent_sees(qtbot, empfang, "call_state", since=mark, state="DISCONNECTED", code=486)
    assert call_id not in window.panels

    model = client.history_view.model
    kinds = [model.kind_text(model.entry(row)) for row in range(model.rowCount())]
    assert kinds == ["Rejected call", "Incoming call"]      # newest first


def test_blind_transfer_from_the_call_panel(qtbot, client: Client, make_agent,  # noqa: F811
                                            pbx: PbxProcess, tmp_path: Path) -> None:
    empfang = registered_agent(qtbot, make_agent, pbx, "100", EMPFANG_HZ, tmp_path)
    buchhaltung = registered_agent(qtbot, make_agent, pbx, "102", BUCHHALTUNG_HZ, tmp_path)
    wait_registered(qtbot, client)

    mark = empfang.mark()
    ringing = call_window(qtbot, empfang, pbx, client)
    call_id = ringing.info.call_id
    panel = answer_in_window(qtbot, client, ringing, empfang, mark)

    choose_transfer(qtbot, panel, entry("To a number"))
    assert panel.transfer_row.isVisible()
    qtbot.keyClicks(panel.transfer_edit, "102")
    mark = buchhaltung.mark()
    left_click(qtbot, panel.transfer_go)
    incoming = agent_sees(qtbot, buchhaltung, "incoming", since=mark)
    assert "sip:100@" in incoming["from"], "102 sees who is transferred to it"
    buchhaltung.send(cmd="answer", code=200)
    agent_sees(qtbot, buchhaltung, "media_state", since=mark, active=True)
    wait_gone(qtbot, client, call_id)
    assert not client.window.calls_widget.isVisible()
    assert agent_hears(qtbot, buchhaltung, EMPFANG_HZ, tmp_path)
    assert agent_hears(qtbot, empfang, BUCHHALTUNG_HZ, tmp_path)


def test_attended_transfer_joins_the_two_calls(qtbot, client: Client, make_agent,  # noqa: F811
                                               pbx: PbxProcess, tmp_path: Path) -> None:
    empfang = registered_agent(qtbot, make_agent, pbx, "100", EMPFANG_HZ, tmp_path)
    buchhaltung = registered_agent(qtbot, make_agent, pbx, "102", BUCHHALTUNG_HZ, tmp_path)
    wait_registered(qtbot, client)
    window = client.window

    mark = empfang.mark()
    ringing = call_window(qtbot, empfang, pbx, client)
    first_id = ringing.info.call_id
    first = answer_in_window(qtbot, client, ringing, empfang, mark)

    # Calling 102 from the number field puts the first call on hold.
    mark_e, mark_b = empfang.mark(), buchhaltung.mark()
    qtbot.keyClicks(window.number_edit, "102")
    qtbot.keyClick(window.number_edit, Qt.Key.Key_Return)
    agent_sees(qtbot, empfang, "media_state", since=mark_e, hold="remote")
    wait_state(qtbot, first, CallState.HELD)
    agent_sees(qtbot, buchhaltung, "incoming", since=mark_b)
    buchhaltung.send(cmd="answer", code=200)
    qtbot.waitUntil(lambda: len(window.panels) == 2, timeout=TIMEOUT_MS)
    (second_id,) = set(window.panels) - {first_id}
    second = call_panel(qtbot, client, second_id)
    wait_state(qtbot, second, CallState.ACTIVE)
    assert second.name_label.text() == "102"

    # The held call's Transfer menu offers the other call: connect the two.
    choose_transfer(qtbot, first, entry("102"))
    wait_gone(qtbot, client, first_id)
    wait_gone(qtbot, client, second_id)
    assert not window.calls_widget.isVisible()
    assert agent_hears(qtbot, buchhaltung, EMPFANG_HZ, tmp_path)
    assert agent_hears(qtbot, empfang, BUCHHALTUNG_HZ, tmp_path)


def test_engine_killed_mid_call_window_survives_and_registers_again(
        qtbot, client: Client, make_agent, pbx: PbxProcess, tmp_path: Path) -> None:  # noqa: F811
    empfang = registered_agent(qtbot, make_agent, pbx, "100", EMPFANG_HZ, tmp_path)
    wait_registered(qtbot, client)
    window = client.window
    mark = empfang.mark()
    ringing = call_window(qtbot, empfang, pbx, client)
    call_id = ringing.info.call_id
    answer_in_window(qtbot, client, ringing, empfang, mark)

    engine = client.engine
    states: list[str] = []
    engine.engine_state_changed.connect(states.append)
    pid = engine.process_id()
    assert pid > 0
    with qtbot.waitSignal(engine.engine_state_changed, timeout=TIMEOUT_MS,
                          check_params_cb=lambda s: s == EngineState.LOST):
        os.kill(pid, signal.SIGKILL)
    # The window is still there, says the engine is gone, and shows no dead call.
    assert window.isVisible()
    assert status_text(client) == fmt.engine_state(EngineState.LOST)
    wait_gone(qtbot, client, call_id)
    assert not window.calls_widget.isVisible()

    wait_registered(qtbot, client)
    assert states[:3] == ["lost", "restarting", "running"]
    assert engine.process_id() not in (0, pid)
    assert window.isVisible()

    # And it takes calls again.
    ringing = call_window(qtbot, empfang, pbx, client)
    assert ringing.name_label.text() == "Empfang"
