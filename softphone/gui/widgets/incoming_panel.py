"""A ringing incoming call: who is calling, answer or reject.

While the user talks on another call the panel is the call-waiting banner (set_waiting):
"Hold and answer", "End and answer" or "Reject" (486, the caller hears busy), as desk
phones offer it.  It is no dialog: ignoring it is fine, it goes when the caller gives up.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from softphone.common.engine_protocol import CallInfo
from softphone.gui.names import NameLookup, party
from softphone.gui.widgets.call_panel import with_key

ANSWER_KEY = "Ctrl+Return"              # while another call is active: hold it and answer
END_ANSWER_KEY = "Ctrl+Shift+Return"    # call waiting: end the active call and answer
REJECT_KEY = "Ctrl+D"


class IncomingPanel(QFrame):
    """Emits answer_requested/end_and_answer_requested/reject_requested(call_id); the
    window decides what else answering means (holding or ending the call in progress)."""

    answer_requested = Signal(str)
    end_and_answer_requested = Signal(str)
    reject_requested = Signal(str)

    def __init__(self, info: CallInfo, parent: QWidget | None = None, *,
                 names: NameLookup | None = None) -> None:
        super().__init__(parent)
        self.info = info
        self._names = names             # the directory's name for the number
        self.waiting = False
        self.door_view: QWidget | None = None      # a door calling: its live video
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
        self.end_answer_button = QPushButton(self)
        self.end_answer_button.setStyleSheet("background-color: #ef6c00; color: white;")
        self.end_answer_button.clicked.connect(
            lambda: self.end_and_answer_requested.emit(self.info.call_id))
        self.end_answer_button.hide()
        self.reject_button = QPushButton(self)
        self.reject_button.setStyleSheet("background-color: #c62828; color: white;")
        self.reject_button.clicked.connect(lambda: self.reject_requested.emit(self.info.call_id))

        # Three buttons in one row would widen the window (more so in German): "End and
        # answer" gets a row of its own below.
        buttons = QGridLayout()
        buttons.addWidget(self.answer_button, 0, 0)
        buttons.addWidget(self.reject_button, 0, 1)
        buttons.addWidget(self.end_answer_button, 1, 0, 1, 2)
        layout = self._layout = QVBoxLayout(self)
        layout.addWidget(self.title_label)
        layout.addWidget(self.name_label)
        layout.addWidget(self.number_label)
        layout.addLayout(buttons)
        self.retranslate()

    def set_door_view(self, view: QWidget) -> None:
        """A door is calling: show its video above the buttons (before answering)."""
        self.door_view = view
        view.setParent(self)
        self._layout.insertWidget(self._layout.count() - 1, view)
        view.show()

    def take_door_view(self) -> QWidget | None:
        """Hand the door's video on (to the call panel, when answered): it keeps playing."""
        view, self.door_view = self.door_view, None
        if view is not None:
            self._layout.removeWidget(view)
        return view

    def retranslate(self) -> None:
        if self.waiting:
            self.title_label.setText(self.tr("Call waiting"))
            self.answer_button.setText(self.tr("Hold and answer"))
            self.answer_button.setToolTip(with_key(
                self.tr("Put the current call on hold and answer this one"), ANSWER_KEY))
        else:
            self.title_label.setText(self.tr("Incoming call"))
            self.answer_button.setText(self.tr("Answer"))
            self.answer_button.setToolTip(with_key(self.tr("Answer the call"), ANSWER_KEY))
        self.end_answer_button.setText(self.tr("End and answer"))
        self.end_answer_button.setToolTip(with_key(
            self.tr("End the current call and answer this one"), END_ANSWER_KEY))
        self.reject_button.setText(self.tr("Reject"))
        self.reject_button.setToolTip(with_key(self.tr("Reject the call (busy)"), REJECT_KEY))
        self.update_call(self.info)

    def set_waiting(self, waiting: bool) -> None:
        """Call waiting (another call is in progress) or a plain incoming call."""
        if waiting == self.waiting:
            return
        self.waiting = waiting
        self.end_answer_button.setVisible(waiting)
        color = "#ef6c00" if waiting else "#2e7d32"
        self.setStyleSheet(f"IncomingPanel {{ border: 2px solid {color}; border-radius: 4px; }}")
        self.retranslate()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def update_call(self, info: CallInfo) -> None:
        self.info = info
        name, number = party(info, self._names)
        self.name_label.setText(name or number or self.tr("Unknown caller"))
        self.number_label.setText(number if name else "")
        self.number_label.setVisible(bool(name and number))
