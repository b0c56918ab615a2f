"""AccountDialog: typing an account, validation messages, where the password goes."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from keyring.backends import fail
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox

from softphone.common.engine_protocol import AccountConfig
from softphone.gui.credentials import SERVICE, CredentialStore
from softphone.gui.settings import AccountSettings, Settings
from softphone.gui.widgets.account_dialog import AccountDialog, server_problem, user_problem
from tests.gui.test_settings import DictKeyring


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(tmp_path / "softphone.ini")


@pytest.fixture
def keyring_backend() -> DictKeyring:
    return DictKeyring()


def make_dialog(qtbot, settings: Settings, store: CredentialStore) -> AccountDialog:
    dialog = AccountDialog(settings, store)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def ok_button(dialog: AccountDialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def fill(qtbot, dialog: AccountDialog, user="201", password="s3cret", server="pbx.example.com",
         display_name="Anna Schmidt") -> None:
    qtbot.keyClicks(dialog.display_name, display_name)
    qtbot.keyClicks(dialog.user, user)
    qtbot.keyClicks(dialog.password, password)
    qtbot.keyClicks(dialog.server, server)


def test_accept_returns_config_and_saves(qtbot, settings, keyring_backend, tmp_path) -> None:
    store = CredentialStore(settings, tmp_path / "pw.json", keyring_backend=keyring_backend)
    dialog = make_dialog(qtbot, settings, store)
    assert not ok_button(dialog).isEnabled()
    assert dialog.keyring_check.isVisibleTo(dialog)
    assert not dialog.dont_store.isVisibleTo(dialog)
    fill(qtbot, dialog, server="pbx.example.com:5061")
    dialog.transport.setCurrentIndex(dialog.transport.findData("tls"))
    assert dialog.account_config() is None
    assert ok_button(dialog).isEnabled()

    with qtbot.waitSignal(dialog.accepted):
        qtbot.mouseClick(ok_button(dialog), Qt.MouseButton.LeftButton)

    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.account_config() == AccountConfig(
        user="201", password="s3cret", server="pbx.example.com:5061", transport="tls",
        display_name="Anna Schmidt")
    saved = Settings(settings.path)
    assert saved.account == AccountSettings(
        "Anna Schmidt", "201", "pbx.example.com:5061", "tls")
    assert saved.password_storage == "keyring"
    assert keyring_backend.secrets == {(SERVICE, "201@pbx.example.com:5061"): "s3cret"}
    assert not (tmp_path / "pw.json").exists()


def test_prefilled_from_settings_and_keyring(qtbot, settings, keyring_backend, tmp_path) -> None:
    store = CredentialStore(settings, tmp_path / "pw.json", keyring_backend=keyring_backend)
    settings.account = AccountSettings("Anna", "201", "pbx", "tcp")
    store.set_password("201", "pbx", "old", mode="keyring")
    dialog = make_dialog(qtbot, settings, store)
    assert dialog.user.text() == "201"
    assert dialog.server.text() == "pbx"
    assert dialog.password.text() == "old"
    assert dialog.transport.currentData() == "tcp"
    assert ok_button(dialog).isEnabled()

    # A different account: the old account's password does not stay in the keyring.
    dialog.user.clear()
    qtbot.keyClicks(dialog.user, "202")
    with qtbot.waitSignal(dialog.accepted):
        qtbot.mouseClick(ok_button(dialog), Qt.MouseButton.LeftButton)
    assert keyring_backend.secrets == {(SERVICE, "202@pbx"): "old"}


def test_no_keyring_default_does_not_store(qtbot, settings, tmp_path) -> None:
    pw_file = tmp_path / "pw.json"
    store = CredentialStore(settings, pw_file, keyring_backend=fail.Keyring())
    dialog = make_dialog(qtbot, settings, store)
    assert dialog.no_keyring_note.isVisibleTo(dialog)
    assert "keyring" in dialog.no_keyring_note.text().lower()
    assert dialog.dont_store.isVisibleTo(dialog)
    assert dialog.dont_store.isChecked()
    assert dialog.dont_store.text() == "Don't store the password (ask at each start)"
    assert str(pw_file) in dialog.store_file.text()
    assert not dialog.store_file.isChecked()
    assert not dialog.keyring_check.isVisibleTo(dialog)

    fill(qtbot, dialog)
    with qtbot.waitSignal(dialog.accepted):
        qtbot.mouseClick(ok_button(dialog), Qt.MouseButton.LeftButton)
    assert dialog.account_config().password == "s3cret"
    assert not pw_file.exists()
    assert Settings(settings.path).password_storage == "none"
    assert "s3cret" not in settings.path.read_text()


def test_no_keyring_plaintext_file_when_chosen(qtbot, settings, tmp_path) -> None:
    pw_file = tmp_path / "pw.json"
    store = CredentialStore(settings, pw_file, keyring_backend=fail.Keyring())
    dialog = make_dialog(qtbot, settings, store)
    fill(qtbot, dialog)
    qtbot.mouseClick(dialog.store_file, Qt.MouseButton.LeftButton)
    assert dialog.store_file.isChecked()
    assert dialog.password_mode() == "file"
    with qtbot.waitSignal(dialog.accepted):
        qtbot.mouseClick(ok_button(dialog), Qt.MouseButton.LeftButton)
    assert stat.S_IMODE(pw_file.stat().st_mode) == 0o600
    assert store.get_password("201", "pbx.example.com") == "s3cret"

    # The next time the dialog opens, the choice and the password are there.
    again = make_dialog(qtbot, settings, store)
    assert again.store_file.isChecked()
    assert again.password.text() == "s3cret"


def test_validation_inline_and_ok_blocked(qtbot, settings, keyring_backend, tmp_path) -> None:
    store = CredentialStore(settings, tmp_path / "pw.json", keyring_backend=keyring_backend)
    dialog = make_dialog(qtbot, settings, store)
    # Untouched fields show no error yet, but OK is off.
    assert not any(label.isVisibleTo(dialog) for label in dialog.errors.values())
    assert not ok_button(dialog).isEnabled()

    fill(qtbot, dialog, user="anna @pbx", server="pbx.example.com:99999")
    assert dialog.errors["user"].isVisibleTo(dialog)
    assert "without spaces" in dialog.errors["user"].text()
    assert dialog.errors["server"].isVisibleTo(dialog)
    assert dialog.errors["server"].text() == "The port must be a number from 1 to 65535."
    assert not dialog.errors["password"].isVisibleTo(dialog)
    assert not ok_button(dialog).isEnabled()

    # accept() (e.g. Enter) is blocked too: the dialog stays open, nothing is saved.
    dialog.accept()
    assert dialog.isVisible()
    assert dialog.account_config() is None
    assert Settings(settings.path).account is None

    dialog.user.clear()
    assert dialog.errors["user"].text() == "Enter your user name or extension."
    qtbot.keyClicks(dialog.user, "anna")
    dialog.server.clear()
    qtbot.keyClicks(dialog.server, "[2001:db8::1]:5060")
    assert not dialog.errors["user"].isVisibleTo(dialog)
    assert not dialog.errors["server"].isVisibleTo(dialog)
    assert ok_button(dialog).isEnabled()


def test_accept_on_empty_dialog_shows_every_error(qtbot, settings, keyring_backend, tmp_path):
    store = CredentialStore(settings, tmp_path / "pw.json", keyring_backend=keyring_backend)
    dialog = make_dialog(qtbot, settings, store)
    dialog.accept()
    assert all(label.isVisibleTo(dialog) for label in dialog.errors.values())
    assert dialog.errors["password"].text() == "Enter your password."
    assert dialog.result() != QDialog.DialogCode.Accepted


@pytest.mark.parametrize(("text", "problem"), [
    ("pbx.example.com", None),
    ("pbx.example.com:5060", None),
    ("10.0.0.1:5080", None),
    ("[::1]", None),
    ("[2001:db8::1]:5061", None),
    ("", "empty"),
    ("  ", "empty"),
    ("sip:pbx.example.com", "scheme"),
    ("pbx.example.com:", "port"),
    ("pbx.example.com:0", "port"),
    ("pbx.example.com:65536", "port"),
    ("pbx.example.com:50a", "port"),
    ("pbx example.com", "host"),
    ("-pbx.example.com", "host"),
    ("2001:db8::1", "host"),
    ("[2001:db8::zz]:5060", "host"),
    ("[::1]5060", "host"),
])
def test_server_problem(text: str, problem: str | None) -> None:
    assert server_problem(text) == problem


@pytest.mark.parametrize(("text", "problem"), [
    ("201", None), ("anna.schmidt", None), ("", "empty"), ("an na", "chars"),
    ("anna@pbx", "chars"),
])
def test_user_problem(text: str, problem: str | None) -> None:
    assert user_problem(text) == problem


def test_password_not_stored_is_asked_again(qtbot, settings, tmp_path) -> None:
    """"Ask at each start": the dialog comes prefilled, only the password is to be typed."""
    store = CredentialStore(settings, tmp_path / "pw.json", keyring_backend=fail.Keyring())
    settings.account = AccountSettings("Anna", "201", "pbx", "udp")
    store.set_password("201", "pbx", "s3cret", mode="none")
    dialog = make_dialog(qtbot, settings, store)
    assert dialog.user.text() == "201"
    assert dialog.password.text() == ""
    assert dialog.dont_store.isChecked()
    assert not ok_button(dialog).isEnabled()
    qtbot.keyClicks(dialog.password, "s3cret")
    with qtbot.waitSignal(dialog.accepted):
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.account_config() == AccountConfig(
        user="201", password="s3cret", server="pbx", transport="udp", display_name="Anna")
    assert not (tmp_path / "pw.json").exists()
