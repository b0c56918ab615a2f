"""Settings round-trip, CredentialStore with and without a keyring, the SettingsDialog."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null
from keyring.errors import PasswordDeleteError
from PySide6.QtCore import Qt

from softphone.common.engine_protocol import AudioDevice, AudioStatus
from softphone.gui.credentials import (
    SERVICE,
    CredentialStore,
    KeyringUnavailableError,
    backend_usable,
)
from softphone.gui.settings import AccountSettings, Settings
from softphone.gui.widgets.settings_dialog import SettingsDialog


class DictKeyring(KeyringBackend):
    """A real keyring backend that keeps secrets in a dict."""

    priority = 5  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self.secrets[(service, username)]
        except KeyError:
            raise PasswordDeleteError(username) from None


# Defining a backend registers it with keyring's backend discovery; keep it out of there so
# no other code in this process picks it up as the system keyring.
KeyringBackend._classes.discard(DictKeyring)  # type: ignore[attr-defined]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(tmp_path / "softphone.ini")


def test_defaults(settings: Settings) -> None:
    assert settings.account is None
    assert settings.audio_input is None
    assert settings.audio_output is None
    assert settings.audio_ringer is None
    assert settings.language == "system"
    assert settings.start_minimized is False
    assert settings.password_storage == "keyring"
    assert settings.config_dir == settings.path.parent


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "softphone.ini"
    settings = Settings(path)
    settings.account = AccountSettings("Anna Schmidt", "201", "pbx.example.com:5061", "tls")
    settings.audio_input = "USB Headset"
    settings.audio_output = "USB Headset"
    settings.audio_ringer = "Speakers"
    settings.language = "de"
    settings.start_minimized = True
    settings.password_storage = "file"
    settings.sync()
    assert path.is_file()

    again = Settings(path)
    assert again.account == AccountSettings("Anna Schmidt", "201", "pbx.example.com:5061", "tls")
    assert (again.audio_input, again.audio_output, again.audio_ringer) == (
        "USB Headset", "USB Headset", "Speakers")
    assert again.language == "de"
    assert again.start_minimized is True
    assert again.password_storage == "file"

    again.audio_input = None
    again.account = None
    again.start_minimized = False
    again.sync()
    third = Settings(path)
    assert third.audio_input is None
    assert third.account is None
    assert third.start_minimized is False


def test_rejects_bad_values(settings: Settings) -> None:
    with pytest.raises(ValueError):
        settings.language = "fr"
    with pytest.raises(ValueError):
        settings.password_storage = "clipboard"
    with pytest.raises(ValueError):
        settings.account = AccountSettings("", "201", "pbx", "sctp")


def test_keyring_store(settings: Settings, tmp_path: Path) -> None:
    backend = DictKeyring()
    store = CredentialStore(settings, tmp_path / "password.json", keyring_backend=backend)
    assert store.keyring_available()
    store.set_password("201", "pbx.example.com", "s3cret", mode="keyring")
    assert backend.secrets == {(SERVICE, "201@pbx.example.com"): "s3cret"}
    assert settings.password_storage == "keyring"
    assert store.get_password("201", "pbx.example.com") == "s3cret"
    assert store.get_password("202", "pbx.example.com") is None
    assert not (tmp_path / "password.json").exists()

    store.forget("201", "pbx.example.com")
    assert backend.secrets == {}
    assert store.get_password("201", "pbx.example.com") is None
    store.forget("201", "pbx.example.com")   # forgetting twice is fine


def test_moving_from_file_to_keyring_leaves_no_plaintext(
    settings: Settings, tmp_path: Path
) -> None:
    backend = DictKeyring()
    pw_file = tmp_path / "password.json"
    store = CredentialStore(settings, pw_file, keyring_backend=backend)
    store.set_password("201", "pbx", "old", mode="file")
    assert pw_file.exists()
    store.set_password("201", "pbx", "new", mode="keyring")
    assert not pw_file.exists()
    assert store.get_password("201", "pbx") == "new"
    store.set_password("201", "pbx", "new", mode="none")
    assert backend.secrets == {}
    assert store.get_password("201", "pbx") is None


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring()])
def test_no_keyring(settings: Settings, tmp_path: Path, backend: KeyringBackend) -> None:
    pw_file = tmp_path / "secret" / "password.json"
    store = CredentialStore(settings, pw_file, keyring_backend=backend)
    assert not store.keyring_available()

    # Asking for the keyring without one is an error, never a silent plaintext fallback.
    with pytest.raises(KeyringUnavailableError):
        store.set_password("201", "pbx", "s3cret", mode="keyring")
    assert not pw_file.exists()
    assert {p.name for p in tmp_path.rglob("*") if p.is_file()} <= {"softphone.ini"}
    assert store.get_password("201", "pbx") is None

    store.set_password("201", "pbx", "s3cret", mode="none")
    assert not pw_file.exists()
    assert settings.password_storage == "none"
    assert store.get_password("201", "pbx") is None

    store.set_password("201", "pbx", "s3cret", mode="file")
    assert pw_file.is_file()
    assert stat.S_IMODE(pw_file.stat().st_mode) == 0o600
    assert "s3cret" in pw_file.read_text()
    assert settings.password_storage == "file"
    assert Settings(settings.path).password_storage == "file"
    assert store.get_password("201", "pbx") == "s3cret"

    store.forget("201", "pbx")
    assert not pw_file.exists()


def test_file_keeps_other_accounts(settings: Settings, tmp_path: Path) -> None:
    pw_file = tmp_path / "password.json"
    store = CredentialStore(settings, pw_file, keyring_backend=fail.Keyring())
    store.set_password("201", "pbx", "one", mode="file")
    store.set_password("202", "pbx", "two", mode="file")
    store.forget("201", "pbx")
    assert store.get_password("202", "pbx") == "two"
    assert stat.S_IMODE(pw_file.stat().st_mode) == 0o600


def test_backend_usable() -> None:
    assert backend_usable(DictKeyring())
    assert not backend_usable(fail.Keyring())
    assert not backend_usable(null.Keyring())
    assert not backend_usable(None)


# -- SettingsDialog -------------------------------------------------------------------------

DEVICES = [
    AudioDevice("Built-in Microphone", inputs=1, outputs=0),
    AudioDevice("Speakers", inputs=0, outputs=2),
    AudioDevice("USB Headset", inputs=1, outputs=2),
]


def make_settings_dialog(qtbot, settings: Settings, audio: AudioStatus) -> SettingsDialog:
    dialog = SettingsDialog(settings, audio)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def items(combo) -> list[tuple[str, str | None]]:
    return [(combo.itemText(i), combo.itemData(i)) for i in range(combo.count())]


def test_device_lists(qtbot, settings: Settings) -> None:
    dialog = make_settings_dialog(qtbot, settings, AudioStatus(devices=DEVICES))
    assert items(dialog.input_combo) == [
        ("System default", None),
        ("Built-in Microphone", "Built-in Microphone"),
        ("USB Headset", "USB Headset"),
    ]
    expected_out = [("System default", None), ("Speakers", "Speakers"),
                    ("USB Headset", "USB Headset")]
    assert items(dialog.output_combo) == expected_out
    assert items(dialog.ringer_combo) == expected_out
    assert dialog.chosen_devices() == (None, None, None)
    assert not dialog.null_audio_note.isVisibleTo(dialog)


def test_choosing_a_device_emits_and_saves(qtbot, settings: Settings) -> None:
    dialog = make_settings_dialog(qtbot, settings, AudioStatus(devices=DEVICES))
    dialog.output_combo.setFocus()
    with qtbot.waitSignal(dialog.audio_changed) as blocker:
        qtbot.keyClick(dialog.output_combo, Qt.Key.Key_Down)
    assert blocker.args == [None, "Speakers", None]
    with qtbot.waitSignal(dialog.audio_changed) as blocker:
        qtbot.keyClick(dialog.ringer_combo, Qt.Key.Key_End)
    assert blocker.args == [None, "Speakers", "USB Headset"]
    again = Settings(settings.path)
    assert (again.audio_input, again.audio_output, again.audio_ringer) == (
        None, "Speakers", "USB Headset")


def test_null_audio_note(qtbot, settings: Settings) -> None:
    dialog = make_settings_dialog(qtbot, settings, AudioStatus(null_audio=True))
    assert dialog.null_audio_note.isVisible()
    assert dialog.null_audio_note.text() == (
        "No audio device found: calls connect but you will hear nothing.")
    assert items(dialog.input_combo) == [("System default", None)]
    dialog.set_audio_status(AudioStatus(devices=DEVICES))
    assert not dialog.null_audio_note.isVisible()
    assert dialog.input_combo.count() == 3


def test_refresh_keeps_choice_of_unplugged_device(qtbot, settings: Settings) -> None:
    settings.audio_input = "USB Headset"
    dialog = make_settings_dialog(qtbot, settings, AudioStatus(devices=DEVICES))
    assert dialog.input_combo.currentData() == "USB Headset"
    with qtbot.assertNotEmitted(dialog.audio_changed):
        dialog.set_audio_status(AudioStatus(devices=DEVICES[:2]))
    assert dialog.input_combo.currentData() == "USB Headset"
    assert dialog.input_combo.currentText() == "USB Headset (not connected)"
    dialog.set_audio_status(AudioStatus(devices=DEVICES, error="audio_device"))
    assert dialog.input_combo.currentText() == "USB Headset"
    assert dialog.audio_error_note.isVisible()


def test_language_and_start_minimized(qtbot, settings: Settings) -> None:
    dialog = make_settings_dialog(qtbot, settings, AudioStatus())
    assert [dialog.language_combo.itemData(i) for i in range(3)] == ["system", "de", "en"]
    assert dialog.language_combo.itemText(1) == "Deutsch"
    assert dialog.language_combo.currentData() == "system"
    dialog.language_combo.setFocus()
    with qtbot.waitSignal(dialog.language_changed) as blocker:
        qtbot.keyClick(dialog.language_combo, Qt.Key.Key_Down)
    assert blocker.args == ["de"]
    qtbot.mouseClick(dialog.start_minimized, Qt.MouseButton.LeftButton)
    again = Settings(settings.path)
    assert again.language == "de"
    assert again.start_minimized is True
