"""Call waiting and the calls list against the in-process FakeEngine (issue 5)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication

from softphone.common.engine_protocol import AudioStatus, CallState
from softphone.gui.main_window import MainWindow
from softphone.gui.settings import Settings
from softphone.gui.widgets.call_panel import CallPanel
from softphone.gui.widgets.incoming_panel import IncomingPanel
from softphone.gui.widgets.settings_dialog import SettingsDialog

BLINK_MS = 20


@pytest.fixture
def window(qtbot, engine) -> MainWindow:
    win = MainWindow(engine, clock=lambda: 1000.0, tick_ms=10, blink_ms=BLINK_MS)
    qtbot.addWidget(win)
    win.show()
    return win


def talking(engine, call_id="c1", number="200", name="Carol"):
    return engine.call(call_id, CallState.ACTIVE, remote_number=number, remote_name=name,
                       connected_at=1000.0)


def native(key: str) -> str:
    return QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText)


def requests_after(engine, mark):
    return engine.requests[mark:]


# -- the call-waiting banner ---------------------------------------------------------------

def test_second_call_shows_the_waiting_banner_naming_the_caller(window, engine):
    talking(engine)
    engine.incoming("i2", "300", "Dave")
    banner = window.panels["i2"]
    assert isinstance(banner, IncomingPanel) and banner.waiting
    assert banner.name_label.text() == "Dave" and banner.number_label.text() == "300"
    assert banner.title_label.text() == "Call waiting"
    assert banner.answer_button.text() == "Hold and answer"
    assert banner.end_answer_button.isVisibleTo(banner)
    for button, key in ((banner.answer_button, "Ctrl+Return"),
                        (banner.end_answer_button, "Ctrl+Shift+Return"),
                        (banner.reject_button, "Ctrl+D")):
        assert native(key) in button.toolTip()
    assert window.menus.end_answer_action.isEnabled()
    assert "set_call_waiting_tone" not in engine.names()   # the engine knocks by itself


@pytest.mark.parametrize(("button", "expected"), [
    ("answer_button", [("hold", ("c1",)), ("answer", ("i2",))]),
    ("end_answer_button", [("hangup", ("c1",)), ("answer", ("i2",))]),
    ("reject_button", [("reject", ("i2", 486))]),
])
def test_banner_actions_send_the_right_requests(qtbot, window, engine, button, expected):
    talking(engine)
    engine.incoming("i2", "300")
    mark = len(engine.requests)
    qtbot.mouseClick(getattr(window.panels["i2"], button), Qt.MouseButton.LeftButton)
    assert requests_after(engine, mark) == expected


@pytest.mark.parametrize(("action", "expected"), [
    ("answer_action", [("hold", ("c1",)), ("answer", ("i2",))]),
    ("end_answer_action", [("hangup", ("c1",)), ("answer", ("i2",))]),
    ("reject_action", [("reject", ("i2", 486))]),
])
def test_banner_keyboard_shortcuts(qtbot, window, engine, action, expected):
    talking(engine)
    engine.incoming("i2", "300")
    mark = len(engine.requests)
    getattr(window.menus, action).trigger()
    assert requests_after(engine, mark) == expected


def test_ignored_banner_stays_until_the_caller_gives_up(qtbot, window, engine):
    talking(engine)
    engine.incoming("i2", "300")
    engine.call("c1", muted=True)             # life goes on in the first call
    qtbot.waitUntil(window.panels["i2"].isVisible, timeout=2000)
    with qtbot.waitSignal(window.call_ended) as ended:
        engine.call("i2", CallState.ENDED, code=487)
    assert ended.args[1] is False             # missed, not rejected
    assert "i2" not in window.panels
    assert not window.menus.end_answer_action.isEnabled()
    assert QApplication.activeModalWidget() is None


def test_banner_becomes_a_plain_incoming_call_when_the_conversation_stops(window, engine):
    talking(engine)
    engine.incoming("i2", "300")
    engine.call("c1", CallState.HELD)
    banner = window.panels["i2"]
    assert not banner.waiting and banner.title_label.text() == "Incoming call"
    assert not banner.end_answer_button.isVisibleTo(banner)
    engine.call("c1", CallState.ACTIVE)
    assert banner.waiting
    engine.call("c1", CallState.ENDED)
    assert not banner.waiting and banner.answer_button.text() == "Answer"


def test_without_call_waiting_a_second_call_is_rejected_busy(qtbot, window, engine):
    window.call_waiting = False
    talking(engine)
    engine.incoming("i2", "300")
    assert engine.last("reject") == ("i2", 486)
    assert "i2" not in window.panels
    engine.incoming("i2", "300")              # another event of the same call: once only
    assert engine.names().count("reject") == 1
    with qtbot.waitSignal(window.call_ended) as ended:
        engine.call("i2", CallState.ENDED, code=486)
    assert ended.args[1] is False             # in the history as missed
    engine.call("c1", CallState.ENDED)
    engine.incoming("i3", "300")              # not busy: rings as always
    assert isinstance(window.panels["i3"], IncomingPanel)
    assert engine.names().count("reject") == 1


# -- the calls list ----------------------------------------------------------------------------

def test_clicking_the_held_call_switches_to_it(qtbot, window, engine):
    talking(engine, "c1")
    engine.call("c1", CallState.HELD)
    talking(engine, "c2", "300", "Dave")
    held = window.panels["c1"]
    qtbot.waitUntil(held.isVisible, timeout=2000)
    assert held.position == 1 and native("Alt+1") in held.toolTip()
    assert held.name_label.testAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
    mark = len(engine.requests)
    qtbot.mouseClick(held, Qt.MouseButton.LeftButton, pos=held.name_label.geometry().center())
    assert requests_after(engine, mark) == [("hold", ("c2",)), ("resume", ("c1",))]
    mark = len(engine.requests)
    qtbot.mouseClick(window.panels["c2"], Qt.MouseButton.LeftButton)   # the active one
    assert requests_after(engine, mark) == []


def test_resume_button_of_a_held_call_holds_the_active_one(window, engine):
    talking(engine, "c1")
    engine.call("c1", CallState.HELD)
    talking(engine, "c2", "300")
    mark = len(engine.requests)
    window.panels["c1"].hold_button.click()
    assert requests_after(engine, mark) == [("hold", ("c2",)), ("resume", ("c1",))]


def test_switch_shortcuts(window, engine):
    talking(engine, "c1")
    engine.call("c1", CallState.HELD)
    talking(engine, "c2", "300")
    assert window.menus.swap_action.shortcut().toString() == "Ctrl+B"
    assert native("Ctrl+B") in window.menus.swap_action.shortcut().toString(
        QKeySequence.SequenceFormat.NativeText)
    mark = len(engine.requests)
    window.menus.swap_action.trigger()
    assert requests_after(engine, mark) == [("hold", ("c2",)), ("resume", ("c1",))]
    engine.call("c2", CallState.HELD)
    engine.call("c1", CallState.ACTIVE)
    mark = len(engine.requests)
    window.switch_to(2)                        # Alt+2
    assert requests_after(engine, mark) == [("hold", ("c1",)), ("resume", ("c2",))]
    mark = len(engine.requests)
    window.switch_to(1)                        # the active one: nothing to do
    window.switch_to(7)                        # no such call
    assert requests_after(engine, mark) == []
    alt = [a for a in window.actions() if a.shortcut().toString() == "Alt+2"]
    assert len(alt) == 1
    alt[0].trigger()
    assert engine.last("resume") == ("c2",)


def test_held_call_blinks_the_active_one_is_steady(qtbot, window, engine):
    talking(engine, "c1")
    engine.call("c1", CallState.HELD)
    talking(engine, "c2", "300")
    held, active = window.panels["c1"], window.panels["c2"]
    assert isinstance(held, CallPanel) and isinstance(active, CallPanel)
    for phase in (False, True, False):
        qtbot.waitUntil(lambda p=phase: held.blink_on is p, timeout=2000)
    assert active.blink_on and not active._blink.isActive()
    engine.call("c1", CallState.ACTIVE)       # resumed: steady again, the timer stops
    assert held.blink_on and not held._blink.isActive()
    engine.call("c2", CallState.HELD)
    assert active._blink.isActive()


def test_end_key_ends_the_active_call_not_the_newest(window, engine):
    talking(engine, "c1")
    engine.call("c2", CallState.HELD, remote_number="300", connected_at=1000.0)
    mark = len(engine.requests)
    window.menus.hangup_action.trigger()
    assert requests_after(engine, mark) == [("hangup", ("c1",))]


# -- settings ------------------------------------------------------------------------------

def test_settings_toggles_persist_and_reach_the_engine(qtbot, engine, tmp_path):
    from softphone.gui.app import Client

    client = Client(QApplication.instance(), tmp_path, engine=engine)
    qtbot.addWidget(client.window)
    client.apply_call_settings()
    assert engine.last("set_call_waiting_tone") == (True,)
    client.open_settings_dialog()
    dialog = next(w for w in QApplication.topLevelWidgets()
                  if isinstance(w, SettingsDialog) and w.isVisible())
    assert dialog.call_waiting.isChecked() and dialog.knock_tone.isChecked()

    dialog.knock_tone.click()
    assert engine.last("set_call_waiting_tone") == (False,)
    assert Settings(tmp_path / "softphone.ini").knock_tone is False
    dialog.knock_tone.click()
    assert engine.last("set_call_waiting_tone") == (True,)

    dialog.call_waiting.click()
    assert client.window.call_waiting is False
    assert engine.last("set_call_waiting_tone") == (False,)   # no knock before the 486
    assert not dialog.knock_tone.isEnabled()
    reread = Settings(tmp_path / "softphone.ini")
    assert reread.call_waiting is False and reread.knock_tone is True
    dialog.close()
    client.shutdown()


def test_settings_defaults_are_on(tmp_path):
    settings = Settings(tmp_path / "s.ini")
    assert settings.call_waiting is True and settings.knock_tone is True
    settings.knock_tone = False
    settings.sync()
    assert Settings(tmp_path / "s.ini").knock_tone is False


def test_settings_dialog_starts_from_the_saved_switches(qtbot, tmp_path):
    settings = Settings(tmp_path / "s.ini")
    settings.call_waiting = False
    dialog = SettingsDialog(settings, AudioStatus())
    qtbot.addWidget(dialog)
    assert not dialog.call_waiting.isChecked() and not dialog.knock_tone.isEnabled()
