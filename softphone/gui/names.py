"""Who a number is: the name the company directory (or the local contacts) gives it.

NameLookup answers number -> name from the PBX directory (PbxBackend.entry), else from the
local contacts; it emits changed() when either source changes (the directory arriving after
a call started, a contact added), so whoever shows a name can show it anew. party() is
what the call panels, the tray and the call history show for a call: the directory's name
for a known number, else the caller's SIP display name, else the number alone. app.py (the
composition root) makes one NameLookup and hands it to whoever shows calls.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QObject, Signal

from softphone.common.engine_protocol import CallInfo
from softphone.gui.contacts.local import LocalContacts
from softphone.gui.pbx_backend import PbxBackend

_DIAL_KEEP = re.compile(r"[^0-9+*#]")


def comparable(number: str) -> str:
    """A phone number as typed or stored ("+49 30 1234-56") in the form calls carry it
    ("+4930123456"); a SIP address ("alice@example.org") stays as it is."""
    number = number.strip()
    if "@" in number or any(c.isalpha() for c in number.removeprefix("tel:")):
        return number
    return _DIAL_KEEP.sub("", number)


class NameLookup(QObject):
    """name(number): the directory's name, else a local contact's, else ""."""

    changed = Signal()

    def __init__(self, pbx: PbxBackend | None = None, local: LocalContacts | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pbx = pbx
        self._local = local
        if pbx is not None:
            pbx.directory_changed.connect(lambda _entries: self.changed.emit())

    def name(self, number: str) -> str:
        if not number:
            return ""
        if self._pbx is not None:
            entry = self._pbx.entry(number) or self._pbx.entry(comparable(number))
            if entry is not None and entry.name:
                return entry.name
        if self._local is not None:
            wanted = comparable(number)
            for contact in self._local.contacts():
                if contact.name and comparable(contact.number) == wanted:
                    return contact.name
        return ""

    def close(self) -> None:
        """Look nothing up any more (the local contacts are about to be closed)."""
        self._local = None

    def contacts_changed(self) -> None:
        """The local contacts changed (added, edited, imported): names may have too."""
        self.changed.emit()


def party(info: CallInfo, names: NameLookup | None = None) -> tuple[str, str]:
    """(name, number) of the other end of a call; name "" when only the number is known."""
    number = info.remote_number or info.remote_uri
    known = names.name(info.remote_number) if names is not None else ""
    name = known or info.remote_name
    return ("" if name == number else name), number
