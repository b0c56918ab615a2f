"""The PIN dialog for joining a conference room: digits only, 4 to 10 of them.

The user types the PIN here once; the client keys it into the call itself when the room
answers (join.py), so nobody types into the keypad while a prompt talks. "Remember the PIN
for this room" keeps it in the system keyring, and only when ticked.
"""

from __future__ import annotations

from PySide6.QtCore import QRegularExpression
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

MIN_DIGITS, MAX_DIGITS = 4, 10


class PinDialog(QDialog):
    def __init__(self, room_name: str, room_number: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.room_name, self.room_number = room_name, room_number
        self.label = QLabel()
        self.pin_edit = QLineEdit()
        self.pin_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin_edit.setMaxLength(MAX_DIGITS)
        self.pin_edit.setValidator(QRegularExpressionValidator(
            QRegularExpression(f"[0-9]{{0,{MAX_DIGITS}}}"), self.pin_edit))
        self.remember_box = QCheckBox()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (self.label, self.pin_edit, self.remember_box, self.buttons):
            layout.addWidget(widget)
        self.pin_edit.textChanged.connect(self._check)
        self._check("")
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Join conference room"))
        self.label.setText(self.tr("PIN for “{name}” ({number}), 4 to 10 digits:").format(
            name=self.room_name, number=self.room_number))
        self.remember_box.setText(self.tr("Remember the PIN for this room"))

    def _check(self, text: str) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(MIN_DIGITS <= len(text) <= MAX_DIGITS and text.isdigit())

    @property
    def pin(self) -> str:
        return self.pin_edit.text()

    @property
    def remember(self) -> bool:
        return self.remember_box.isChecked()
