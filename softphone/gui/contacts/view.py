"""The contacts tab: search field, contacts grouped by department under Favorites, presence.

Where the contacts come from: the PBX directory while the PBX's client API answers (with
favorites stored on the PBX), plus the local contacts (local.py) whose numbers are not in
the directory; with no API (a plain SIP server, PbxState.UNAVAILABLE) or before any
connection, the local contacts and local favorites alone - without error noise.

Double-click or Enter on a contact (or Enter in the search field: the first match, else
the typed number) asks for a call with call_requested(number); the app passes it down. A
conference room asks with room_join_requested(entry) instead (its PIN: conference/join.py).
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from softphone.common.directory import DirectoryEntry, EntryType, PresenceUpdate
from softphone.gui.contacts.delegate import ContactDelegate
from softphone.gui.contacts.dialogs import ContactDialog, DetailsDialog
from softphone.gui.contacts.filter import ContactFilter
from softphone.gui.contacts.local import LocalContact, LocalContacts
from softphone.gui.contacts.model import Contact, ContactsModel, contact_at
from softphone.gui.contacts.sources import merged_contacts, merged_favorites
from softphone.gui.door.contacts import DoorContacts
from softphone.gui.door.details import DoorDetailsDialog
from softphone.gui.door.window import DoorWindow
from softphone.gui.pbx_backend import PbxBackend, PbxError, PbxState
from softphone.gui.widgets.dialpad import clean_number

log = logging.getLogger(__name__)
BLINK_MS = 500
MESSAGE_MS = 8000
_OFF = (PbxState.DISCONNECTED, PbxState.UNAVAILABLE, PbxState.AUTH_FAILED)


class ContactsView(QWidget):
    call_requested = Signal(str)
    room_join_requested = Signal(object)    # a conference room's DirectoryEntry

    def __init__(self, pbx: PbxBackend, local: LocalContacts,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("contactsView")
        self._pbx = pbx
        self._local = local
        self._pbx_entries: list[DirectoryEntry] = (
            list(pbx.entries) if pbx.state == PbxState.CONNECTED else [])
        self._pbx_mode = False
        self._contacts: dict[str, Contact] = {}
        self._dialog: QDialog | None = None
        self.doors = DoorContacts(pbx, self)     # door details, "look at the door"
        self.doors.call_requested.connect(self.call_requested)
        self.doors.favorite_requested.connect(self._toggle_favorite_number)
        self.door_windows = self.doors.windows

        self.model = ContactsModel(self)
        self.proxy = ContactFilter(self)
        self.proxy.setSourceModel(self.model)
        self.delegate = ContactDelegate(self)
        self.delegate.favorite_toggled.connect(self.toggle_favorite)

        self.search = QLineEdit()
        self.search.setObjectName("contactSearch")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._on_search)
        self.search.returnPressed.connect(self._on_search_enter)
        self.search.installEventFilter(self)
        self.add_action = QAction(self)
        self.add_action.triggered.connect(self.add_contact)
        self.import_action = QAction(self)
        self.import_action.triggered.connect(self.open_import_dialog)
        self.more_button = QToolButton()
        self.more_button.setText("⋯")
        self.more_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.more_button.addActions([self.add_action, self.import_action])

        self.tree = QTreeView()
        self.tree.setObjectName("contactsTree")
        self.tree.setHeaderHidden(True)
        self.tree.setUniformRowHeights(True)      # 5,000 rows: no per-row height query
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setItemDelegate(self.delegate)
        self.tree.setModel(self.proxy)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._on_context_menu)
        self.tree.activated.connect(self._on_activated)
        self.proxy.modelReset.connect(self.tree.expandAll)

        self.state_label = QLabel()
        self.state_label.setObjectName("pbxState")
        self.state_label.setWordWrap(True)
        self.state_label.hide()
        self.message_label = QLabel()
        self.message_label.setObjectName("contactsMessage")
        self.message_label.setWordWrap(True)
        self.message_label.hide()
        self._message_timer = QTimer(self, singleShot=True, interval=MESSAGE_MS)
        self._message_timer.timeout.connect(self.message_label.hide)
        self._blink = QTimer(self, interval=BLINK_MS)
        self._blink.timeout.connect(self._on_blink)

        row = QHBoxLayout()
        row.addWidget(self.search, 1)
        row.addWidget(self.more_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.state_label)
        layout.addWidget(self.message_label)
        layout.addWidget(self.tree, 1)

        pbx.directory_changed.connect(self._on_directory)
        pbx.presence_changed.connect(self._on_presence)
        pbx.favorites_changed.connect(self._on_favorites)
        pbx.conference_count_changed.connect(self._on_conference_count)
        pbx.connection_state_changed.connect(self._on_state)
        pbx.error.connect(self._on_error)
        self.rebuild()
        self.retranslate()

    # -- sources -------------------------------------------------------------------------

    @property
    def pbx_mode(self) -> bool:
        """Whether the PBX directory is shown (else the local contacts alone)."""
        return self._pbx_mode

    def rebuild(self) -> None:
        """Everything again from the sources: after a directory load or local edits."""
        self._pbx_mode = bool(self._pbx_entries) or self._pbx.state == PbxState.CONNECTED
        contacts, self._contacts = merged_contacts(self._pbx_entries, self._local.contacts(),
                                                   self._pbx_mode)
        self.model.set_contacts(contacts, self._favorite_contacts())
        self.tree.expandAll()
        self._update_blink()

    def _favorite_contacts(self) -> list[Contact]:
        return merged_favorites(self._contacts, self._pbx.favorites, self._local.favorites(),
                                self._pbx_mode)

    def _update_favorites(self) -> None:
        self.model.set_favorites(self._favorite_contacts())
        self.tree.expandAll()
        self.doors.update_favorite(self.model.is_favorite)

    # -- PBX events up -------------------------------------------------------------------

    def _on_directory(self, entries: list[DirectoryEntry]) -> None:
        self._pbx_entries = list(entries)
        self.rebuild()

    def _on_presence(self, update: PresenceUpdate) -> None:
        if self._pbx_mode and self.model.update_presence(update.number, update.presence):
            self._update_blink()

    def _on_conference_count(self, number: str, count: int) -> None:
        if self._pbx_mode:
            self.model.update_participants(number, count)

    def _on_favorites(self, _numbers: list[str]) -> None:
        if self._pbx_mode:
            self._update_favorites()

    def _on_state(self, state: str) -> None:
        if state in _OFF and self._pbx_entries:
            self._pbx_entries = []
        if state == PbxState.CONNECTING and self._pbx_entries:
            self.model.forget_presence()        # the PBX's last word may be stale now
        if self._pbx_mode != (bool(self._pbx_entries) or state == PbxState.CONNECTED):
            self.rebuild()
        self._show_state()

    def _on_error(self, code: str, detail: str) -> None:
        log.info("PBX error %s: %s", code, detail)
        if code in (PbxError.REQUEST_FAILED, PbxError.NOT_CONNECTED):
            self.show_message(self.tr("The PBX did not take the change. Try again later."))

    def _show_state(self) -> None:
        state = self._pbx.state
        if state == PbxState.CONNECTING:
            text = (self.tr("Connection to the PBX lost. Reconnecting…") if self._pbx_entries
                    else self.tr("Connecting to the PBX…"))
        elif state == PbxState.AUTH_FAILED:
            text = self.tr("The PBX did not accept your user name or password; "
                           "showing local contacts.")
        else:
            text = ""          # connected, or no API (unavailable): nothing to say
        self.state_label.setText(text)
        self.state_label.setVisible(bool(text))

    # -- requests down -------------------------------------------------------------------

    def toggle_favorite(self, contact: Contact) -> None:
        number = contact.entry.number
        favorite = self.model.is_favorite(number)
        if contact.local or not self._pbx_mode:
            self._local.set_favorite(number, not favorite)
            self._update_favorites()
        elif self._pbx.state == PbxState.CONNECTED:
            if favorite:
                self._pbx.request_remove_favorite(number)
            else:
                self._pbx.request_add_favorite(number)
        else:
            self.show_message(self.tr("Favorites can be changed when the PBX is reachable."))

    def call_contact(self, contact: Contact) -> None:
        if contact.entry.type == EntryType.CONFERENCE:
            self.room_join_requested.emit(contact.entry)    # a PIN room asks for the PIN
            return
        self.call_requested.emit(contact.entry.number)

    def _on_activated(self, index: QModelIndex) -> None:
        contact = contact_at(index)
        if contact is not None:
            self.call_contact(contact)

    # -- search --------------------------------------------------------------------------

    def _on_search(self, text: str) -> None:
        self.proxy.set_query(text)       # resets the proxy: the tree expands on modelReset
        first = self.first_match()
        if first is not None and self.proxy.query_active:
            self.tree.setCurrentIndex(first)

    def first_match(self) -> QModelIndex | None:
        for row in range(self.proxy.rowCount()):
            group = self.proxy.index(row, 0)
            if self.proxy.rowCount(group):
                return self.proxy.index(0, 0, group)
        return None

    def _on_search_enter(self) -> None:
        first = self.first_match()
        if first is not None and self.proxy.query_active:
            self._on_activated(first)
            return
        number = clean_number(self.search.text())
        if number:
            self.call_requested.emit(number)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (watched is self.search and event.type() == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent) and event.key() == Qt.Key.Key_Down):
            self.tree.setFocus()
            first = self.first_match()
            if first is not None and not self.tree.currentIndex().isValid():
                self.tree.setCurrentIndex(first)
            return True
        return super().eventFilter(watched, event)

    # -- menu and dialogs ------------------------------------------------------------------

    def context_menu(self, contact: Contact | None) -> QMenu:
        menu = QMenu(self)
        if contact is not None:
            menu.addAction(self.tr("Call"), lambda: self.call_contact(contact))
            self.doors.add_menu_actions(menu, contact.entry)
            text = (self.tr("Remove from favorites")
                    if self.model.is_favorite(contact.entry.number)
                    else self.tr("Add to favorites"))
            menu.addAction(text, lambda: self.toggle_favorite(contact))
            menu.addAction(self.tr("Details…"), lambda: self.show_details(contact))
            if contact.local_id:
                menu.addAction(self.tr("Edit…"), lambda: self.edit_contact(contact))
                menu.addAction(self.tr("Delete"), lambda: self.delete_contact(contact))
            menu.addSeparator()
        menu.addAction(self.add_action)
        menu.addAction(self.import_action)
        return menu

    def _on_context_menu(self, pos: QPoint) -> None:
        menu = self.context_menu(contact_at(self.tree.indexAt(pos)))
        menu.exec(self.tree.viewport().mapToGlobal(pos))
        menu.deleteLater()

    def show_details(self, contact: Contact) -> DetailsDialog | DoorDetailsDialog:
        favorite = self.model.is_favorite(contact.entry.number)
        dialog: DetailsDialog | DoorDetailsDialog
        if self.doors.is_door(contact.entry) and not contact.local:
            dialog = self.doors.details(contact.entry, favorite, self)
        else:
            dialog = DetailsDialog(contact, favorite, self)
            dialog.call_requested.connect(self.call_requested)
        self._open(dialog)
        return dialog

    def _toggle_favorite_number(self, number: str) -> None:
        contact = self._contacts.get(number)
        if contact is not None:
            self.toggle_favorite(contact)

    def look_at_door(self, number: str) -> DoorWindow:
        """The door's live video (and open button) without a call."""
        return self.doors.look(number)

    def add_contact(self) -> ContactDialog:
        dialog = ContactDialog(self, number=clean_number(self.search.text()) or "")
        dialog.accepted.connect(lambda: self._store(dialog, None))
        self._open(dialog)
        return dialog

    def edit_contact(self, contact: Contact) -> ContactDialog:
        entry = contact.entry
        dialog = ContactDialog(self, name=entry.name, number=entry.number,
                               department=entry.department, editing=True)
        dialog.accepted.connect(lambda: self._store(dialog, contact.local_id))
        self._open(dialog)
        return dialog

    def _store(self, dialog: ContactDialog, local_id: int | None) -> None:
        values = dialog.values()
        if values is None:
            return
        if local_id:
            self._local.update(LocalContact(local_id, *values))
        else:
            self._local.add(*values)
        self.rebuild()

    def delete_contact(self, contact: Contact) -> None:
        if contact.local_id:
            self._local.remove(contact.local_id)
            self.rebuild()

    def _open(self, dialog: QDialog) -> None:
        if self._dialog is not None:
            self._dialog.close()
        self._dialog = dialog
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def open_import_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Import contacts"), "",
            self.tr("vCard files (*.vcf *.vcard);;All files (*)"))
        if path:
            self.import_vcard(Path(path))

    def import_vcard(self, path: Path) -> int:
        try:
            count = self._local.import_vcard(path)
        except OSError as exc:
            self.show_message(self.tr("Cannot read {file}: {error}").format(
                file=path.name, error=exc.strerror or exc))
            return 0
        self.rebuild()
        self.show_message(self.tr("%n contact(s) imported.", "", count))
        return count

    def show_message(self, text: str) -> None:
        self.message_label.setText(text)
        self.message_label.show()
        self._message_timer.start()

    # -- presence blinking, language -------------------------------------------------------

    def _update_blink(self) -> None:
        if self.model.ringing and not self._blink.isActive():
            self._blink.start()
        elif not self.model.ringing and self._blink.isActive():
            self._blink.stop()
            self.delegate.blink_on = True
            self.tree.viewport().update()

    def _on_blink(self) -> None:
        self.delegate.blink_on = not self.delegate.blink_on
        self.tree.viewport().update()

    def retranslate(self) -> None:
        self.search.setPlaceholderText(self.tr("Search name or number"))
        self.search.setAccessibleName(self.tr("Search contacts"))
        self.tree.setAccessibleName(self.tr("Contacts"))
        self.more_button.setToolTip(self.tr("More"))
        self.add_action.setText(self.tr("New contact…"))
        self.import_action.setText(self.tr("Import vCard…"))
        self.model.retranslate()
        self._show_state()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
