"""The colleague panel (busy-lamp field): a tile per PBX favorite with its live state.

Each tile shows a colleague's name, number and state (available, ringing, talking, do not
disturb, offline; grey "unknown" while the PBX is unreachable) in the contacts' presence
colours. A click calls the colleague, a click on a ringing tile picks the call up (directed
pickup, the PBX's **<number> feature code); dropping a call (colleagues/drag.py, dragged from
its call panel) on a tile transfers it there, with Ctrl held as a consultation first (attended);
the right-click menu offers all of these. Requests go up as signals; app.py carries them
out through the window. Tiles are small (two short lines) so that 20 fit beside the calls.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, Qt, Signal
from PySide6.QtGui import QColor, QContextMenuEvent, QDragEnterEvent, QDropEvent, QMouseEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QMenu, QVBoxLayout, QWidget

from softphone.common.directory import DirectoryEntry, EntryType, Presence, PresenceUpdate
from softphone.gui.colleagues.drag import dragged_call
from softphone.gui.contacts.delegate import COLORS
from softphone.gui.contacts.model import UNKNOWN, presence_text
from softphone.gui.pbx_backend import PbxBackend, PbxState

COLUMNS = 2
UNKNOWN_COLOR = QColor("#bdbdbd")


class ColleagueTile(QFrame):
    """One colleague; `state` is a Presence value or UNKNOWN."""

    clicked = Signal(str)
    dropped = Signal(str, str, bool)            # number, call id, attended
    menu_requested = Signal(str, QPoint)

    def __init__(self, entry: DirectoryEntry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.number = entry.number
        self.setObjectName(f"colleague-{entry.number}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAcceptDrops(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.name_label = QLabel(entry.name or entry.number, self)
        self.state_label = QLabel(self)
        font = self.state_label.font()
        font.setPointSizeF(font.pointSizeF() * 0.85)
        self.state_label.setFont(font)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 3, 6, 3)
        layout.setSpacing(0)
        layout.addWidget(self.name_label)
        layout.addWidget(self.state_label)
        self.state = ""
        self.set_state(entry.presence.value if entry.presence else "")

    def set_state(self, state: str) -> None:
        self.state = state
        color = UNKNOWN_COLOR if state == UNKNOWN else COLORS.get(
            Presence(state) if state else Presence.OFFLINE, UNKNOWN_COLOR)
        # The state's colour as a bar on the left: seen at a glance, text stays readable.
        self.setStyleSheet(f"#{self.objectName()} {{ border-left: 6px solid {color.name()}; }}")
        self.state_label.setText(f"{self.number} · {presence_text(state)}"
                                 if state else self.number)
        self.setToolTip(self.state_label.text())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(
                event.position().toPoint()):
            self.clicked.emit(self.number)
        super().mouseReleaseEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        self.menu_requested.emit(self.number, event.globalPos())

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dragged_call(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        call_id = dragged_call(event.mimeData())
        if call_id:
            attended = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
            self.dropped.emit(self.number, call_id, attended)
            event.acceptProposedAction()


class ColleaguePanel(QWidget):
    """The tiles of the PBX favorites who are people (no rooms, doors or groups)."""

    call_requested = Signal(str)
    pickup_requested = Signal(str)
    transfer_requested = Signal(str, str, bool)     # number, call id ("": current), attended

    def __init__(self, pbx: PbxBackend, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pbx = pbx
        self.tiles: dict[str, ColleagueTile] = {}
        self.menu: QMenu | None = None
        self._grid = QGridLayout()
        self._grid.setSpacing(4)
        self.empty_label = QLabel(self)
        self.empty_label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(self._grid)
        layout.addWidget(self.empty_label)
        layout.addStretch(1)
        pbx.favorites_changed.connect(lambda _numbers: self.rebuild())
        pbx.directory_changed.connect(lambda _entries: self.rebuild())
        pbx.presence_changed.connect(self._on_presence)
        pbx.connection_state_changed.connect(self._on_state)
        self.retranslate()
        self.rebuild()

    def rebuild(self) -> None:
        for tile in self.tiles.values():
            self._grid.removeWidget(tile)
            tile.deleteLater()
        self.tiles = {}
        for number in self._pbx.favorites:
            entry = self._pbx.entry(number)
            if entry is None or entry.type != EntryType.USER:   # rooms, doors, groups
                continue
            tile = ColleagueTile(entry, self)
            tile.clicked.connect(self._on_click)
            tile.dropped.connect(self.transfer_requested)
            tile.menu_requested.connect(self._show_menu)
            index = len(self.tiles)
            self._grid.addWidget(tile, index // COLUMNS, index % COLUMNS)
            self.tiles[number] = tile
        self.empty_label.setVisible(not self.tiles)

    def _on_presence(self, update: PresenceUpdate) -> None:
        tile = self.tiles.get(update.number)
        if tile is not None:
            tile.set_state(update.presence.value)

    def _on_state(self, state: str) -> None:
        if state == PbxState.CONNECTING:            # the PBX's last word may be stale now
            for tile in self.tiles.values():
                tile.set_state(UNKNOWN)

    def _on_click(self, number: str) -> None:
        tile = self.tiles[number]
        if tile.state == Presence.RINGING:
            self.pickup_requested.emit(number)
        else:
            self.call_requested.emit(number)

    def _show_menu(self, number: str, where: QPoint) -> None:
        menu = self.menu = QMenu(self)
        menu.addAction(self.tr("Call"), lambda: self.call_requested.emit(number))
        pickup = menu.addAction(self.tr("Pick up the call"),
                                lambda: self.pickup_requested.emit(number))
        pickup.setEnabled(self.tiles[number].state == Presence.RINGING)
        menu.addSeparator()
        menu.addAction(self.tr("Transfer the current call here"),
                       lambda: self.transfer_requested.emit(number, "", False))
        menu.addAction(self.tr("Consult, then transfer"),
                       lambda: self.transfer_requested.emit(number, "", True))
        menu.popup(where)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.empty_label.setText(self.tr(
            "Mark colleagues as favorites in the contacts to see them here."))
        for tile in self.tiles.values():
            tile.set_state(tile.state)
