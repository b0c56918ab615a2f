"""The PBX's runtime state in SQLite: registrations and call history survive a restart.

At thousands of REGISTERs a second a disk commit per message would be the bottleneck, so
writes are queued in memory and committed together by flush(), which the daemon calls from
its own timer (at most every FLUSH_INTERVAL seconds). Reads flush first, so a reader never
sees state older than what it wrote. No threads are started here: the daemon owns timing.
"""

from __future__ import annotations

import itertools
import operator
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from softphone.pbx.sqlite import open_db

# How often the daemon should call flush(): bounds what a crash can lose to 100 ms of
# writes while turning ~300 REGISTERs (at 3,000/s) into one commit.
FLUSH_INTERVAL = 0.1

# Schema migrations; entry N moves the database from user_version N to N + 1. Append
# only: a released entry is never edited, because databases in the field already ran it.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE bindings (
            aor TEXT NOT NULL,
            contact TEXT NOT NULL,
            expires_at REAL NOT NULL,
            source_ip TEXT NOT NULL,
            source_port INTEGER NOT NULL,
            transport TEXT NOT NULL,
            call_id TEXT NOT NULL,
            cseq INTEGER NOT NULL,
            user_agent TEXT NOT NULL DEFAULT '',
            instance TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (aor, contact)
        ) WITHOUT ROWID""",
        "CREATE INDEX bindings_expiry ON bindings (expires_at)",
        """CREATE TABLE calls (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            started_at REAL NOT NULL,
            caller TEXT NOT NULL,
            caller_name TEXT NOT NULL,
            callee TEXT NOT NULL,
            answered_at REAL,
            ended_at REAL,
            result TEXT NOT NULL,
            end_reason TEXT NOT NULL DEFAULT ''
        )""",
        "CREATE INDEX calls_started ON calls (started_at)",
        "CREATE INDEX calls_caller ON calls (caller, started_at)",
        "CREATE INDEX calls_callee ON calls (callee, started_at)",
    ),
)

_UPSERT_BINDING = """
    INSERT INTO bindings (aor, contact, expires_at, source_ip, source_port, transport,
                          call_id, cseq, user_agent, instance)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (aor, contact) DO UPDATE SET
        expires_at = excluded.expires_at, source_ip = excluded.source_ip,
        source_port = excluded.source_port, transport = excluded.transport,
        call_id = excluded.call_id, cseq = excluded.cseq,
        user_agent = excluded.user_agent, instance = excluded.instance"""

_CALL_COLUMNS = "id, started_at, caller, caller_name, callee, answered_at, ended_at, result, " \
                "end_reason"


class StoreError(Exception):
    """The database cannot be used (for example written by a newer version)."""


@dataclass
class Binding:
    """One registered contact of an address-of-record (RFC 3261 section 10.3)."""

    aor: str
    contact: str
    expires_at: float
    source: tuple[str, int]
    transport: str
    call_id: str
    cseq: int
    user_agent: str = ""
    instance: str = ""  # +sip.instance (RFC 5626 section 4.1)


@dataclass
class CallRecord:
    id: str
    started_at: float
    caller: str
    caller_name: str
    callee: str
    answered_at: float | None
    ended_at: float | None
    result: str
    end_reason: str = ""


class Store:
    def __init__(self, path: Path, clock: Callable[[], float] = time.time,
                 max_pending: int = 100_000) -> None:
        self._clock = clock
        # A stalled flush timer must not grow memory without limit: past max_pending
        # queued writes the queue is committed at once.
        self._max_pending = max_pending
        self._pending: list[tuple[str, Sequence[Any]]] = []
        # One transaction per flush; losing the last commits at a power loss (WAL, NORMAL)
        # is the trade the 100 ms queue already makes.
        try:
            self._db: sqlite3.Connection | None = open_db(path, MIGRATIONS, "database")
        except ValueError as exc:
            raise StoreError(str(exc)) from None

    @property
    def pending_writes(self) -> int:
        return len(self._pending)

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise StoreError("store is closed")
        return self._db

    def _queue(self, sql: str, params: Sequence[Any]) -> None:
        self._conn()
        self._pending.append((sql, params))
        if len(self._pending) >= self._max_pending:
            self.flush()

    def flush(self) -> None:
        """Commit every queued write in one transaction."""
        if not self._pending:
            return
        db = self._conn()
        pending, self._pending = self._pending, []
        try:
            self._commit(db, pending, skip_bad=False)
        except sqlite3.Error as exc:
            if isinstance(exc, sqlite3.OperationalError):
                # Disk full, database locked: keep the writes for the next flush to retry.
                self._pending = pending + self._pending
                raise
            # A write that can never succeed (bad value) must not block the others
            # forever: commit the rest and report it.
            failed = self._commit(db, pending, skip_bad=True) or [str(exc)]
            raise StoreError(f"{len(failed)} write(s) dropped: {failed[0]}") from None
        except BaseException:
            self._pending = pending + self._pending
            raise

    @staticmethod
    def _commit(db: sqlite3.Connection, pending: list[tuple[str, Sequence[Any]]],
                skip_bad: bool) -> list[str]:
        failed: list[str] = []
        db.execute("BEGIN")
        try:
            if not skip_bad:
                # Runs of one statement (a burst of REGISTER upserts) go to executemany:
                # one call into sqlite3 per run instead of one per row.
                for sql, group in itertools.groupby(pending, key=operator.itemgetter(0)):
                    db.executemany(sql, [params for _, params in group])
            else:
                for sql, params in pending:
                    try:
                        db.execute(sql, params)
                    except (sqlite3.IntegrityError, sqlite3.InterfaceError,
                            sqlite3.ProgrammingError) as exc:
                        failed.append(f"{exc} in {sql.split('(')[0].strip()}")
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        return failed

    def close(self) -> None:
        if self._db is None:
            return
        try:
            self.flush()
        finally:
            self._db.close()
            self._db = None

    # Registrations

    def save_binding(self, b: Binding) -> None:
        self._queue(_UPSERT_BINDING, (b.aor, b.contact, b.expires_at, b.source[0], b.source[1],
                                      b.transport, b.call_id, b.cseq, b.user_agent, b.instance))

    def delete_binding(self, aor: str, contact: str) -> None:
        self._queue("DELETE FROM bindings WHERE aor = ? AND contact = ?", (aor, contact))

    def delete_bindings(self, aor: str) -> None:
        self._queue("DELETE FROM bindings WHERE aor = ?", (aor,))

    def load_bindings(self) -> list[Binding]:
        """The bindings still valid now; expired ones are deleted on the way."""
        now = self._clock()
        self._queue("DELETE FROM bindings WHERE expires_at <= ?", (now,))
        self.flush()
        rows = self._conn().execute(
            "SELECT aor, contact, expires_at, source_ip, source_port, transport, call_id, "
            "cseq, user_agent, instance FROM bindings ORDER BY aor, contact").fetchall()
        return [Binding(r[0], r[1], r[2], (r[3], r[4]), r[5], r[6], r[7], r[8], r[9])
                for r in rows]

    # Call history

    def call_started(self, rec: CallRecord) -> None:
        self._queue(f"INSERT OR REPLACE INTO calls ({_CALL_COLUMNS}) "
                    f"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (rec.id, rec.started_at, rec.caller, rec.caller_name, rec.callee,
                     rec.answered_at, rec.ended_at, rec.result, rec.end_reason))

    def call_answered(self, call_id: str, at: float) -> None:
        self._queue("UPDATE calls SET answered_at = ?, result = 'answered' WHERE id = ?",
                    (at, call_id))

    def call_ended(self, call_id: str, at: float, result: str, reason: str = "") -> None:
        self._queue("UPDATE calls SET ended_at = ?, result = ?, end_reason = ? WHERE id = ?",
                    (at, result, reason, call_id))

    def call_history(self, extension: str | None = None, limit: int = 100) -> list[CallRecord]:
        """Newest first; ``extension`` keeps the calls it made or received."""
        self.flush()
        db = self._conn()
        order = "ORDER BY started_at DESC, seq DESC LIMIT ?"
        if extension is None:
            rows = db.execute(f"SELECT {_CALL_COLUMNS} FROM calls {order}", (limit,))
        else:
            rows = db.execute(f"SELECT {_CALL_COLUMNS} FROM calls WHERE caller = ? OR callee = ? "
                              f"{order}", (extension, extension, limit))
        return [CallRecord(*row) for row in rows.fetchall()]
