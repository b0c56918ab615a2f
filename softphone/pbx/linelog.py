"""The shared lines' audit log: every barge-in, retrieve and move, kept in SQLite.

Who did it, on which line and appearance, when, and whose call it was: a manager may ask
who listened in. It lives in the PBX's data directory, survives restarts and keeps the
newest MAX_ROWS records so that a member's phone retrying in a loop cannot fill the disk.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass
from pathlib import Path

from softphone.pbx.sqlite import insert_bounded, open_db

MAX_ROWS = 100_000
ACTIONS = ("barge", "retrieve", "move")
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    ("CREATE TABLE line_audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, "
     "line TEXT NOT NULL, appearance INTEGER NOT NULL, action TEXT NOT NULL, "
     "user TEXT NOT NULL, previous TEXT NOT NULL, party TEXT NOT NULL)",
     "CREATE INDEX line_audit_line ON line_audit (line, id)"),
)


@dataclass(frozen=True)
class LineRecord:
    at: float             # epoch seconds
    line: str
    appearance: int
    action: str           # one of ACTIONS
    user: str             # the member who did it
    previous: str = ""    # the member who was on the appearance
    party: str = ""       # the other party of the call

    def to_json(self) -> dict[str, object]:
        stamp = datetime.datetime.fromtimestamp(self.at, datetime.UTC)
        return {"at": stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "line": self.line, "appearance": self.appearance, "action": self.action,
                "user": self.user, "previous": self.previous, "party": self.party}


class LineLog:
    """``path`` None keeps the records in memory (tests of the API alone)."""

    def __init__(self, path: Path | None, max_rows: int = MAX_ROWS) -> None:
        if max_rows < 1:
            raise ValueError("max_rows must be at least 1")
        self._db = open_db(path if path is not None else Path(":memory:"), MIGRATIONS,
                           "shared line audit log")
        self._max_rows = max_rows

    def record(self, r: LineRecord) -> None:
        insert_bounded(self._db, "line_audit", dataclasses.asdict(r), self._max_rows)

    def records(self, line: str, limit: int = 50) -> list[LineRecord]:
        """Newest first."""
        rows = self._db.execute(
            "SELECT at, line, appearance, action, user, previous, party FROM line_audit "
            "WHERE line = ? ORDER BY id DESC LIMIT ?", (line, limit))
        return [LineRecord(*row) for row in rows]

    def close(self) -> None:
        self._db.close()
