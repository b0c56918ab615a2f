"""The door audit log: every attempt to open a door through the client API, kept in SQLite.

Who asked, which door, when, what came of it ("opened", "refused" by the rights check,
"failed" at the relay) and why. It lives in the PBX's data directory beside the other
stores, so it survives restarts; it keeps the newest MAX_ROWS records so that a script
hammering the open endpoint cannot fill the disk.

An opening is written before the relay is switched (begin(), committed and fsync'd:
synchronous=FULL) and its outcome afterwards (finish()): a door never opens without a
record. A row left "opening" is an attempt whose outcome could not be written.
"""

from __future__ import annotations

import datetime
import sqlite3
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from softphone.pbx.sqlite import open_db, transaction

MAX_ROWS = 100_000
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    ("CREATE TABLE door_audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, "
     "user TEXT NOT NULL, door TEXT NOT NULL, result TEXT NOT NULL, reason TEXT NOT NULL)",
     "CREATE INDEX door_audit_door ON door_audit (door, id)"),
)


class DoorLogError(Exception):
    """The audit log cannot be written (disk full, read-only, locked, I/O error)."""


class DoorResult(StrEnum):
    OPENING = "opening"      # written before the relay is switched; outcome not (yet) known
    OPENED = "opened"
    REFUSED = "refused"      # the user may not open this door; the relay was not touched
    FAILED = "failed"        # the user may, but the relay did not open (or there is none)


@dataclass(frozen=True)
class AuditRecord:
    at: float                # epoch seconds
    user: str
    door: str
    result: DoorResult
    reason: str = ""

    def to_json(self) -> dict[str, str]:
        stamp = datetime.datetime.fromtimestamp(self.at, datetime.UTC)
        return {"at": stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "user": self.user, "door": self.door, "result": self.result.value,
                "reason": self.reason}


class DoorLog:
    """``path`` None keeps the records in memory (tests that build the API alone)."""

    def __init__(self, path: Path | None, max_rows: int = MAX_ROWS) -> None:
        if max_rows < 1:
            raise ValueError("max_rows must be at least 1")
        self._db = open_db(path if path is not None else Path(":memory:"), MIGRATIONS,
                           "door audit log")
        # FULL: every commit is fsync'd before the relay is switched (see begin()).
        self._db.execute("PRAGMA synchronous=FULL")
        # A person waits at the door: a locked database fails fast instead of hanging.
        self._db.execute("PRAGMA busy_timeout=1000")
        self._max_rows = max_rows

    def record(self, record: AuditRecord) -> int:
        """Write ``record``; its row id. DoorLogError when it cannot be written."""
        try:
            with transaction(self._db):
                cursor = self._db.execute(
                    "INSERT INTO door_audit (at, user, door, result, reason) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (record.at, record.user, record.door, record.result.value, record.reason))
                newest = cursor.lastrowid or 0
                # Ids only grow (AUTOINCREMENT), so everything this far behind is the oldest.
                self._db.execute("DELETE FROM door_audit WHERE id <= ?",
                                 (newest - self._max_rows,))
        except sqlite3.Error as exc:
            raise DoorLogError(str(exc)) from None
        return newest

    def finish(self, row: int, result: DoorResult, reason: str) -> None:
        """The outcome of the opening begun as ``row``. DoorLogError if not written."""
        try:
            with transaction(self._db):
                self._db.execute("UPDATE door_audit SET result = ?, reason = ? WHERE id = ?",
                                 (result.value, reason, row))
        except sqlite3.Error as exc:
            raise DoorLogError(str(exc)) from None

    def records(self, door: str | None = None, limit: int = 50) -> list[AuditRecord]:
        """Newest first; only ``door``'s when given."""
        query = "SELECT at, user, door, result, reason FROM door_audit"
        params: tuple[object, ...] = ()
        if door is not None:
            query += " WHERE door = ?"
            params = (door,)
        rows = self._db.execute(query + " ORDER BY id DESC LIMIT ?", (*params, limit))
        return [AuditRecord(at, user, number, DoorResult(result), reason)
                for at, user, number, result, reason in rows]

    def close(self) -> None:
        self._db.close()
