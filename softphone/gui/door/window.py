"""'Look at the door' without a call: a window with the door's live video, its open button
and a Call button; DoorWindows keeps at most one window per door."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QVBoxLayout, QWidget

from softphone.gui.door.view import DoorView
from softphone.gui.pbx_backend import PbxBackend


class DoorWindow(QDialog):
    """Plays the video while open; closing it (or calling the door) ends the video."""

    call_requested = Signal(str)

    def __init__(self, pbx: PbxBackend, number: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"doorWindow-{number}")
        self.number = number
        self._pbx = pbx
        self.view = DoorView(pbx, number, self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.call_button = self.buttons.addButton(
            "", QDialogButtonBox.ButtonRole.ActionRole)
        self.call_button.clicked.connect(self._call)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.buttons)
        self.finished.connect(self.view.stop)
        self.resize(520, 480)
        self.retranslate()
        self.view.start()

    def retranslate(self) -> None:
        entry = self._pbx.door(self.number)
        name = entry.name if entry is not None and entry.name else self.number
        self.setWindowTitle(self.tr("Door: {name}").format(name=name))
        self.call_button.setText(self.tr("Call"))
        self.call_button.setToolTip(self.tr("Call the door and talk to whoever is there"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _call(self) -> None:
        # The call panel shows the video from here on: one stream, not two.
        self.call_requested.emit(self.number)
        self.accept()


class DoorWindows(QObject):
    """open(number) shows (or raises) the door's window; call_requested(number) from any."""

    call_requested = Signal(str)

    def __init__(self, pbx: PbxBackend, parent_widget: QWidget | None = None) -> None:
        # The windows' parent is only reached through parent(): a Python reference to it
        # here would keep a closed contacts view (and its slots) alive.
        super().__init__(parent_widget)
        self._pbx = pbx
        self.windows: dict[str, DoorWindow] = {}

    def open(self, number: str) -> DoorWindow:
        window = self.windows.get(number)
        if window is None:
            parent = self.parent()
            window = DoorWindow(self._pbx, number,
                                parent if isinstance(parent, QWidget) else None)
            window.call_requested.connect(self.call_requested)
            window.finished.connect(self._on_finished)
            self.windows[number] = window
        window.show()
        window.raise_()
        window.activateWindow()
        return window

    def _on_finished(self, _result: int) -> None:
        for number, window in list(self.windows.items()):
            if not window.isVisible():
                del self.windows[number]
                window.deleteLater()

    def close_all(self) -> None:
        for window in list(self.windows.values()):
            window.close()      # finished: the video stops, the window goes
            window.view.stop()  # a hidden window sends no finished: stop it anyway
