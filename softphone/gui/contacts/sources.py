"""Which contacts and favorites the contacts tab shows, from its two sources: the PBX
directory (with the favorites stored on the PBX) and the local contacts (local.py).

In PBX mode the directory comes first and a local contact only adds a number the directory
lacks; without the PBX the local contacts and local favorites stand alone. No Qt widgets
here: the view hands the lists to its model.
"""

from __future__ import annotations

from collections.abc import Iterable

from softphone.common.directory import DirectoryEntry, EntryType
from softphone.gui.contacts.local import LocalContact
from softphone.gui.contacts.model import Contact


def merged_contacts(pbx_entries: Iterable[DirectoryEntry], local: Iterable[LocalContact],
                    pbx_mode: bool) -> tuple[list[Contact], dict[str, Contact]]:
    """(every row to show, the contact for each number: the directory's where it has one)."""
    contacts = [Contact(entry) for entry in pbx_entries] if pbx_mode else []
    by_number = {c.entry.number: c for c in contacts}
    for lc in local:
        if lc.number not in by_number or by_number[lc.number].local:
            contact = Contact(DirectoryEntry(EntryType.USER, lc.number, lc.name,
                                             lc.department), local_id=lc.id)
            contacts.append(contact)
            by_number.setdefault(lc.number, contact)
    return contacts, by_number


def merged_favorites(by_number: dict[str, Contact], pbx_favorites: Iterable[str],
                     local_favorites: Iterable[str], pbx_mode: bool) -> list[Contact]:
    """PBX favorites first (when the PBX is the source), then the local ones."""
    favorites: dict[str, Contact] = {}

    def add(number: str, local_id: int | None) -> None:
        contact = by_number.get(number)
        if contact is None:          # a number without a contact: still a favorite
            contact = Contact(DirectoryEntry(EntryType.USER, number, number),
                              local_id=local_id)
        favorites.setdefault(number, contact)

    if pbx_mode:
        for number in pbx_favorites:
            add(number, None)
    for number in local_favorites:
        contact = by_number.get(number)
        if not pbx_mode or contact is None or contact.local:
            add(number, 0)
    return list(favorites.values())
