"""The call history: every ended call in an SQLite file in the config directory.

An incoming call that ended without being connected is *missed*, unless the user rejected
it here (then it is *rejected*, not missed). Every entry has its outcome (busy, no answer,
not registered, ... see softphone.common.call_outcome), read from the SIP status and the
Reason it ended with. Duration is the connected time (0 for calls never connected). Used
from the GUI thread only.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from softphone.common.call_outcome import Outcome, call_outcome
from softphone.common.engine_protocol import CallInfo, CallState, Direction

SCHEMA_VERSION = 3
SCHEMA = """
CREATE TABLE IF NOT EXISTS calls (
    id INTEGER PRIMARY KEY,
    call_id TEXT NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    number TEXT NOT NULL,
    name TEXT NOT NULL,
    uri TEXT NOT NULL,
    started_at REAL NOT NULL,
    connected_at REAL NOT NULL,
    ended_at REAL NOT NULL,
    duration REAL NOT NULL,
    missed INTEGER NOT NULL,
    rejected INTEGER NOT NULL,
    code INTEGER NOT NULL,
    cause TEXT NOT NULL DEFAULT '',
    answered_by TEXT NOT NULL DEFAULT '',
    transferred_from TEXT NOT NULL DEFAULT '',
    -- missed calls count on the window's and the tray's badge until the user saw them
    seen INTEGER NOT NULL DEFAULT 1,
    -- the engine sends an ENDED event per change; one call is recorded once
    UNIQUE (call_id, started_at)
);
CREATE INDEX IF NOT EXISTS calls_started ON calls (started_at DESC);
CREATE INDEX IF NOT EXISTS calls_missed ON calls (missed, started_at DESC);
"""


@dataclass
class HistoryEntry:
    id: int
    direction: Direction
    number: str
    name: str
    started_at: float              # epoch seconds
    duration: float                # seconds connected
    missed: bool
    rejected: bool
    outcome: Outcome = Outcome.ANSWERED
    answered_by: str = ""          # the extension that took it when answered elsewhere
    transferred_from: str = ""     # who the call was with before a transfer moved it


class CallHistory:
    def __init__(self, path: Path) -> None:
        self._path = Path(path)
        self._path.parent.mkdir(parents=True, exist_ok=True)
        self._db: sqlite3.Connection | None = sqlite3.connect(self._path)
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            self._db.close()
            self._db = None
            raise RuntimeError(
                f"{self._path} was written by a newer version (schema {version})"
            )
        with self._db:
            if version == 1:   # 1 -> 2: the Reason's cause (older calls have none)
                self._db.execute("ALTER TABLE calls ADD COLUMN cause TEXT NOT NULL DEFAULT ''")
            if 1 <= version <= 2:   # 2 -> 3: who answered elsewhere
                self._db.execute(
                    "ALTER TABLE calls ADD COLUMN answered_by TEXT NOT NULL DEFAULT ''")
                self._db.execute("ALTER TABLE calls ADD COLUMN seen INTEGER NOT NULL DEFAULT 1")
                self._db.execute(
                    "ALTER TABLE calls ADD COLUMN transferred_from TEXT NOT NULL DEFAULT ''")
            self._db.executescript(SCHEMA)
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @property
    def path(self) -> Path:
        return self._path

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError("call history is closed")
        return self._db

    def record(self, info: CallInfo, *, rejected: bool = False, name: str | None = None
               ) -> None:
        """Record an ended call (recording the same call twice is harmless). `name`: who
        the other end was at the time of the call (the directory's name), else the SIP
        display name is kept."""
        if info.state != CallState.ENDED:
            raise ValueError(f"only ended calls are recorded, not {info.state}")
        ended = info.ended_at or time.time()
        started = info.started_at or ended
        connected = info.connected_at
        duration = max(0.0, ended - connected) if connected else 0.0
        incoming = info.direction == Direction.IN
        rejected = bool(rejected) and incoming and not connected
        missed = call_outcome(incoming=incoming, connected=bool(connected), rejected=rejected,
                              code=info.code, cause=info.cause) == Outcome.MISSED
        number = info.remote_number or info.remote_uri
        with self._conn() as db:
            db.execute(
                "INSERT OR IGNORE INTO calls (call_id, direction, number, name, uri, started_at,"
                " connected_at, ended_at, duration, missed, rejected, code, cause, answered_by,"
                " seen, transferred_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (info.call_id, info.direction.value, number,
                 info.remote_name if name is None else name, info.remote_uri,
                 started, connected, ended, duration, int(missed), int(rejected), info.code,
                 info.cause, info.answered_by, int(not missed), info.transferred_from),
            )

    def unseen_missed(self) -> int:
        """Missed calls the user has not looked at yet (the badge count)."""
        row = self._conn().execute(
            "SELECT COUNT(*) FROM calls WHERE missed = 1 AND seen = 0").fetchone()
        return int(row[0])

    def mark_seen(self) -> None:
        with self._conn() as db:
            db.execute("UPDATE calls SET seen = 1 WHERE seen = 0")

    def entries(self, missed_only: bool = False, limit: int = 200) -> list[HistoryEntry]:
        """The newest `limit` entries, newest first."""
        where = "WHERE missed = 1" if missed_only else ""
        rows = self._conn().execute(
            "SELECT id, direction, number, name, started_at, duration, missed, rejected,"
            f" connected_at, code, cause, answered_by, transferred_from FROM calls {where}"
            " ORDER BY started_at DESC, id DESC LIMIT ?",
            (limit,),
        ).fetchall()
        return [
            HistoryEntry(id=r[0], direction=Direction(r[1]), number=r[2], name=r[3],
                         started_at=r[4], duration=r[5], missed=bool(r[6]), rejected=bool(r[7]),
                         outcome=call_outcome(incoming=r[1] == Direction.IN.value,
                                              connected=bool(r[8]), rejected=bool(r[7]),
                                              code=r[9], cause=r[10]),
                         answered_by=r[11], transferred_from=r[12])
            for r in rows
        ]

    def delete(self, entry_id: int) -> None:
        with self._conn() as db:
            db.execute("DELETE FROM calls WHERE id = ?", (entry_id,))

    def clear(self) -> None:
        with self._conn() as db:
            db.execute("DELETE FROM calls")

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
