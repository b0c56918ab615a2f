"""A ringing incoming call: who is calling, answer or reject."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from softphone.common.engine_protocol import CallInfo
from softphone.gui.widgets.call_panel import with_key

ANSWER_KEY = "Ctrl+Return"
REJECT_KEY = "Ctrl+D"


class IncomingPanel(QFrame):
    """Emits answer_requested/reject_requested(call_id); the window decides what else
    answering means (holding the call in progress)."""

    answer_requested = Signal(str)
    reject_requested = Signal(str)

    def __init__(self, info: CallInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.info = info
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName(f"incoming-{info.call_id}")
        self.setStyleSheet("IncomingPanel { border: 2px solid #2e7d32; border-radius: 4px; }")
        self.title_label = QLabel(self)
        self.name_label = QLabel(self)
        self.name_label.setStyleSheet("font-size: 14pt; font-weight: bold;")
        self.name_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.number_label = QLabel(self)
        self.number_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.answer_button = QPushButton(self)
        self.answer_button.setStyleSheet("background-color: #2e7d32; color: white;")
        self.answer_button.clicked.connect(lambda: self.answer_requested.emit(self.info.call_id))
        self.reject_button = QPushButton(self)
        self.reject_button.setStyleSheet("background-color: #c62828; color: white;")
        self.reject_button.clicked.connect(lambda: self.reject_requested.emit(self.info.call_id))

        buttons = QHBoxLayout()
        buttons.addWidget(self.answer_button, 1)
        buttons.addWidget(self.reject_button, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title_label)
        layout.addWidget(self.name_label)
        layout.addWidget(self.number_label)
        layout.addLayout(buttons)
        self.retranslate()

    def retranslate(self) -> None:
        self.title_label.setText(self.tr("Incoming call"))
        self.answer_button.setText(self.tr("Answer"))
        self.answer_button.setToolTip(with_key(self.tr("Answer the call"), ANSWER_KEY))
        self.reject_button.setText(self.tr("Reject"))
        self.reject_button.setToolTip(with_key(self.tr("Reject the call (busy)"), REJECT_KEY))
        self.update_call(self.info)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def update_call(self, info: CallInfo) -> None:
        self.info = info
        number = info.remote_number or info.remote_uri
        self.name_label.setText(info.remote_name or number or self.tr("Unknown caller"))
        self.number_label.setText(number if info.remote_name else "")
        self.number_label.setVisible(bool(info.remote_name and number))
