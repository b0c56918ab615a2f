"""The door audit log: every attempt to open a door through the client API, kept in SQLite.

Who asked, which door, when, what came of it ("opened", "refused" by the rights check,
"failed" at the relay) and why. It lives in the PBX's data directory beside the other
stores, so it survives restarts; it keeps the newest MAX_ROWS records so that a script
hammering the open endpoint cannot fill the disk.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from softphone.pbx.sqlite import insert_bounded, open_db

MAX_ROWS = 100_000
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    ("CREATE TABLE door_audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, "
     "user TEXT NOT NULL, door TEXT NOT NULL, result TEXT NOT NULL, reason TEXT NOT NULL)",
     "CREATE INDEX door_audit_door ON door_audit (door, id)"),
)


class DoorResult(StrEnum):
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
        self._max_rows = max_rows

    def record(self, record: AuditRecord) -> None:
        insert_bounded(self._db, "door_audit", {
            "at": record.at, "user": record.user, "door": record.door,
            "result": record.result.value, "reason": record.reason}, self._max_rows)

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
