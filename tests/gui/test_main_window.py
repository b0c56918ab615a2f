"""The main window against the in-process FakeEngine (offscreen, no engine process)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QWidget

from softphone.common.engine_protocol import (
    AudioStatus,
    CallState,
    RegistrationInfo,
    RegState,
)
from softphone.gui import format as fmt
from softphone.gui.engine_backend import EngineBackend, EngineState
from softphone.gui.main_window import MainWindow
from softphone.gui.tray import Tray, app_icon
from softphone.gui.widgets.call_panel import CallPanel
from softphone.gui.widgets.dialpad import clean_number
from softphone.gui.widgets.incoming_panel import IncomingPanel
from softphone.gui.widgets.status_bar import StatusBar


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def window(qtbot, engine, clock) -> MainWindow:
    win = MainWindow(engine, clock=clock, tick_ms=10)
    qtbot.addWidget(win)
    win.show()
    return win


def active_call(engine, call_id="c1", **changes):
    return engine.call(call_id, CallState.ACTIVE, remote_number="200", remote_name="Carol",
                       connected_at=1000.0, **changes)


# -- number entry ------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("+49 (0) 30 1234-56", "+4930123456"),
    ("030 / 1234.56", "030123456"),
    ("*21#", "*21#"),
    ("tel:+4930123", "+4930123"),
    ("sip:alice@example.org", "sip:alice@example.org"),
    ("bob@pbx.local", "bob@pbx.local"),
    ("0800-FLOWERS", None),
    ("12+3", None),
])
def test_clean_number(text, expected):
    assert clean_number(text) == expected


def test_typed_number_and_enter_calls(qtbot, window, engine):
    qtbot.keyClicks(window.number_edit, "030 1234-56")
    assert window.number_edit.text() == "030123456"
    qtbot.keyClick(window.number_edit, Qt.Key.Key_Return)
    assert engine.last("call") == ("030123456",)
    assert window.number_edit.text() == ""


def test_pasted_number_is_cleaned(qtbot, window, engine):
    QApplication.clipboard().setText("+49 (0) 30 1234-56")
    window.number_edit.paste()
    assert window.number_edit.text() == "+4930123456"
    qtbot.mouseClick(window.call_button, Qt.MouseButton.LeftButton)
    assert engine.last("call") == ("+4930123456",)


def test_letters_are_rejected_with_a_hint(qtbot, window, engine):
    qtbot.keyClicks(window.number_edit, "12a3")
    assert window.number_edit.text() == "123"
    assert window.hint_label.isVisible()
    assert "digits" in window.hint_label.text()
    qtbot.keyClick(window.number_edit, Qt.Key.Key_Return)
    assert engine.last("call") == ("123",)
    assert not window.hint_label.isVisible()


def test_empty_number_does_not_call(qtbot, window, engine):
    assert not window.call_button.isEnabled()
    qtbot.keyClick(window.number_edit, Qt.Key.Key_Return)
    assert "call" not in engine.names()


def test_dialpad_types_into_the_number_field(qtbot, window, engine):
    for key in "0#":
        qtbot.mouseClick(window.dialpad.buttons[key], Qt.MouseButton.LeftButton)
    assert window.number_edit.text() == "0#"


def test_history_call_requested_calls(qtbot, engine):
    class History(QWidget):
        call_requested = Signal(str)

    history = History()
    win = MainWindow(engine, history_view=history)
    qtbot.addWidget(win)
    history.call_requested.emit("+49 30 555")
    assert engine.last("call") == ("+4930555",)
    assert win.tabs.count() == 2


# -- status ------------------------------------------------------------------------------

@pytest.mark.parametrize("info", [
    RegistrationInfo(RegState.REGISTERED, 200, "OK", 300),
    RegistrationInfo(RegState.REGISTERING),
    RegistrationInfo(RegState.FAILED, 403, "Forbidden", retry_in=30),
    RegistrationInfo(RegState.RETRYING, 0, "", retry_in=5),
])
def test_registration_state_is_shown(window, engine, info):
    engine.registration_changed.emit(info)
    assert window.status.state_label.text() == fmt.registration(info)


def test_registration_failure_names_the_reason(window, engine):
    engine.registration(RegState.FAILED, 403, "Forbidden", retry_in=30)
    text = window.status.state_label.text()
    assert fmt.sip_reason(403) in text and "30" in text


def test_retry_countdown_runs(qtbot, engine):
    now = Clock(0.0)
    bar = StatusBar(clock=now)
    qtbot.addWidget(bar)
    bar.set_engine_state("running")
    bar.set_registration(RegistrationInfo(RegState.RETRYING, retry_in=10))
    now.now = 3.0
    qtbot.waitUntil(lambda: "7" in bar.state_label.text(), timeout=3000)


def test_engine_lost_is_shown_and_window_stays(qtbot, window, engine):
    active_call(engine)
    engine.set_engine_state(EngineState.LOST)
    assert window.status.state_label.text() == fmt.engine_state("lost")
    assert window.status.currentMessage() == fmt.engine_state("lost")
    assert window.isVisible()
    engine.call("c1", CallState.ENDED)    # what EngineClient reports for the dead calls
    assert window.panels == {}
    engine.set_engine_state(EngineState.RUNNING)
    engine.registration(RegState.REGISTERED)
    assert window.status.state_label.text() == fmt.registration(
        RegistrationInfo(RegState.REGISTERED))


def test_request_failure_is_shown(window, engine):
    engine.fail("call", "invalid_number", "")
    assert window.status.currentMessage() == fmt.request_error("call", "invalid_number")


def test_null_audio_warning(window, engine):
    engine.audio(AudioStatus(null_audio=True))
    assert window.status.audio_label.isVisible()
    assert window.status.audio_label.text() == fmt.audio_warning(AudioStatus(null_audio=True))
    engine.audio(AudioStatus())
    assert not window.status.audio_label.isVisible()


# -- incoming calls ----------------------------------------------------------------------

def test_incoming_call_shows_caller_and_answers(qtbot, window, engine):
    engine.incoming("i1", "+4930111", "Bob")
    panel = window.panels["i1"]
    assert isinstance(panel, IncomingPanel)
    assert panel.name_label.text() == "Bob"
    assert panel.number_label.text() == "+4930111"
    qtbot.mouseClick(panel.answer_button, Qt.MouseButton.LeftButton)
    assert engine.last("answer") == ("i1",)
    engine.call("i1", CallState.ACTIVE, connected_at=1000.0)
    assert isinstance(window.panels["i1"], CallPanel)


def test_reject_button_rejects_and_history_hears_it(qtbot, window, engine):
    engine.incoming("i2", "+4930222")
    with qtbot.waitSignal(window.call_ended) as ended:
        qtbot.mouseClick(window.panels["i2"].reject_button, Qt.MouseButton.LeftButton)
        assert engine.last("reject") == ("i2", 486)
        engine.call("i2", CallState.ENDED, code=486)
    assert ended.args[1] is True
    assert "i2" not in window.panels


def test_answering_holds_the_call_in_progress(window, engine):
    active_call(engine)
    engine.incoming("i1", "300")
    window.menus.answer_action.trigger()          # Ctrl+Return
    assert engine.requests[-2:] == [("hold", ("c1",)), ("answer", ("i1",))]


# -- calls in progress -------------------------------------------------------------------

def test_buttons_follow_the_call_state(window, engine):
    engine.call("c1", CallState.CALLING, remote_number="200")
    panel = window.panels["c1"]
    assert panel.hangup_button.isEnabled()
    assert not panel.mute_button.isEnabled()
    assert not panel.hold_button.isEnabled()
    assert not panel.keypad_button.isEnabled()
    assert not panel.transfer_button.isEnabled()
    assert panel.state_label.text() == fmt.call_state(engine.calls["c1"])
    active_call(engine)
    assert all(b.isEnabled() for b in (panel.mute_button, panel.hold_button,
                                       panel.keypad_button, panel.transfer_button))
    panel.hangup_button.click()
    assert engine.last("hangup") == ("c1",)


def test_mute_and_hold_follow_the_engine(window, engine):
    active_call(engine)
    panel = window.panels["c1"]
    panel.mute_button.click()
    assert engine.last("mute") == ("c1", True)
    assert not panel.mute_button.isChecked()     # not before the engine says so
    height = panel.sizeHint().height()
    engine.call("c1", muted=True)
    assert panel.mute_button.isChecked()
    # Seen at a glance (issue 14 item 8): said beside the state, a red button; same size.
    assert panel.state_label.text() == "Connected · muted"
    assert "#c62828" in panel.mute_button.styleSheet()
    assert panel.sizeHint().height() == height
    panel.mute_button.click()
    assert engine.last("mute") == ("c1", False)

    panel.hold_button.click()
    assert engine.last("hold") == ("c1",)
    engine.call("c1", CallState.HELD)
    assert panel.hold_button.isChecked()
    assert panel.state_label.text() == fmt.call_state(engine.calls["c1"])
    assert not panel.keypad_button.isEnabled()
    panel.hold_button.click()
    assert engine.last("resume") == ("c1",)


def test_call_timer_advances(qtbot, window, engine, clock):
    active_call(engine)
    panel = window.panels["c1"]
    assert panel.timer_label.text() == "00:00"
    clock.now = 1065.0
    qtbot.waitUntil(lambda: panel.timer_label.text() == "01:05", timeout=2000)
    clock.now = 1000.0 + 3725
    qtbot.waitUntil(lambda: panel.timer_label.text() == "1:02:05", timeout=2000)


def test_blind_transfer(qtbot, window, engine):
    active_call(engine)
    panel = window.panels["c1"]
    panel.rebuild_transfer_menu()
    actions = [a for a in panel.transfer_menu.actions() if not a.isSeparator()]
    assert len(actions) == 1        # no other call: only "to a number"
    actions[0].trigger()
    assert panel.transfer_row.isVisible()
    qtbot.keyClicks(panel.transfer_edit, "0301 234")
    qtbot.keyClick(panel.transfer_edit, Qt.Key.Key_Return)
    assert engine.last("transfer_blind") == ("c1", "0301234")
    assert not panel.transfer_row.isVisible()


def test_attended_transfer_offers_the_other_call(window, engine):
    active_call(engine, "c1")
    engine.call("c1", CallState.HELD)
    engine.call("c2", CallState.ACTIVE, remote_number="300", remote_name="Dave")
    panel = window.panels["c1"]
    panel.rebuild_transfer_menu()
    targets = [a for a in panel.transfer_menu.actions() if a.data() == "c2"]
    assert len(targets) == 1 and "Dave" in targets[0].text()
    targets[0].trigger()
    assert engine.last("transfer_attended") == ("c1", "c2")


def test_ended_call_removes_its_panel(qtbot, window, engine):
    active_call(engine)
    assert window.calls_widget.isVisible()
    with qtbot.waitSignal(window.call_ended) as ended:
        engine.call("c1", CallState.ENDED, code=200)
    assert ended.args[1] is False
    assert window.panels == {}
    assert not window.calls_widget.isVisible()
    assert not window.menus.hangup_action.isEnabled()


def test_window_shortcuts_act_on_the_current_call(window, engine):
    active_call(engine)
    window.menus.hangup_action.trigger()
    assert engine.last("hangup") == ("c1",)
    window.menus.mute_action.trigger()
    assert engine.last("mute") == ("c1", True)


def test_new_call_holds_the_call_in_progress(qtbot, window, engine):
    active_call(engine)
    qtbot.keyClicks(window.number_edit, "300")
    qtbot.keyClick(window.number_edit, Qt.Key.Key_Return)
    assert engine.requests[-2:] == [("hold", ("c1",)), ("call", ("300",))]


# -- tray --------------------------------------------------------------------------------

def test_tray_without_system_tray_still_answers(qtbot, window, engine):
    tray = Tray(window, engine, app_icon(), answer=window.answer, reject=window.reject,
                available=False)
    assert not tray.icon.isVisible()
    assert not tray.answer_action.isVisible()
    engine.incoming("i1", "400", "Eve")
    assert tray.answer_action.isVisible() and "Eve" in tray.answer_action.text()
    tray.reject_action.trigger()
    assert engine.last("reject") == ("i1", 486)
    window.hide()
    tray.toggle_window()
    assert window.isVisible()
    tray.close()


def test_language_change_retranslates(qtbot, window):
    window.call_button.setText("x")
    QApplication.sendEvent(window, QEvent(QEvent.Type.LanguageChange))
    assert window.call_button.text() == "Call"


def test_engine_backend_is_abstract(qtbot):
    with pytest.raises(NotImplementedError):
        EngineBackend(QObject()).request_call("1")


# -- composition root ----------------------------------------------------------------------

def test_client_first_start_asks_for_account_and_records_calls(qtbot, engine, tmp_path):
    from softphone.gui.app import Client
    from softphone.gui.widgets.account_dialog import AccountDialog

    client = Client(QApplication.instance(), tmp_path, engine=engine)
    qtbot.addWidget(client.window)
    client.start()
    qtbot.waitUntil(lambda: any(isinstance(w, AccountDialog) and w.isVisible()
                                for w in QApplication.topLevelWidgets()), timeout=2000)
    assert client.window.isVisible()
    engine.incoming("i9", "+4930999", "Zoe")
    client.window.reject("i9")
    engine.call("i9", CallState.ENDED, code=486, ended_at=2000.0)
    entries = client.history.entries()
    assert [(e.number, e.rejected) for e in entries] == [("+4930999", True)]
    client.shutdown()
    assert "stop" in engine.names()
