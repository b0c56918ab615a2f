"""The SIP account dialog: shown at first start and from the "Account..." menu.

Fields are validated as the user types, with the message under the field; OK stays
disabled while anything is wrong. Where no system keyring exists the dialog says so and
lets the user choose, explicitly, between not storing the password (default) and a
plaintext file whose path is shown.
"""

from __future__ import annotations

import ipaddress
import re

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from softphone.common.engine_protocol import AccountConfig
from softphone.gui.credentials import CredentialError, CredentialStore, KeyringUnavailableError
from softphone.gui.settings import TRANSPORTS, AccountSettings, Settings

_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
ERROR_STYLE = "color: #c62828;"
FIELDS = ("display_name", "user", "password", "server", "transport")


def _valid_host(host: str) -> bool:
    if not host or len(host) > 253:
        return False
    labels = host[:-1].split(".") if host.endswith(".") else host.split(".")
    return all(_LABEL.fullmatch(label) for label in labels)


def server_problem(text: str) -> str | None:
    """What is wrong with a "host", "host:port" or "[v6]:port" server, as a code, or None."""
    text = text.strip()
    if not text:
        return "empty"
    if text.lower().startswith(("sip:", "sips:")):
        return "scheme"
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            return "host"
        try:
            ipaddress.IPv6Address(text[1:end])
        except ValueError:
            return "host"
        rest = text[end + 1:]
        if not rest:
            return None
        if not rest.startswith(":"):
            return "host"
        port = rest[1:]
    else:
        if text.count(":") > 1:
            return "host"          # an IPv6 address needs brackets to carry a port
        host, colon, port = text.partition(":")
        if not _valid_host(host):
            return "host"
        if not colon:
            return None
    if not (port.isascii() and port.isdigit()) or not 1 <= int(port) <= 65535:
        return "port"
    return None


def user_problem(text: str) -> str | None:
    if not text.strip():
        return "empty"
    if any(c.isspace() for c in text) or "@" in text:
        return "chars"
    return None


class AccountDialog(QDialog):
    def __init__(
        self, settings: Settings, credentials: CredentialStore, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._settings = settings
        self._credentials = credentials
        self._config: AccountConfig | None = None
        self._keyring = credentials.keyring_available()
        self._touched: set[str] = set()
        self._show_all = False
        self._storage_error = ""

        self.display_name = QLineEdit()
        self.user = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.server = QLineEdit()
        self.transport = QComboBox()
        for value in TRANSPORTS:
            self.transport.addItem(value.upper(), value)
        self.errors = {name: self._error_label() for name in ("user", "password", "server")}

        self.labels = {name: QLabel() for name in FIELDS}
        self.form = QFormLayout()
        for name in FIELDS:
            field = getattr(self, name)
            self.labels[name].setBuddy(field)
            if name in self.errors:
                cell = QVBoxLayout()
                cell.setSpacing(2)
                cell.addWidget(field)
                cell.addWidget(self.errors[name])
                self.form.addRow(self.labels[name], cell)
            else:
                self.form.addRow(self.labels[name], field)

        self.storage_box = QGroupBox()
        storage = QVBoxLayout(self.storage_box)
        self.keyring_check = QCheckBox()
        self.no_keyring_note = QLabel()
        self.no_keyring_note.setWordWrap(True)
        self.dont_store = QRadioButton()
        self.store_file = QRadioButton()
        if self._keyring:
            storage.addWidget(self.keyring_check)
            self.keyring_check.setChecked(settings.password_storage != "none")
        else:
            for widget in (self.no_keyring_note, self.dont_store, self.store_file):
                storage.addWidget(widget)
            # Default: not stored. The file only when the user chose it before.
            self.store_file.setChecked(settings.password_storage == "file")
            self.dont_store.setChecked(settings.password_storage != "file")
        self.storage_error = self._error_label()

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.storage_box)
        layout.addWidget(self.storage_error)
        layout.addWidget(self.buttons)

        self._load()
        for name in ("user", "password", "server"):
            field: QLineEdit = getattr(self, name)
            field.textEdited.connect(lambda _text, n=name: self._touch(n))
            field.textChanged.connect(self._validate)
        self.retranslate_ui()

    @staticmethod
    def _error_label() -> QLabel:
        label = QLabel()
        label.setStyleSheet(ERROR_STYLE)
        label.setWordWrap(True)
        label.hide()
        return label

    def _load(self) -> None:
        account = self._settings.account
        if account is None:
            return
        self.display_name.setText(account.display_name)
        self.user.setText(account.user)
        self.server.setText(account.server)
        self.transport.setCurrentIndex(max(0, self.transport.findData(account.transport)))
        try:
            password = self._credentials.get_password(account.user, account.server)
        except CredentialError:
            password = None            # an unreadable password file: ask, as if not stored
        self.password.setText(password or "")
        if not password:
            # Password not stored ("ask at each start"): the app shows this dialog again
            # and only the password is to be typed.
            self.password.setFocus()

    def _touch(self, name: str) -> None:
        self._touched.add(name)
        self._validate()

    def _problems(self) -> dict[str, str | None]:
        return {
            "user": user_problem(self.user.text()),
            "password": None if self.password.text() else "empty",
            "server": server_problem(self.server.text()),
        }

    def _message(self, name: str, code: str) -> str:
        messages = {
            ("user", "empty"): self.tr("Enter your user name or extension."),
            ("user", "chars"): self.tr(
                "Enter only the user name or extension, without spaces or “@”."),
            ("password", "empty"): self.tr("Enter your password."),
            ("server", "empty"): self.tr("Enter the server address."),
            ("server", "scheme"): self.tr("Enter the server without “sip:”."),
            ("server", "host"): self.tr("This is not a valid host name or IP address."),
            ("server", "port"): self.tr("The port must be a number from 1 to 65535."),
        }
        return messages[(name, code)]

    def _validate(self) -> bool:
        problems = self._problems()
        for name, code in problems.items():
            label = self.errors[name]
            shown = code is not None and (self._show_all or name in self._touched)
            label.setText(self._message(name, code) if shown and code else "")
            label.setVisible(shown)
        ok = all(code is None for code in problems.values())
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)
        return ok

    def password_mode(self) -> str:
        """How the password will be stored: "keyring", "none" or "file"."""
        if self._keyring:
            return "keyring" if self.keyring_check.isChecked() else "none"
        return "file" if self.store_file.isChecked() else "none"

    def account_config(self) -> AccountConfig | None:
        """After accept(): the account to register with (password included); else None."""
        return self._config

    def accept(self) -> None:
        self._show_all = True
        if not self._validate():
            return
        account = AccountSettings(
            display_name=self.display_name.text().strip(),
            user=self.user.text().strip(),
            server=self.server.text().strip(),
            transport=self.transport.currentData(),
        )
        password = self.password.text()
        previous = self._settings.account
        try:
            self._credentials.set_password(
                account.user, account.server, password, self.password_mode())
            if previous and (previous.user, previous.server) != (account.user, account.server):
                self._credentials.forget(previous.user, previous.server)
            self._settings.account = account
            self._settings.sync()
        except KeyringUnavailableError:
            self._show_storage_error(self.tr("No system keyring is available."))
            return
        except (CredentialError, OSError) as exc:
            self._show_storage_error(
                self.tr("The password could not be stored: {error}").format(error=exc))
            return
        self._config = AccountConfig(
            user=account.user, password=password, server=account.server,
            transport=account.transport, display_name=account.display_name,
        )
        super().accept()

    def _show_storage_error(self, text: str) -> None:
        self.storage_error.setText(text)
        self.storage_error.show()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        self.setWindowTitle(self.tr("SIP Account"))
        self.labels["display_name"].setText(self.tr("&Display name:"))
        self.labels["user"].setText(self.tr("&User or extension:"))
        self.labels["password"].setText(self.tr("&Password:"))
        self.labels["server"].setText(self.tr("&Server:"))
        self.labels["transport"].setText(self.tr("&Transport:"))
        self.display_name.setPlaceholderText(self.tr("Shown to the people you call"))
        self.user.setPlaceholderText(self.tr("e.g. 201"))
        self.server.setPlaceholderText(self.tr("pbx.example.com or pbx.example.com:5060"))
        self.storage_box.setTitle(self.tr("Password storage"))
        self.keyring_check.setText(self.tr("Save the password in the system keyring"))
        self.no_keyring_note.setText(self.tr(
            "No system keyring (such as GNOME Keyring or KWallet) is available on this "
            "computer, so the password cannot be stored securely."))
        self.dont_store.setText(self.tr("Don't store the password (ask at each start)"))
        self.store_file.setText(self.tr("Store it in a plaintext file: {path}").format(
            path=self._credentials.plaintext_path))
        self.storage_error.hide()
        self._validate()
