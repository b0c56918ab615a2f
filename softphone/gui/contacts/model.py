"""The contacts as a two-level tree: Favorites on top, then one group per department.

A QStandardItemModel on purpose: its data lives in C++, so the filter proxy reads the
precomputed search keys without calling Python once per row (see filter.py). Every entry
row carries its Contact and its state in item roles (roles.py); a favorite appears twice,
under Favorites and in its department. Presence changes touch only the rows of that number.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel

from softphone.common.directory import DirectoryEntry, EntryType, Presence
from softphone.gui.contacts.filter import search_key, strip_marks
from softphone.gui.contacts.roles import (
    CONTACT_ROLE,
    FAVORITE_ROLE,
    GROUP_ROLE,
    NUMBER_ROLE,
    PRESENCE_ROLE,
    SEARCH_ROLE,
)

FAVORITES = "favorites"
NO_DEPARTMENT = "none"
PERSONAL = "local"
_TYPE_ORDER = [t.value for t in EntryType]
Index = QModelIndex | QPersistentModelIndex


# Called with its context in each place, not through a wrapper, so that lupdate finds them.
translate = QCoreApplication.translate


# Not a PBX state: what the client shows while the PBX is unreachable (its last word on a
# colleague may no longer be true).
UNKNOWN = "unknown"


def presence_text(presence: Presence | str | None) -> str:
    """The word for a presence state (for tooltips and screen readers)."""
    if presence == UNKNOWN:
        return translate("ContactsModel", "unknown")
    words = {
        Presence.AVAILABLE: translate("ContactsModel", "available"),
        Presence.BUSY: translate("ContactsModel", "busy"),
        Presence.RINGING: translate("ContactsModel", "ringing"),
        Presence.OFFLINE: translate("ContactsModel", "offline"),
        Presence.DND: translate("ContactsModel", "do not disturb"),
    }
    return words.get(Presence(presence), "") if presence else ""


def access_text(access: str | None) -> str:
    """How callers get into a conference room, in words (the PBX sends a code)."""
    words = {
        "pin": translate("ContactsModel", "with PIN"),
        "whitelist": translate("ContactsModel", "listed numbers only"),
        "open": translate("ContactsModel", "open to everyone"),
    }
    return words.get(access or "", "")


def group_title(key: str) -> str:
    if key == FAVORITES:
        return translate("ContactsModel", "Favorites")
    if key == NO_DEPARTMENT:
        return translate("ContactsModel", "No department")
    if key == PERSONAL:
        return translate("ContactsModel", "Personal contacts")
    if key.startswith("type:"):
        return {
            EntryType.RING_GROUP.value: translate("ContactsModel", "Ring groups"),
            EntryType.CONFERENCE.value: translate("ContactsModel", "Conference rooms"),
            EntryType.DOOR.value: translate("ContactsModel", "Doors"),
            EntryType.SHARED_LINE.value: translate("ContactsModel", "Shared lines"),
        }.get(key[5:], key[5:])
    return key.removeprefix("dept:")


@dataclass(eq=False)
class Contact:
    """One row: a directory entry (from the PBX, or a local contact) and its search key."""

    entry: DirectoryEntry
    local_id: int | None = None     # the local contact's id; None: from the PBX directory
    key: str = ""                   # computed once, here, not on every keystroke

    def __post_init__(self) -> None:
        if not self.key:
            self.key = search_key(self.entry.name, self.entry.number)

    @property
    def local(self) -> bool:
        return self.local_id is not None

    @property
    def group(self) -> str:
        entry = self.entry
        if entry.department:
            return "dept:" + entry.department
        if entry.type != EntryType.USER:
            return "type:" + entry.type.value
        return PERSONAL if self.local else NO_DEPARTMENT


def _group_order(key: str) -> tuple[int, str]:
    if key.startswith("dept:"):
        return (0, strip_marks(key))
    if key.startswith("type:"):
        kind = key[5:]
        return (1, f"{_TYPE_ORDER.index(kind) if kind in _TYPE_ORDER else 99:02d}")
    return (2 if key == NO_DEPARTMENT else 3, "")


class ContactsModel(QStandardItemModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._items: dict[str, list[QStandardItem]] = {}        # department rows by number
        self._fav_items: dict[str, list[QStandardItem]] = {}    # Favorites rows by number
        self._favorites: set[str] = set()
        self._ringing: set[str] = set()
        self._count = 0

    # -- building ------------------------------------------------------------------------

    def set_contacts(self, contacts: Iterable[Contact], favorites: list[Contact]) -> None:
        """Replace everything (a directory load or resynchronisation): one reset."""
        self.clear()
        self._items = {}
        self._fav_items = {}
        self._favorites = {c.entry.number for c in favorites}
        self._ringing = set()
        groups: dict[str, list[Contact]] = {}
        count = 0
        for contact in contacts:
            groups.setdefault(contact.group, []).append(contact)
            count += 1
        self._count = count
        rows = []
        for key in sorted(groups, key=_group_order):
            members = sorted(groups[key], key=lambda c: (c.key, c.entry.number))
            group = self._group_item(key)
            group.appendRows([self._entry_item(c, self._items) for c in members])
            rows.append(group)
        if favorites:
            rows.insert(0, self._favorites_group(favorites))
        root = self.invisibleRootItem()
        for group in rows:
            root.appendRow(group)

    def set_favorites(self, favorites: list[Contact]) -> None:
        """Rebuild only the Favorites group and the stars of the numbers that changed."""
        numbers = {c.entry.number for c in favorites}
        changed = numbers ^ self._favorites
        self._favorites = numbers
        if self.rowCount() and self.item(0).data(GROUP_ROLE) == FAVORITES:
            self.removeRow(0)
        self._fav_items = {}
        if favorites:
            self.insertRow(0, self._favorites_group(favorites))
        for number in changed:
            for item in self._items.get(number, ()):
                item.setData(number in numbers, FAVORITE_ROLE)
                self._describe(item)

    def _favorites_group(self, favorites: list[Contact]) -> QStandardItem:
        group = self._group_item(FAVORITES)
        group.appendRows([self._entry_item(c, self._fav_items) for c in favorites])
        return group

    def _group_item(self, key: str) -> QStandardItem:
        item = QStandardItem(group_title(key))
        item.setEditable(False)
        item.setData(key, GROUP_ROLE)
        item.setData("", SEARCH_ROLE)
        font = item.font()
        font.setBold(True)
        item.setFont(font)
        return item

    def _entry_item(self, contact: Contact, index: dict[str, list[QStandardItem]]
                    ) -> QStandardItem:
        entry = contact.entry
        item = QStandardItem(entry.name or entry.number)
        item.setEditable(False)
        item.setData(contact, CONTACT_ROLE)
        item.setData(entry.number, NUMBER_ROLE)
        item.setData(entry.presence.value if entry.presence else "", PRESENCE_ROLE)
        item.setData(entry.number in self._favorites, FAVORITE_ROLE)
        item.setData(contact.key, SEARCH_ROLE)
        item.setData("", GROUP_ROLE)
        if entry.presence == Presence.RINGING:
            self._ringing.add(entry.number)
        self._describe(item)
        index.setdefault(entry.number, []).append(item)
        return item

    def _describe(self, item: QStandardItem) -> None:
        """Tooltip and screen reader text: who, which number, what state, favorite or not."""
        contact: Contact = item.data(CONTACT_ROLE)
        entry = contact.entry
        parts = [entry.name or entry.number, entry.number]
        if entry.type == EntryType.DOOR:       # the icon says it too, but not to everyone
            parts.insert(1, translate("ContactsModel", "door"))
        if entry.type == EntryType.CONFERENCE:
            parts[1:1] = [translate("ContactsModel", "conference room"),
                          access_text(entry.access),
                          translate("ContactsModel", "in the room: {0}").format(
                              entry.participants or 0)]
        state = presence_text(item.data(PRESENCE_ROLE))
        if state:
            parts.append(state)
        if item.data(FAVORITE_ROLE):
            parts.append(translate("ContactsModel", "favorite"))
        text = ", ".join(parts)
        item.setData(text, Qt.ItemDataRole.AccessibleTextRole)
        item.setData(text, Qt.ItemDataRole.ToolTipRole)

    # -- events --------------------------------------------------------------------------

    def update_participants(self, number: str, count: int) -> bool:
        """Show how many are in conference room `number` now; False when no row has it."""
        items = [*self._items.get(number, ()), *self._fav_items.get(number, ())]
        for item in items:
            item.data(CONTACT_ROLE).entry.participants = count
            self._describe(item)
            item.emitDataChanged()
        return bool(items)

    def forget_presence(self) -> None:
        """The PBX is unreachable: every colleague's state becomes "unknown" (grey) until
        the reconnect's directory says again."""
        for number in {*self._items, *self._fav_items}:
            for item in [*self._items.get(number, ()), *self._fav_items.get(number, ())]:
                if item.data(PRESENCE_ROLE):
                    item.setData(UNKNOWN, PRESENCE_ROLE)
                    self._describe(item)
        self._ringing.clear()

    def update_presence(self, number: str, presence: Presence) -> bool:
        """Show `number`'s new state; False when no row has that number."""
        items = [*self._items.get(number, ()), *self._fav_items.get(number, ())]
        for item in items:
            item.setData(presence.value, PRESENCE_ROLE)
            self._describe(item)
        if presence == Presence.RINGING:
            self._ringing.add(number)
        else:
            self._ringing.discard(number)
        return bool(items)

    def retranslate(self) -> None:
        root = self.invisibleRootItem()
        for row in range(root.rowCount()):
            group = root.child(row)
            group.setText(group_title(group.data(GROUP_ROLE)))
            for child in range(group.rowCount()):
                self._describe(group.child(child))

    # -- queries -------------------------------------------------------------------------

    @property
    def ringing(self) -> bool:
        """Whether any row is ringing (the view blinks those dots)."""
        return bool(self._ringing)

    @property
    def contact_count(self) -> int:
        return self._count

    def is_favorite(self, number: str) -> bool:
        return number in self._favorites

    def items_for(self, number: str) -> list[QStandardItem]:
        return [*self._fav_items.get(number, ()), *self._items.get(number, ())]

    def group_keys(self) -> list[str]:
        return [self.item(row).data(GROUP_ROLE) for row in range(self.rowCount())]


def contact_at(index: Index) -> Contact | None:
    """The Contact of a row of this model or of a proxy over it (None for a group row)."""
    return index.data(CONTACT_ROLE) if index.isValid() else None
