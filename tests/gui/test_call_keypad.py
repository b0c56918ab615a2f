"""Issue 14 item 4: one keypad. The window's keypad dials while no call is active and sends
DTMF to the active call during one; typed digits, * and # go to the call as DTMF, not into
the number field. MainWindow on the FakeEngine."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from softphone.common.engine_protocol import CallState, Direction
from softphone.gui.main_window import MainWindow
from softphone.gui.widgets.dialpad import Dialpad


@pytest.fixture
def window(qtbot, engine) -> MainWindow:
    win = MainWindow(engine)
    qtbot.addWidget(win)
    win.show()
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    return win


def dtmf(engine) -> list[tuple[str, str]]:
    return [args for name, args in engine.requests if name == "dtmf"]


def talk(engine, call_id: str = "c1") -> None:
    engine.call(call_id, CallState.ACTIVE, direction=Direction.OUT, remote_number="200",
                connected_at=1000.0)


def test_there_is_one_keypad_and_it_sends_dtmf_during_a_call(qtbot, window, engine) -> None:
    qtbot.mouseClick(window.dialpad.buttons["1"], Qt.MouseButton.LeftButton)
    assert window.number_edit.text() == "1"          # no call: the keypad dials
    window.number_edit.clear()
    talk(engine)
    panel = window.panels["c1"]
    assert window.findChildren(Dialpad) == [window.dialpad]     # none in the call panel
    window.tabs.setCurrentIndex(1 if window.tabs.count() > 1 else 0)
    panel.keypad_button.click()
    assert window.tabs.currentIndex() == 0 and window.dialpad.isVisible()
    for key in "5#":
        qtbot.mouseClick(window.dialpad.buttons[key], Qt.MouseButton.LeftButton)
    assert dtmf(engine) == [("c1", "5"), ("c1", "#")]
    assert window.number_edit.text() == ""


def test_typed_digits_go_to_the_call_as_dtmf(qtbot, window, engine) -> None:
    window.number_edit.setFocus()
    talk(engine)
    panel = window.panels["c1"]
    assert QApplication.focusWidget() is panel       # the call took the focus
    qtbot.keyClicks(panel, "12*#")
    assert dtmf(engine) == [("c1", "1"), ("c1", "2"), ("c1", "*"), ("c1", "#")]
    assert window.number_edit.text() == ""
    assert panel.dtmf_label.text() == "12*#"
    # Keys that reach the window itself (focus on a button) go to the call too.
    qtbot.keyClicks(window.call_button, "9")
    assert dtmf(engine)[-1] == ("c1", "9")


def test_a_number_being_typed_keeps_the_focus_and_a_held_call_gets_no_tones(
        qtbot, window, engine) -> None:
    window.number_edit.setFocus()
    qtbot.keyClicks(window.number_edit, "30")
    talk(engine)
    assert QApplication.focusWidget() is window.number_edit     # not taken away mid-number
    qtbot.keyClicks(window.number_edit, "1")
    assert window.number_edit.text() == "301" and dtmf(engine) == []
    engine.call("c1", CallState.HELD)
    qtbot.keyClicks(window.panels["c1"], "7")
    assert dtmf(engine) == []
