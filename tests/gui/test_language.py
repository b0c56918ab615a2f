"""Issue 14 item 10: the chosen language is kept across restarts and governs dates and
times too (QLocale), and the German words are the ones a German phone uses. The real client
(app.py) on the FakeEngine, with the .qm catalogues built from i18n/*.ts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QDateTime, QLocale
from PySide6.QtWidgets import QApplication

from softphone.common.engine_protocol import CallInfo, CallState, Direction
from softphone.gui.app import Client
from softphone.gui.i18n import uninstall_translators
from softphone.gui.widgets.history_view import HistoryModel
from softphone.gui.widgets.settings_dialog import SettingsDialog
from tests.helpers.fake_engine import FakeEngine

T0 = 1_764_700_000.0        # 2 December 2025, 18:26 UTC


@pytest.fixture
def app(qapp: QApplication) -> Iterator[QApplication]:
    yield qapp
    uninstall_translators(qapp)


def client(qtbot, app: QApplication, config: Path) -> Client:
    c = Client(app, config, engine=FakeEngine())
    qtbot.addWidget(c.window)
    return c


def choose_language(qtbot, c: Client, code: str) -> None:
    c.open_settings_dialog()
    dialog = next(w for w in QApplication.topLevelWidgets()
                  if isinstance(w, SettingsDialog) and w.isVisible())
    index = dialog.language_combo.findData(code)
    dialog.language_combo.setCurrentIndex(index)
    with qtbot.waitSignal(dialog.language_changed):
        dialog.language_combo.activated.emit(index)
    dialog.reject()
    # Qt posts LanguageChange to every widget: the window has retranslated when it shows.
    qtbot.waitUntil(lambda: c.window.tabs.tabText(0) == ("Tastenfeld" if code == "de"
                                                          else "Keypad"))


def test_german_is_kept_across_a_restart_with_its_dates(qtbot, app, tmp_path: Path) -> None:
    first = client(qtbot, app, tmp_path)
    choose_language(qtbot, first, "de")
    first.shutdown()

    again = client(qtbot, app, tmp_path)
    try:
        assert again.settings.language == "de"
        assert again.window.tabs.tabText(0) == "Tastenfeld"
        again.history.record(CallInfo("c1", CallState.ENDED, Direction.IN, "110",
                                      started_at=T0, connected_at=T0 + 1, ended_at=T0 + 9))
        again.history_view.refresh()
        shown = again.history_view.model.index(0, HistoryModel.WHEN).data()
        when = QDateTime.fromMSecsSinceEpoch(round(T0 * 1000))
        assert shown == QLocale(QLocale.Language.German).toString(
            when, QLocale.FormatType.ShortFormat)
        assert shown.startswith("02.12.25")        # day.month.year, as Germans write it
    finally:
        again.shutdown()


def test_transfer_is_weiterverbinden_in_german(qtbot, app, tmp_path: Path) -> None:
    c = client(qtbot, app, tmp_path)
    try:
        choose_language(qtbot, c, "de")
        engine = c.engine
        assert isinstance(engine, FakeEngine)
        engine.call("c1", CallState.ACTIVE, direction=Direction.OUT, remote_number="200",
                    connected_at=1000.0)
        panel = c.window.panels["c1"]
        assert panel.transfer_button.text() == "Weiterverbinden"
        assert "Weiterverbinden" in c.window.menus.transfer_action.text()
    finally:
        c.shutdown()
