"""The company directory: who can be called, searched the way people type names.

Users, ring groups and doors come from the configuration, the presence of users and doors
from the PresenceService (a door station registers like a phone, so "offline" means the
door is not reachable). A door entry says whether the asking user may open it, so the
directory is built for someone: the handler passes the caller. Conference rooms come as
they are at run time (``rooms``), with their access mode and participant count. Shared
lines join later as another EntryType; the type filter already works for them.

Search is a case-insensitive substring match on name or number that ignores umlauts and
accents both ways: "mueller", "muller" and "Müller" all find "Müller", and "Mueller" is
found by "müller".
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Protocol

from aiohttp import web

from softphone.common.directory import (
    DirectoryEntry,
    EntryType,
    Presence,
    PresenceUpdate,
    to_json,
)
from softphone.pbx.api.errors import invalid
from softphone.pbx.api.guard import caller
from softphone.pbx.config import Extension, PbxConfig

MAX_QUERY = 100
_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


class PresenceSource(Protocol):
    """What the API needs of softphone.pbx.features.presence.PresenceService."""

    def presence(self, number: str) -> Presence: ...

    def snapshot(self) -> dict[str, Presence]: ...

    def subscribe(self, listener: Callable[[PresenceUpdate], None]) -> Callable[[], None]: ...

    def settings_changed(self, number: str) -> None: ...


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def search_forms(text: str) -> set[str]:
    """The spellings ``text`` may be matched in: "Müller" -> {"mueller", "muller"}."""
    folded = unicodedata.normalize("NFC", text).casefold()
    return {_strip_accents(folded.translate(_GERMAN)), _strip_accents(folded)}


def matches(query_forms: set[str], *fields: str) -> bool:
    for value in fields:
        forms = search_forms(value)
        if any(q in f for q in query_forms for f in forms):
            return True
    return False


class Directory:
    def __init__(self, config: PbxConfig, presence: PresenceSource,
                 rooms: Callable[[], list[DirectoryEntry]] = list) -> None:
        """``rooms``: the conference rooms as they are now (run-time changes, counts)."""
        self._config = config
        self._presence = presence
        self._rooms = rooms

    def _user(self, ext: Extension) -> DirectoryEntry:
        return DirectoryEntry(EntryType.USER, ext.number, ext.display_name, ext.department,
                              self._presence.presence(ext.number))

    def _all(self, asker: Extension | None) -> list[DirectoryEntry]:
        entries = [self._user(ext) for ext in self._config.users()]
        entries += [DirectoryEntry(EntryType.RING_GROUP, group.number, group.name)
                    for group in self._config.ring_groups.values()]
        entries += [DirectoryEntry(EntryType.DOOR, door.number, door.name, door.department,
                                   self._presence.presence(door.number),
                                   can_open=asker is not None and door.may_open(asker),
                                   has_video=door.video_url is not None)
                    for door in self._config.doors.values()]
        entries += self._rooms()
        # Alphabetical as a German reader expects it: "Müller" sorts as "Mueller".
        return sorted(entries, key=lambda e: (
            _strip_accents(e.name.casefold().translate(_GERMAN)), e.number))

    def entries(self, query: str = "", kind: EntryType | None = None,
                asker: Extension | None = None) -> list[DirectoryEntry]:
        """What matches ``query``; doors' can_open is for ``asker`` (False without one)."""
        forms = search_forms(query.strip()) if query.strip() else None
        return [e for e in self._all(asker)
                if (kind is None or e.type == kind)
                and (forms is None or matches(forms, e.name, e.number))]

    def entry(self, number: str) -> DirectoryEntry | None:
        """A user's own entry (/me); None for anything that is not a user."""
        ext = self._config.extension(number)
        if ext is None or number in self._config.doors:
            return None
        return self._user(ext)

    def known(self, number: str) -> bool:
        """Is ``number`` something in the directory (what favorites may hold)."""
        return (self._config.extension(number) is not None
                or self._config.ring_group(number) is not None
                or self._config.door(number) is not None
                or any(room.number == number for room in self._rooms()))


class DirectoryHandlers:
    def __init__(self, directory: Directory) -> None:
        self._directory = directory

    async def search(self, request: web.Request) -> web.Response:
        query = request.query.get("q", "")
        if len(query) > MAX_QUERY:
            raise invalid(f"The search text is longer than {MAX_QUERY} characters", field="q")
        kind: EntryType | None = None
        if "type" in request.query:
            raw = request.query["type"]
            try:
                kind = EntryType(raw)
            except ValueError:
                raise invalid(f"'{raw}' is not an entry type; expected one of " +
                              ", ".join(t.value for t in EntryType), field="type") from None
        entries = self._directory.entries(query, kind, caller(request))
        return web.json_response({"entries": [to_json(e) for e in entries]})
