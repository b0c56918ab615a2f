"""The doors' part of the contacts tab: the "Look at the door" menu entry, the door detail
dialog (kept in step with the favorites) and the door windows.

ContactsView asks DoorContacts for what is door-specific and passes on its wishes:
call_requested(number) (from a details dialog or a door window), favorite_requested(number)
(the details dialog's star: the view toggles the favorite the way it does for any contact).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMenu, QWidget

from softphone.common.directory import DirectoryEntry, EntryType
from softphone.gui.door.details import DoorDetailsDialog
from softphone.gui.door.window import DoorWindow, DoorWindows
from softphone.gui.pbx_backend import PbxBackend


class DoorContacts(QObject):
    """details(entry, favorite) makes a door's dialog; look(number) opens its window."""

    call_requested = Signal(str)
    favorite_requested = Signal(str)

    def __init__(self, pbx: PbxBackend, parent_widget: QWidget | None = None) -> None:
        super().__init__(parent_widget)
        self.windows = DoorWindows(pbx, parent_widget)      # "look at the door"
        self.windows.call_requested.connect(self.call_requested)
        self._details: DoorDetailsDialog | None = None       # the one open, if any

    @staticmethod
    def is_door(entry: DirectoryEntry) -> bool:
        return entry.type == EntryType.DOOR

    def add_menu_actions(self, menu: QMenu, entry: DirectoryEntry) -> None:
        """After "Call": "Look at the door" for a door that may have a camera."""
        if self.is_door(entry) and entry.has_video is not False:
            menu.addAction(self.tr("Look at the door"), lambda: self.look(entry.number))

    def details(self, entry: DirectoryEntry, favorite: bool,
                parent: QWidget | None = None) -> DoorDetailsDialog:
        """The door's detail dialog (not yet shown); its star follows set_favorite."""
        dialog = DoorDetailsDialog(entry, favorite, parent)
        dialog.look_requested.connect(self.look)
        dialog.call_requested.connect(self.call_requested)
        dialog.favorite_requested.connect(lambda: self.favorite_requested.emit(entry.number))
        dialog.finished.connect(lambda _result: self._forget(dialog))
        self._details = dialog
        return dialog

    def update_favorite(self, is_favorite: Callable[[str], bool]) -> None:
        """The favorites changed: the open detail dialog's star shows the new word."""
        if self._details is not None:
            self._details.set_favorite(is_favorite(self._details.entry.number))

    def look(self, number: str) -> DoorWindow:
        """The door's live video (and open button) without a call."""
        return self.windows.open(number)

    def _forget(self, dialog: DoorDetailsDialog) -> None:
        if self._details is dialog:
            self._details = None
