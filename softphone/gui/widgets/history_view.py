"""The call history list: in/out/missed, who, when (in the user's locale), how long.

Double-click, Enter or the "Call back" button asks for a call with call_requested(number);
the app passes that down to the engine. "Missed only" filters the list.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import (
    QAbstractTableModel,
    QDateTime,
    QEvent,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from softphone.common.call_outcome import Outcome
from softphone.common.engine_protocol import Direction
from softphone.gui.history import CallHistory, HistoryEntry
from softphone.gui.names import NameLookup

MISSED_COLOR = QColor("#c62828")
NUMBER_ROLE = Qt.ItemDataRole.UserRole
ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1
Index = QModelIndex | QPersistentModelIndex


def format_duration(seconds: float) -> str:
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class HistoryModel(QAbstractTableModel):
    KIND, PARTY, WHEN, DURATION = range(4)

    def __init__(self, parent: QObject | None = None, *, names: NameLookup | None = None,
                 me: Callable[[], str] = str) -> None:
        super().__init__(parent)
        self._entries: list[HistoryEntry] = []
        self._names = names     # who answered elsewhere, by name
        self._me = me           # one's own extension: "answered on another device"

    def set_entries(self, entries: list[HistoryEntry]) -> None:
        self.beginResetModel()
        self._entries = list(entries)
        self.endResetModel()

    def entry(self, row: int) -> HistoryEntry:
        return self._entries[row]

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, self.columnCount() - 1)
        if self._entries:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._entries) - 1, self.columnCount() - 1))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 4

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        return {
            self.KIND: "",
            self.PARTY: self.tr("Name"),
            self.WHEN: self.tr("Date"),
            self.DURATION: self.tr("Duration"),
        }.get(section)

    def kind_text(self, entry: HistoryEntry) -> str:
        if entry.missed:
            return self.tr("Missed call")
        if entry.rejected:
            return self.tr("Rejected call")
        if entry.direction == Direction.IN:
            return self.tr("Incoming call")
        return self.tr("Outgoing call")

    def outcome_text(self, outcome: Outcome) -> str:
        """What happened to a call that was not connected (the engine and PBX send codes)."""
        return {
            Outcome.ANSWERED: self.tr("Answered"),
            Outcome.MISSED: self.tr("Missed"),
            Outcome.REJECTED: self.tr("Rejected"),
            Outcome.ANSWERED_ELSEWHERE: self.tr("Answered elsewhere"),
            Outcome.BUSY: self.tr("Busy"),
            Outcome.DECLINED: self.tr("Declined"),
            Outcome.NO_ANSWER: self.tr("No answer"),
            Outcome.NOT_REGISTERED: self.tr("Not registered"),
            Outcome.UNAVAILABLE: self.tr("Unavailable"),
            Outcome.UNREACHABLE: self.tr("Not reachable"),
            Outcome.NOT_FOUND: self.tr("Number not found"),
            Outcome.CANCELLED: self.tr("Cancelled"),
            Outcome.FAILED: self.tr("Failed"),
        }[outcome]

    def elsewhere_text(self, entry: HistoryEntry) -> str:
        """Who took a call that rang here: the PBX names the extension (RFC 3326 Reason)."""
        by = entry.answered_by
        if not by:
            return self.tr("Answered elsewhere")
        if by == self._me():
            return self.tr("Answered on another device")
        name = self._names.name(by) if self._names is not None else ""
        return self.tr("Answered by {name}").format(name=name or by)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._entries):
            return None
        entry = self._entries[index.row()]
        column = index.column()
        if role == NUMBER_ROLE:
            return entry.number
        if role == ENTRY_ROLE:
            return entry
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole) \
                and column == self.KIND:
            return self.kind_text(entry)
        if role == Qt.ItemDataRole.ForegroundRole and entry.missed:
            return QBrush(MISSED_COLOR)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column == self.KIND:
            # Arrows rather than icons: they follow the palette and need no resource files.
            return "↙" if entry.direction == Direction.IN else "↗"
        if column == self.PARTY:
            if entry.name and entry.name != entry.number:
                who = f"{entry.name} ({entry.number})" if entry.number else entry.name
            else:
                who = entry.number or self.tr("Unknown")
            if entry.transferred_from:
                before = self._names.name(entry.transferred_from) if self._names else ""
                return self.tr("{who}, transferred from {before}").format(
                    who=who, before=before or entry.transferred_from)
            return who
        if column == self.WHEN:
            when = QDateTime.fromMSecsSinceEpoch(round(entry.started_at * 1000))
            return QLocale().toString(when, QLocale.FormatType.ShortFormat)
        if column == self.DURATION:
            if entry.outcome == Outcome.ANSWERED:
                return format_duration(entry.duration)
            if entry.outcome == Outcome.ANSWERED_ELSEWHERE:
                return self.elsewhere_text(entry)
            return self.outcome_text(entry.outcome)
        return None


class HistoryView(QWidget):
    call_requested = Signal(str)

    def __init__(self, history: CallHistory, parent: QWidget | None = None, *,
                 names: NameLookup | None = None, me: Callable[[], str] = str) -> None:
        super().__init__(parent)
        self._history = history
        self.model = HistoryModel(self, names=names, me=me)
        if names is not None:
            names.changed.connect(self.model.retranslate)

        self.missed_only = QCheckBox()
        self.missed_only.toggled.connect(self.refresh)
        self.call_back = QPushButton()
        self.call_back.setEnabled(False)
        self.call_back.clicked.connect(self._call_back)

        self.view = QTreeView()
        self.view.setModel(self.model)
        self.view.setRootIsDecorated(False)
        self.view.setUniformRowHeights(True)
        self.view.setAlternatingRowColors(True)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.view.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(HistoryModel.KIND, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(HistoryModel.PARTY, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(HistoryModel.WHEN, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(
            HistoryModel.DURATION, QHeaderView.ResizeMode.ResizeToContents)
        self.view.activated.connect(self._on_activated)
        self.view.selectionModel().selectionChanged.connect(self._update_buttons)

        self.empty_label = QLabel()
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)

        bar = QHBoxLayout()
        bar.addWidget(self.missed_only)
        bar.addStretch(1)
        bar.addWidget(self.call_back)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.empty_label)

        self.retranslate_ui()
        self.refresh()

    def refresh(self) -> None:
        """Reload from the history (after a call ended), keeping the selected entry."""
        selected = self._selected_entry()
        self.model.set_entries(self._history.entries(missed_only=self.missed_only.isChecked()))
        if selected is not None:
            for row in range(self.model.rowCount()):
                if self.model.entry(row).id == selected.id:
                    self.view.setCurrentIndex(self.model.index(row, 0))
                    break
        empty = self.model.rowCount() == 0
        self.empty_label.setVisible(empty)
        self._update_empty_text()
        self._update_buttons()

    def _selected_entry(self) -> HistoryEntry | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.entry(rows[0].row()) if rows else None

    def _update_buttons(self) -> None:
        entry = self._selected_entry()
        self.call_back.setEnabled(entry is not None and bool(entry.number))

    def _on_activated(self, index: QModelIndex) -> None:
        number = index.data(NUMBER_ROLE)
        if number:
            self.call_requested.emit(number)

    def _call_back(self) -> None:
        entry = self._selected_entry()
        if entry is not None and entry.number:
            self.call_requested.emit(entry.number)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def _update_empty_text(self) -> None:
        if self.missed_only.isChecked():
            self.empty_label.setText(self.tr("No missed calls."))
        else:
            self.empty_label.setText(self.tr("No calls yet."))

    def retranslate_ui(self) -> None:
        self.missed_only.setText(self.tr("Missed only"))
        self.call_back.setText(self.tr("Call back"))
        self.call_back.setToolTip(self.tr("Call the selected number"))
        self._update_empty_text()
        self.model.retranslate()
