"""The door audit log: every attempt to open a door through the client API, kept in SQLite.

Who asked, which door, when, what came of it ("opened", "refused" by the rights check,
"failed" at the relay) and why. It lives in the PBX's data directory beside the other
stores, so it survives restarts. Records are kept by age (``keep_seconds``, a year by
default; security.door_audit_days), never by count: a user hammering the open endpoint
must not push others' records out (the API rate-limits opens per user instead).

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

KEEP_SECONDS = 365 * 86400.0
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    ("CREATE TABLE door_audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, "
     "user TEXT NOT NULL, door TEXT NOT NULL, result TEXT NOT NULL, reason TEXT NOT NULL)",
     "CREATE INDEX door_audit_door ON door_audit (door, id)"),
    ("CREATE INDEX door_audit_at ON door_audit (at)",
     "CREATE INDEX door_audit_user ON door_audit (user, id)"),
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
    id: int = 0              # the row's id once stored: the API's paging cursor

    def to_json(self) -> dict[str, str | int]:
        stamp = datetime.datetime.fromtimestamp(self.at, datetime.UTC)
        return {"id": self.id,
                "at": stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "user": self.user, "door": self.door, "result": self.result.value,
                "reason": self.reason}


class DoorLog:
    """``path`` None keeps the records in memory (tests that build the API alone)."""

    def __init__(self, path: Path | None, keep_seconds: float = KEEP_SECONDS) -> None:
        if keep_seconds <= 0:
            raise ValueError("keep_seconds must be positive")
        self._db = open_db(path if path is not None else Path(":memory:"), MIGRATIONS,
                           "door audit log")
        # FULL: every commit is fsync'd before the relay is switched (see begin()).
        self._db.execute("PRAGMA synchronous=FULL")
        # A person waits at the door: a locked database fails fast instead of hanging.
        self._db.execute("PRAGMA busy_timeout=1000")
        self._keep = keep_seconds

    def record(self, record: AuditRecord) -> int:
        """Write ``record``; its row id. DoorLogError when it cannot be written."""
        try:
            with transaction(self._db):
                cursor = self._db.execute(
                    "INSERT INTO door_audit (at, user, door, result, reason) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (record.at, record.user, record.door, record.result.value, record.reason))
                newest = cursor.lastrowid or 0
                self._db.execute("DELETE FROM door_audit WHERE at < ?",
                                 (record.at - self._keep,))
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

    def records(self, door: str | None = None, limit: int = 50, *, user: str | None = None,
                result: DoorResult | None = None, since: float | None = None,
                until: float | None = None, before: int | None = None) -> list[AuditRecord]:
        """Newest first, at most ``limit``; only those matching what is given: ``door``,
        ``user``, ``result``, ``since`` <= at < ``until``, id < ``before`` (the next
        page starts before the last id of this one)."""
        where = [(column + " ?", value) for column, value in (
            ("door =", door), ("user =", user),
            ("result =", result.value if result is not None else None), ("at >=", since),
            ("at <", until), ("id <", before)) if value is not None]
        query = "SELECT id, at, user, door, result, reason FROM door_audit"
        if where:
            query += " WHERE " + " AND ".join(clause for clause, _ in where)
        rows = self._db.execute(query + " ORDER BY id DESC LIMIT ?",
                                (*(value for _, value in where), limit))
        return [AuditRecord(at, who, number, DoorResult(outcome), reason, row)
                for row, at, who, number, outcome, reason in rows]

    def close(self) -> None:
        self._db.close()
