"""Opening the PBX's SQLite files the same way: WAL, explicit transactions, versioned
schemas (PRAGMA user_version counts the migrations applied)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path


def open_db(path: Path, migrations: Sequence[Sequence[str]], what: str) -> sqlite3.Connection:
    """`path` opened and migrated to the newest schema. ValueError (naming `what`) for a
    file written by a newer program: refusing is what loses nothing."""
    # isolation_level=None: transactions are explicit (transaction() below).
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL stays consistent after power loss and only risks the last commits.
    db.execute("PRAGMA synchronous=NORMAL")
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > len(migrations):
        db.close()
        raise ValueError(f"{what} schema version {version} is newer than this program "
                         f"understands ({len(migrations)})")
    for number in range(version, len(migrations)):
        with transaction(db):
            for statement in migrations[number]:
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {number + 1}")
    return db


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any error."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def insert_bounded(db: sqlite3.Connection, table: str, row: dict[str, object],
                   max_rows: int) -> None:
    """Insert ``row`` into an audit ``table`` (id INTEGER PRIMARY KEY AUTOINCREMENT) and
    keep only its newest ``max_rows`` rows, so that a client in a loop cannot fill the disk.
    ``table`` and the column names are the caller's constants, never user input."""
    columns = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    with transaction(db):
        cursor = db.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})",
                            tuple(row.values()))
        newest = cursor.lastrowid or 0
        # Ids only grow (AUTOINCREMENT), so everything this far behind is the oldest.
        db.execute(f"DELETE FROM {table} WHERE id <= ?", (newest - max_rows,))
