"""Per-user state the client API serves: ordered favorites and self-service settings.

Kept in its own SQLite file (data_dir/users.sqlite3), apart from the registration store:
these writes come from people clicking, a few a minute, and each is committed at once so
a favorite added on one device is on disk before the other devices hear of it. The
B2BUA reads settings (forwarding, DND, call waiting) through settings(number).

Listeners hear of every change (which user, what kind), whoever made it: the WebSocket
pushes it to the user's other devices and presence learns of DND.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from pathlib import Path

from softphone.common.directory import UserSettings, settings_from_json, to_json
from softphone.pbx.listeners import Listeners
from softphone.pbx.sqlite import open_db, transaction

log = logging.getLogger(__name__)

# Schema migrations; entry N moves the database from user_version N to N + 1. Append
# only: a released entry is never edited, because databases in the field already ran it.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE favorites (
            user TEXT NOT NULL,
            position INTEGER NOT NULL,
            number TEXT NOT NULL,
            PRIMARY KEY (user, number)
        ) WITHOUT ROWID""",
        "CREATE INDEX favorites_order ON favorites (user, position)",
        """CREATE TABLE settings (
            user TEXT PRIMARY KEY,
            data TEXT NOT NULL
        ) WITHOUT ROWID""",
    ),
)


class UserStoreError(Exception):
    """The database cannot be used (for example written by a newer version)."""


@dataclass(frozen=True)
class UserChange:
    """One user's favorites or settings changed; ``dnd_changed`` only for settings."""

    kind: str           # "favorites" or "settings"
    number: str
    dnd_changed: bool = False


Listener = Callable[[UserChange], None]


class UserStore:
    def __init__(self, path: Path,
                 defaults: Callable[[str], UserSettings] = lambda number: UserSettings()) -> None:
        self._defaults = defaults  # what a user has before changing anything (configuration)
        self._changes: Listeners[[UserChange]] = Listeners("user store listener")
        try:
            self._db: sqlite3.Connection | None = open_db(path, MIGRATIONS, "users database")
        except ValueError as exc:
            raise UserStoreError(str(exc)) from None

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise UserStoreError("user store is closed")
        return self._db

    @staticmethod
    def _transaction(db: sqlite3.Connection) -> AbstractContextManager[None]:
        return transaction(db)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` after every change; returns the function that unsubscribes."""
        return self._changes.subscribe(listener)

    # Favorites

    def favorites(self, user: str) -> list[str]:
        rows = self._conn().execute(
            "SELECT number FROM favorites WHERE user = ? ORDER BY position", (user,))
        return [row[0] for row in rows.fetchall()]

    def set_favorites(self, user: str, numbers: Sequence[str]) -> list[str]:
        """Replace the whole ordered list (duplicates keep their first place)."""
        ordered = list(dict.fromkeys(numbers))
        if ordered == self.favorites(user):
            return ordered
        db = self._conn()
        with self._transaction(db):
            db.execute("DELETE FROM favorites WHERE user = ?", (user,))
            db.executemany("INSERT INTO favorites (user, position, number) VALUES (?, ?, ?)",
                           [(user, i, n) for i, n in enumerate(ordered)])
        self._changes.notify(UserChange("favorites", user))
        return ordered

    def add_favorite(self, user: str, number: str) -> list[str]:
        """Append ``number`` unless it is already there."""
        current = self.favorites(user)
        if number in current:
            return current
        return self.set_favorites(user, [*current, number])

    def remove_favorite(self, user: str, number: str) -> list[str]:
        current = self.favorites(user)
        if number not in current:
            return current
        return self.set_favorites(user, [n for n in current if n != number])

    # Settings

    def settings(self, number: str) -> UserSettings:
        """The user's settings, the defaults if never changed (what the B2BUA reads)."""
        row = self._conn().execute(
            "SELECT data FROM settings WHERE user = ?", (number,)).fetchone()
        if row is None:
            return self._defaults(number)
        try:
            data = json.loads(row[0])
            return settings_from_json(data if isinstance(data, dict) else {})
        except (ValueError, TypeError):
            # A damaged row must not take the user's calls down: defaults, and say so.
            log.error("settings of %s are unreadable; using defaults", number)
            return UserSettings()

    def save_settings(self, number: str, settings: UserSettings) -> UserSettings:
        old = self.settings(number)
        new = replace(settings, extra=dict(settings.extra))
        if new == old:
            return new
        db = self._conn()
        with self._transaction(db):
            db.execute("INSERT INTO settings (user, data) VALUES (?, ?) "
                       "ON CONFLICT (user) DO UPDATE SET data = excluded.data",
                       (number, json.dumps(to_json(new), sort_keys=True)))
        self._changes.notify(UserChange("settings", number, dnd_changed=old.dnd != new.dnd))
        return new
