"""Every string in softphone/gui is translated in German and English; switching works live."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator
from PySide6.QtWidgets import QApplication

from softphone.common.engine_protocol import AudioStatus
from softphone.gui.history import CallHistory
from softphone.gui.i18n import available_languages, install_translator, uninstall_translators
from softphone.gui.settings import Settings
from softphone.gui.widgets.history_view import HistoryView
from softphone.gui.widgets.settings_dialog import SettingsDialog

ROOT = Path(__file__).resolve().parents[2]


def _load_script() -> ModuleType:
    """scripts/update_translations.py, the same code that writes the .ts files."""
    spec = importlib.util.spec_from_file_location(
        "update_translations", ROOT / "scripts" / "update_translations.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ut = _load_script()

BIN = Path(sys.executable).parent
COMMITTED = {lang: ROOT / "i18n" / f"softphone_{lang}.ts" for lang in ("de", "en")}
MY_MODULES = ("settings.py", "credentials.py", "history.py", "i18n.py", "account_dialog.py",
              "settings_dialog.py", "history_view.py")


def tool(name: str) -> str:
    path = BIN / name
    found = str(path) if path.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} not found (run scripts/bootstrap.sh test)")
    return found


def strings_in(sources: list[Path], tmp_path: Path) -> set[tuple[str, str, str]]:
    """(context, source, comment) of every tr() string in `sources`, as lupdate finds them."""
    ts = tmp_path / "found.ts"
    ut.run_lupdate(ts, "de", sources)
    return set(ut.messages(ts))


def missing_translations(found: set[tuple[str, str, str]]) -> list[str]:
    missing = []
    for ts in COMMITTED.values():
        committed = ut.messages(ts)
        for key in sorted(found):
            message = committed.get(key)
            if message is None or not ut.finished(message):
                missing.append(f"{ts.name}: [{key[0]}] {key[1]!r}")
    return missing


def test_every_gui_string_is_translated(tmp_path: Path) -> None:
    found = strings_in(ut.source_files(ROOT / "softphone" / "gui"), tmp_path)
    assert found, "lupdate found no strings at all"
    missing = missing_translations(found)
    assert not missing, (
        f"{len(missing)} strings without a finished translation (run "
        "scripts/update_translations.py --fill-en and translate them):\n" + "\n".join(missing))


def test_strings_of_settings_history_and_account_are_translated(tmp_path: Path) -> None:
    sources = [p for p in ut.source_files(ROOT / "softphone" / "gui") if p.name in MY_MODULES]
    assert len(sources) == len(MY_MODULES)
    missing = missing_translations(strings_in(sources, tmp_path))
    assert not missing, "\n".join(missing)


@pytest.fixture
def qm_dir(tmp_path: Path) -> Path:
    out = tmp_path / "qm"
    out.mkdir()
    for lang, ts in COMMITTED.items():
        subprocess.run([tool("pyside6-lrelease"), "-silent", str(ts), "-qm",
                        str(out / f"softphone_{lang}.qm")], check=True)
    return out


@pytest.fixture
def app(qapp: QApplication):
    yield qapp
    uninstall_translators(qapp)


def test_qm_loads_and_translates(qm_dir: Path, app: QApplication) -> None:
    translator = QTranslator()
    assert translator.load(str(qm_dir / "softphone_de.qm"))
    assert translator.translate("SettingsDialog", "Settings") == "Einstellungen"
    assert translator.translate("HistoryView", "Call back") == "Zurückrufen"


def test_language_switch_retranslates_live(qtbot, qm_dir: Path, app: QApplication,
                                           tmp_path: Path) -> None:
    settings = Settings(tmp_path / "softphone.ini")
    dialog = SettingsDialog(settings, AudioStatus(null_audio=True))
    qtbot.addWidget(dialog)
    history = CallHistory(tmp_path / "history.sqlite")
    view = HistoryView(history)
    qtbot.addWidget(view)
    try:
        assert dialog.windowTitle() == "Settings"

        translator = install_translator(app, "de", directory=qm_dir)
        assert translator is not None
        qtbot.waitUntil(lambda: dialog.windowTitle() == "Einstellungen")
        assert dialog.null_audio_note.text().startswith("Kein Audiogerät gefunden")
        assert dialog.input_combo.itemText(0) == "Systemstandard"
        assert dialog.language_combo.itemText(0) == "Systemsprache"
        qtbot.waitUntil(lambda: view.call_back.text() == "Zurückrufen")
        assert view.missed_only.text() == "Nur verpasste"
        assert QCoreApplication.translate("i18n", "System language") == "Systemsprache"
        assert available_languages()[0] == ("system", "Systemsprache")

        # Switching removes the German translator: back to English at once.
        install_translator(app, "en", directory=qm_dir)
        qtbot.waitUntil(lambda: dialog.windowTitle() == "Settings")
        qtbot.waitUntil(lambda: view.call_back.text() == "Call back")
        assert len(app.findChildren(QTranslator, "softphone-translator")) <= 1
    finally:
        history.close()


def test_english_without_catalogue_uses_source_strings(app: QApplication,
                                                       tmp_path: Path) -> None:
    assert install_translator(app, "en", directory=tmp_path) is None
    assert app.findChildren(QTranslator, "softphone-translator") == []
    assert QCoreApplication.translate("SettingsDialog", "Settings") == "Settings"


def test_door_view_speaks_german(qtbot, qm_dir: Path, app: QApplication) -> None:
    """The door strings reach the window in German, including the reason and feedback."""
    from softphone.gui.door.messages import audit_result_text, open_error_text
    from softphone.gui.door.view import DoorView
    from tests.gui.doors import GATE, door_pbx

    pbx = door_pbx("http://127.0.0.1:9/video.mjpg")
    view = DoorView(pbx, GATE)
    qtbot.addWidget(view)
    install_translator(app, "de", directory=qm_dir)
    qtbot.waitUntil(lambda: view.open_button.text() == "Tür öffnen")
    assert view.reason_label.text() == "Ihre Rolle darf diese Tür nicht öffnen"
    assert open_error_text("door_unreachable") == (
        "Die Tür antwortet nicht. Versuchen Sie es noch einmal oder nutzen Sie den Türcode.")
    assert open_error_text("door_rate_limited").startswith(
        "Sie haben in der letzten Minute zu oft Türen geöffnet.")
    assert audit_result_text("opening") == "Wird geöffnet (Ergebnis nicht aufgezeichnet)"
