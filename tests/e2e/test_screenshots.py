"""Screenshots of the real window for the README, written to docs/screenshots/.

The client is built by the composition root (softphone.gui.app.Client) as in the end-to-end
tests, but on the in-process FakeEngine and FakePbx: the calls, registration, directory and
presence shown are scripted, so the pictures are the same on every run (fixed names,
numbers, dates and call lengths).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QLocale, QSize
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QWidget

from softphone.common.directory import DirectoryEntry, EntryType, Presence
from softphone.common.engine_protocol import (
    AudioDevice,
    AudioStatus,
    CallInfo,
    CallState,
    Direction,
    RegState,
)
from softphone.doorsim.scene import Scene
from softphone.gui.app import Client
from softphone.gui.credentials import CredentialStore
from softphone.gui.door.view import DoorView
from softphone.gui.i18n import install_translator, uninstall_translators
from softphone.gui.settings import AccountSettings, Settings
from softphone.gui.widgets.call_panel import CallPanel
from softphone.gui.widgets.incoming_panel import IncomingPanel
from softphone.gui.widgets.settings_dialog import SettingsDialog
from tests.helpers.fake_engine import FakeEngine
from tests.helpers.fake_pbx import FakePbx, FakePbxServer

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("This plugin does not support"),
]

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
WINDOW_SIZE = QSize(420, 640)
DEVICES = [AudioDevice("Built-in Audio Analog Stereo", 2, 2),
           AudioDevice("Jabra Evolve2 65", 1, 2)]


def local_time(day: int, hour: int, minute: int) -> float:
    """An epoch time at a fixed local date and time in March 2025."""
    return time.mktime((2025, 3, day, hour, minute, 0, 0, 0, -1))


# (direction, number, name, started, seconds connected or None if never)
HISTORY = [
    (Direction.IN, "103", "Homeoffice", local_time(10, 8, 52), None),
    (Direction.OUT, "+49301234567", "", local_time(10, 11, 5), 47),
    (Direction.IN, "100", "Empfang", local_time(11, 9, 14), 65),
    (Direction.OUT, "102", "Buchhaltung", local_time(12, 14, 30), 272),
]


# The PBX directory of the Contacts tab: two departments, every presence colour.
DIRECTORY = [
    DirectoryEntry(EntryType.USER, "110", "Anna Müller", "Vertrieb", Presence.AVAILABLE),
    DirectoryEntry(EntryType.USER, "111", "Jörg Schäfer", "Vertrieb", Presence.BUSY),
    DirectoryEntry(EntryType.USER, "112", "Lena Hoffmann", "Vertrieb", Presence.RINGING),
    DirectoryEntry(EntryType.USER, "120", "Bernd Mueller", "Technik", Presence.OFFLINE),
    DirectoryEntry(EntryType.USER, "121", "Chloé Strauß", "Technik", Presence.DND),
    DirectoryEntry(EntryType.USER, "122", "Sören Klein", "Technik", Presence.AVAILABLE),
]
FAVORITES = ["110", "121"]


@pytest.fixture
def client(qtbot: Any, tmp_path: Path) -> Iterator[tuple[Client, FakeEngine]]:
    config = tmp_path / "config"
    settings = Settings(config / "softphone.ini")
    settings.account = AccountSettings(display_name="Vertrieb", user="101",
                                       server="pbx.example.com", transport="udp")
    CredentialStore(settings, config / "passwords.json").set_password(
        "101", "pbx.example.com", "secret", "file")
    engine = FakeEngine()
    pbx = FakePbx(FakePbxServer(entries=DIRECTORY, favorites={"101": FAVORITES}))
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    old_locale = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom))
    client = Client(app, config, engine=engine, pbx=pbx)
    qtbot.addWidget(client.window)
    for index, (direction, number, name, started, talked) in enumerate(HISTORY):
        connected = started + 8 if talked is not None else 0.0
        client.history.record(CallInfo(
            f"h{index}", CallState.ENDED, direction, remote_number=number, remote_name=name,
            code=200 if talked is not None else 487, started_at=started,
            connected_at=connected, ended_at=(connected + talked) if talked else started + 20))
    client.history_view.refresh()
    client.start()
    client.window.resize(WINDOW_SIZE)
    qtbot.waitExposed(client.window)
    engine.audio(AudioStatus(devices=DEVICES))
    engine.registration(RegState.REGISTERED, code=200)
    try:
        yield client, engine
    finally:
        client.shutdown()
        uninstall_translators(app)
        QLocale.setDefault(old_locale)


def save(widget: QWidget, name: str, size: QSize | None = None) -> Path:
    """Grab the widget into docs/screenshots/NAME and check what was written."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / name
    assert widget.grab().save(str(path), "PNG")
    image = QImage(str(path))
    assert not image.isNull() and path.stat().st_size > 1000
    assert image.size() == (size or widget.size() * widget.devicePixelRatioF())
    return path


def show_history(client: Client) -> None:
    client.window.tabs.setCurrentWidget(client.history_view)


def incoming_call(qtbot: Any, client: Client, engine: FakeEngine) -> IncomingPanel:
    engine.incoming("c1", "100", "Empfang")
    panel = client.window.panels["c1"]
    assert isinstance(panel, IncomingPanel)
    qtbot.waitUntil(panel.isVisible)
    return panel


def active_call(qtbot: Any, client: Client, engine: FakeEngine) -> CallPanel:
    # Connected 83 s ago: the timer shows 01:23.
    engine.call("c2", CallState.ACTIVE, remote_number="102", remote_name="Buchhaltung",
                started_at=time.time() - 90, connected_at=time.time() - 83)
    panel = client.window.panels["c2"]
    assert isinstance(panel, CallPanel)
    qtbot.waitUntil(panel.isVisible)
    assert panel.timer_label.text() == "01:23"
    return panel


def to_german(qtbot: Any, client: Client) -> None:
    QLocale.setDefault(QLocale(QLocale.Language.German, QLocale.Country.Germany))
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    assert install_translator(app, "de") is not None
    # Widgets retranslate on the LanguageChange event Qt posts to each of them.
    qtbot.waitUntil(lambda: client.window.tabs.tabText(0) == "Tastenfeld")


def test_main_window(qtbot, client) -> None:
    app_client, _ = client
    window = app_client.window
    show_history(app_client)
    assert app_client.history_view.model.rowCount() == len(HISTORY)
    assert window.status.state_label.text() == "Registered"
    save(window, "main-window.png", WINDOW_SIZE)


def test_incoming_call(qtbot, client) -> None:
    app_client, engine = client
    panel = incoming_call(qtbot, app_client, engine)
    assert panel.name_label.text() == "Empfang"
    save(app_client.window, "incoming-call.png", WINDOW_SIZE)


def test_incoming_door_call(qtbot, client) -> None:
    """The front door rings: its picture (a door simulator frame drawn at a fixed time, so
    the screenshot is the same on every run) above Answer and Reject."""
    app_client, engine = client
    pbx = app_client.pbx
    assert isinstance(pbx, FakePbx)
    pbx.server.entries = [*pbx.server.entries, DirectoryEntry(    # not DIRECTORY itself
        EntryType.DOOR, "150", "Haustür", "Empfang", Presence.AVAILABLE, can_open=True,
        has_video=True)]
    pbx.resync()
    engine.incoming("d1", "150", "Haustür")
    panel = app_client.window.panels["d1"]
    assert isinstance(panel, IncomingPanel)
    view = panel.door_view
    assert isinstance(view, DoorView)
    view.stop()                 # no camera here: show a fixed frame instead of a stream
    rgb = Scene().render(42, local_time(12, 10, 15)).copy()
    height, width = rgb.shape[:2]
    frame = QImage(rgb.data, width, height, rgb.strides[0], QImage.Format.Format_RGB888)
    view.video.set_state("playing")
    view.video.show_frame(frame.copy())
    qtbot.waitUntil(panel.isVisible)
    assert view.video.overlay_text() == ""
    save(app_client.window, "incoming-door-call.png", WINDOW_SIZE)


def test_in_call(qtbot, client) -> None:
    app_client, engine = client
    active_call(qtbot, app_client, engine)
    save(app_client.window, "in-call.png", WINDOW_SIZE)


def test_contacts(qtbot, client) -> None:
    app_client, _ = client
    window, view = app_client.window, app_client.contacts_view
    window.tabs.setCurrentWidget(view)
    assert view.pbx_mode
    proxy = view.proxy
    groups = {proxy.index(row, 0).data(): proxy.rowCount(proxy.index(row, 0))
              for row in range(proxy.rowCount())}
    assert groups == {"Favorites": 2, "Technik": 3, "Vertrieb": 3}
    qtbot.waitUntil(view.tree.isVisible)
    view.delegate.blink_on = True       # the ringing dot in its lit half of the blink
    save(window, "contacts.png", WINDOW_SIZE)


def test_settings_dialog(qtbot, client) -> None:
    app_client, _ = client
    app_client.open_settings_dialog()
    dialog = app_client.window.findChild(SettingsDialog)
    assert dialog is not None
    qtbot.waitExposed(dialog)
    assert dialog.input_combo.count() == 1 + len(DEVICES)
    save(dialog, "settings.png")
    dialog.reject()


def test_german_main_window_and_call(qtbot, client) -> None:
    app_client, engine = client
    to_german(qtbot, app_client)
    show_history(app_client)
    window = app_client.window
    assert window.tabs.tabText(window.tabs.indexOf(app_client.history_view)) == "Verlauf"
    save(window, "main-window-de.png", WINDOW_SIZE)
    window.tabs.setCurrentIndex(0)
    panel = active_call(qtbot, app_client, engine)
    assert panel.hangup_button.text() == "Auflegen"
    save(window, "in-call-de.png", WINDOW_SIZE)
