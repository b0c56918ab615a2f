"""Conference rooms at run time: the configuration's rooms with an administrator's changes.

An administrator puts any free number into conference mode, changes a room (access mode,
PIN, whitelist, maximum, ...) or takes a number out of conference mode again, through the
client API. Those changes override the configuration's ``[[conferences]]``, as a user's
settings override the extension's defaults: a stored row holds the whole room (checked by
conferences.check_room) or a tombstone for a configured room that was removed.

Kept in data_dir/conferences.sqlite3 and in memory: every call to a room reads it, so
reads never touch the disk; each change is committed at once and survives a restart. The
next caller gets the change; people already in a room stay in. Rooms never go to the log
with their PINs (Room's repr leaves them out).
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path

from softphone.pbx.conferences import Room, RoomError, check_room, room_settings
from softphone.pbx.config import PbxConfig
from softphone.pbx.listeners import Listeners
from softphone.pbx.sqlite import open_db, transaction

log = logging.getLogger(__name__)

# Append only: entry N moves the database from user_version N to N + 1.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    ("""CREATE TABLE rooms (
            number TEXT PRIMARY KEY,
            data TEXT NOT NULL          -- the room's settings as JSON, or 'null': removed
        ) WITHOUT ROWID""",),
)


class ConferenceStore:
    """``path`` None keeps the changes in memory only (for an API without a daemon)."""

    def __init__(self, path: Path | None, config: PbxConfig) -> None:
        self._config = config
        self._changes: Listeners[[str]] = Listeners("conference store listener")
        self._db: sqlite3.Connection | None = open_db(
            path if path is not None else Path(":memory:"), MIGRATIONS, "conferences database")
        self._rooms: dict[str, Room | None] = {}
        for number, data in self._db.execute("SELECT number, data FROM rooms"):
            self._rooms[number] = _read(number, data)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def subscribe(self, listener: Callable[[str], None]) -> Callable[[], None]:
        """``listener(room number)`` after every change; returns the unsubscriber."""
        return self._changes.subscribe(listener)

    def room(self, number: str) -> Room | None:
        if number in self._rooms:
            return self._rooms[number]
        return self._config.conferences.get(number)

    def rooms(self) -> list[Room]:
        numbers = set(self._config.conferences) | set(self._rooms)
        return [r for r in (self.room(n) for n in sorted(numbers)) if r is not None]

    def taken(self, number: str) -> bool:
        """Is ``number`` an extension's, a ring group's or a door's (so no room's)?"""
        c = self._config
        return number in c.extensions or number in c.ring_groups or number in c.doors

    def put(self, room: Room) -> None:
        """Store ``room`` (checked by check_room) as it is now."""
        self._write(room.number, room)
        log.info("conference room %s set: %s", room.number, room,
                 extra={"event": "conference_room_set", "room": room.number,
                        "access": room.access})

    def remove(self, number: str) -> bool:
        """Take ``number`` out of conference mode; False if it was no room."""
        if self.room(number) is None:
            return False
        self._write(number, None)
        log.info("conference room %s removed", number,
                 extra={"event": "conference_room_removed", "room": number})
        return True

    def _write(self, number: str, room: Room | None) -> None:
        if self._db is None:
            raise RuntimeError("conference store is closed")
        data = "null" if room is None else json.dumps(room_settings(room), sort_keys=True)
        with transaction(self._db):
            self._db.execute("INSERT INTO rooms (number, data) VALUES (?, ?) "
                             "ON CONFLICT (number) DO UPDATE SET data = excluded.data",
                             (number, data))
        self._rooms[number] = room
        self._changes.notify(number)


def _read(number: str, data: str) -> Room | None:
    """A stored row; a damaged one leaves the number without a room (and says so)."""
    try:
        raw = json.loads(data)
        return None if raw is None else check_room(raw)
    except (ValueError, RoomError) as exc:
        log.error("stored conference room %s is unusable (%s); it takes no calls", number,
                  type(exc).__name__)
        return None
