"""Issue 14 item 9: the tray icon's colour says available / ringing / in a call / DND /
unreachable (the missed-call badge on top), quitting during a call asks first, the window
title names whose phone it is, Ctrl+F goes to the contacts' search. The client as app.py
builds it, on the FakeEngine and the FakePbx."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QMessageBox

from softphone.common.directory import UserSettings
from softphone.common.engine_protocol import CallState, RegState
from softphone.gui.app import Client
from softphone.gui.pbx_backend import PbxState
from softphone.gui.tray_state import COLORS, TrayState
from tests.gui.clients import started_client
from tests.helpers.fake_engine import FakeEngine
from tests.helpers.fake_pbx import FakePbx, FakePbxServer


@pytest.fixture
def setup(qtbot: Any, tmp_path: Path) -> Iterator[tuple[Client, FakeEngine, FakePbx]]:
    client, engine, pbx = started_client(qtbot, tmp_path, FakePbxServer())
    yield client, engine, pbx
    client.shutdown()


def disc_color(client: Client) -> str:
    """The colour of the tray icon's disc, left of the handset and away from the badge."""
    image = client.tray.icon.icon().pixmap(64, 64).toImage()
    return image.pixelColor(6, 32).name()


def shows(client: Client, state: TrayState) -> bool:
    return client.tray.state == state and disc_color(client) == QColor(COLORS[state]).name()


def test_the_tray_icon_follows_calls_dnd_and_the_pbx(qtbot, setup) -> None:
    client, engine, pbx = setup
    assert shows(client, TrayState.AVAILABLE)
    assert "Available" in client.tray.icon.toolTip()
    with qtbot.waitSignal(client.tray_status.changed):
        engine.incoming("c1", "110")
    assert shows(client, TrayState.RINGING)
    engine.call("c1", CallState.ACTIVE, connected_at=1000.0)
    assert shows(client, TrayState.IN_CALL) and "In a call" in client.tray.icon.toolTip()
    engine.call("c1", CallState.ENDED, ended_at=1010.0)
    assert shows(client, TrayState.AVAILABLE)

    pbx.server.settings["101"] = UserSettings(dnd=True)    # DND set on another device
    pbx.resync()
    assert shows(client, TrayState.DND)
    with qtbot.waitSignal(client.pbx_watch.reachable_changed):
        pbx._set_state(PbxState.CONNECTING)       # the PBX went away
    assert shows(client, TrayState.UNREACHABLE)
    pbx.resync()
    assert shows(client, TrayState.DND)
    engine.registration(RegState.FAILED, code=403)
    assert shows(client, TrayState.UNREACHABLE)
    engine.registration(RegState.REGISTERED, code=200)
    assert shows(client, TrayState.DND)


def test_quitting_during_a_call_asks_first(qtbot, setup) -> None:
    client, engine, _pbx = setup
    quits: list[bool] = []
    client.quit = lambda: quits.append(True)
    engine.call("c1", CallState.ACTIVE, remote_number="110", connected_at=1000.0)
    client.request_quit()
    box = next(w for w in QApplication.topLevelWidgets()
               if isinstance(w, QMessageBox) and w.isVisible())
    assert box.windowTitle() == "Quit during a call?"
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    assert quits == [] and client.window.calls()
    client.request_quit()
    box = next(w for w in QApplication.topLevelWidgets()
               if isinstance(w, QMessageBox) and w.isVisible())
    hang_up = next(b for b in box.buttons() if b.text() == "Hang up and quit")
    qtbot.mouseClick(hang_up, Qt.MouseButton.LeftButton)
    assert quits == [True]
    engine.call("c1", CallState.ENDED, ended_at=1010.0)
    client.request_quit()                           # no call: no question
    assert quits == [True, True]


def test_the_title_names_the_phone_and_ctrl_f_finds(qtbot, setup) -> None:
    client, _engine, _pbx = setup
    window = client.window
    assert window.windowTitle() == "Vertrieb (101) – Softphone"
    window.tabs.setCurrentIndex(0)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is client.contacts_view
    assert QApplication.focusWidget() is client.contacts_view.search
