"""The company directory: who can be called, searched the way people type names.

Users come from the configuration, their presence from the PresenceService. Ring groups,
conferences, doors and shared lines join later as more EntryTypes; the type filter already
works for them (their lists are empty for now).

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
from softphone.pbx.config import PbxConfig

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
    def __init__(self, config: PbxConfig, presence: PresenceSource) -> None:
        self._config = config
        self._presence = presence

    def _all(self) -> list[DirectoryEntry]:
        users = [DirectoryEntry(EntryType.USER, ext.number, ext.display_name, ext.department,
                                self._presence.presence(ext.number))
                 for ext in self._config.extensions.values()]
        users += [DirectoryEntry(EntryType.RING_GROUP, group.number, group.name)
                  for group in self._config.ring_groups.values()]
        # Alphabetical as a German reader expects it: "Müller" sorts as "Mueller".
        return sorted(users, key=lambda e: (_strip_accents(e.name.casefold().translate(_GERMAN)),
                                            e.number))

    def entries(self, query: str = "", kind: EntryType | None = None) -> list[DirectoryEntry]:
        forms = search_forms(query.strip()) if query.strip() else None
        return [e for e in self._all()
                if (kind is None or e.type == kind)
                and (forms is None or matches(forms, e.name, e.number))]

    def entry(self, number: str) -> DirectoryEntry | None:
        ext = self._config.extension(number)
        if ext is None:
            return None
        return DirectoryEntry(EntryType.USER, ext.number, ext.display_name, ext.department,
                              self._presence.presence(ext.number))

    def known(self, number: str) -> bool:
        """Is ``number`` something in the directory (what favorites may hold)."""
        return (self._config.extension(number) is not None
                or self._config.ring_group(number) is not None)


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
        entries = self._directory.entries(query, kind)
        return web.json_response({"entries": [to_json(e) for e in entries]})
