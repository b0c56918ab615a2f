"""The missed-call badge: how many missed calls the user has not seen yet.

The count lives in the call history (its `seen` column), so it survives a restart. It shows
on the window's History tab and on the tray icon; the calls count as seen once the History
tab is on screen in the active window (opening the tab, or coming back to the window with
it open). app.py refreshes it after each recorded call.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtWidgets import QTabWidget, QWidget

from softphone.gui.history import CallHistory


class MissedCalls(QObject):
    """count: unseen missed calls; changed(count) whenever it changes."""

    changed = Signal(int)

    def __init__(self, history: CallHistory, window: QWidget, tabs: QTabWidget,
                 page: QWidget, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._history = history
        self._window = window
        self._tabs = tabs
        self._page = page
        self.count = history.unseen_missed()
        tabs.currentChanged.connect(lambda _index: self.check_seen())
        window.installEventFilter(self)

    def refresh(self) -> None:
        """A call was recorded: count anew (and it is seen at once if the list is open)."""
        if not self.check_seen():
            self._set(self._history.unseen_missed())

    def check_seen(self) -> bool:
        """Mark the missed calls seen if the History tab is in front of the user."""
        if not (self._window.isActiveWindow() and self._tabs.currentWidget() is self._page):
            return False
        if self._history.unseen_missed():
            self._history.mark_seen()
        self._set(0)
        return True

    def _set(self, count: int) -> None:
        if count != self.count:
            self.count = count
            self.changed.emit(count)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window and event.type() == QEvent.Type.ActivationChange:
            self.check_seen()
        return False
