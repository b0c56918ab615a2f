"""Number entry: the number field (typing and pasting, cleaned as it goes) and the dial pad."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QGridLayout, QLineEdit, QSizePolicy, QToolButton, QWidget

DIALABLE = frozenset("0123456789+*#")
SEPARATORS = frozenset(" \t\u00a0-()./")
KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#")
LETTERS = {"2": "ABC", "3": "DEF", "4": "GHI", "5": "JKL", "6": "MNO", "7": "PQRS",
           "8": "TUV", "9": "WXYZ", "0": "+"}
# "+49 (0) 30 ...": the "(0)" is the national trunk prefix, not dialled after a country code.
_TRUNK_AFTER_CC = re.compile(r"^(\s*\+\s*\d{1,3}\s*)\(\s*0\s*\)")
_SIP_ADDRESS = re.compile(r"^(sips?:)?[^\s@]+@[^\s@]+$|^sips?:\S+$", re.IGNORECASE)


def is_sip_address(text: str) -> bool:
    return bool(_SIP_ADDRESS.match(text.strip()))


def clean_number(text: str) -> str | None:
    """The dialable form of `text`; None when it holds letters or other undialable signs.

    Keeps digits, "+" (leading only), "*" and "#"; drops spaces, brackets, dashes, dots and
    slashes; a SIP address (sip:..., user@host) is kept as it is.
    """
    text = text.strip()
    if is_sip_address(text):
        return text
    if text.lower().startswith("tel:"):
        text = text[4:]
    text = _TRUNK_AFTER_CC.sub(r"\1", text)
    out = []
    for ch in text:
        if ch in DIALABLE:
            out.append(ch)
        elif ch not in SEPARATORS:
            return None
    number = "".join(out)
    if "+" in number[1:]:
        return None
    return number


class NumberValidator(QValidator):
    """Refuses edits that would make the field undialable; refused() tells the field."""

    refused = Signal()

    def validate(self, text: str, pos: int) -> QValidator.State:
        if not text.strip():
            return QValidator.State.Intermediate
        if clean_number(text) is None:
            self.refused.emit()
            return QValidator.State.Invalid
        return QValidator.State.Acceptable


class NumberEdit(QLineEdit):
    """A line edit that keeps only a dialable number; letters are refused with a hint.

    Pasted text is cleaned ("+49 (0) 30 1234-56" becomes "+4930123456"); a pasted SIP
    address is kept. invalid_input(hint) says why an edit was refused.
    """

    invalid_input = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        validator = NumberValidator(self)
        validator.refused.connect(self._on_refused)
        self.setValidator(validator)
        self.setClearButtonEnabled(True)
        self.textEdited.connect(self._on_edited)
        self.retranslate()

    def retranslate(self) -> None:
        self.setPlaceholderText(self.tr("Number or SIP address"))

    def number(self) -> str:
        return clean_number(self.text()) or ""

    def append(self, digit: str) -> None:
        self.insert(digit)

    def _on_refused(self) -> None:
        self.invalid_input.emit(
            self.tr("Only digits, +, * and # can be dialled (or paste a SIP address)"))

    def _on_edited(self, text: str) -> None:
        cleaned = clean_number(text)
        if cleaned is not None and cleaned != text:
            self.setText(cleaned)


class Dialpad(QWidget):
    """The twelve keys; digit_pressed(key) for each press. Keys take no focus, so typing
    continues in whatever field had it."""

    digit_pressed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(4)
        self.buttons: dict[str, QToolButton] = {}
        for i, key in enumerate(KEYS):
            button = QToolButton(self)
            letters = LETTERS.get(key, "")
            button.setText(f"{key}\n{letters}" if letters else f"{key}\n")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
            button.setMinimumHeight(40)
            button.setAccessibleName(key)
            button.clicked.connect(lambda _=False, k=key: self.digit_pressed.emit(k))
            grid.addWidget(button, i // 3, i % 3)
            self.buttons[key] = button
