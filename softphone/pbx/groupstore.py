"""Ring groups at run time: who is logged in, and the settings an administrator changed.

The configuration says who belongs to a group and how it rings; people change two things
while the PBX runs (through the client API): members log out of a group and in again
("agent login/logout": at home or on a break you leave the hotline without touching the
configuration; every member starts logged in), and an administrator changes the group's
strategy, timeout, ring_time and busy_on_busy. Those changes override the configuration's
values, as a user's settings override the extension's defaults.

Kept in data_dir/groups.sqlite3 and in memory: the router reads the state on every call
to a group, so reads never touch the disk; every change is committed at once and so
survives a restart. A member or group that left the configuration keeps its rows but they
no longer count. Listeners hear of every change (which group).
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from softphone.pbx.config import PbxConfig
from softphone.pbx.listeners import Listeners
from softphone.pbx.ringgroups import STRATEGIES, RingGroup
from softphone.pbx.sqlite import open_db, transaction

log = logging.getLogger(__name__)

# Settings an administrator may change at run time, with the type each is kept as.
SETTING_TYPES: dict[str, type] = {"strategy": str, "timeout": float, "ring_time": float,
                                  "busy_on_busy": bool}

# Append only (see userstore.py): entry N moves the database from user_version N to N + 1.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE logged_out (
            grp TEXT NOT NULL,
            member TEXT NOT NULL,
            PRIMARY KEY (grp, member)
        ) WITHOUT ROWID""",
        """CREATE TABLE group_settings (
            grp TEXT PRIMARY KEY,
            data TEXT NOT NULL
        ) WITHOUT ROWID""",
    ),
)

Listener = Callable[[str], None]


class GroupStoreError(Exception):
    """The database cannot be used (for example written by a newer version)."""


class GroupStore:
    """``path`` None keeps the state in memory only (for an API without a daemon)."""

    def __init__(self, path: Path | None, config: PbxConfig) -> None:
        self._config = config
        self._changes: Listeners[[str]] = Listeners("group store listener")
        try:
            self._db: sqlite3.Connection | None = open_db(
                path if path is not None else Path(":memory:"), MIGRATIONS, "groups database")
        except ValueError as exc:
            raise GroupStoreError(str(exc)) from None
        self._out: dict[str, set[str]] = {}
        self._settings: dict[str, dict[str, Any]] = {}
        for grp, member in self._db.execute("SELECT grp, member FROM logged_out"):
            self._out.setdefault(grp, set()).add(member)
        for grp, data in self._db.execute("SELECT grp, data FROM group_settings"):
            self._settings[grp] = _read_settings(grp, data)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise GroupStoreError("group store is closed")
        return self._db

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(group number)`` after every change; returns the unsubscriber."""
        return self._changes.subscribe(listener)

    # What the router and the API read

    def group(self, number: str) -> RingGroup | None:
        """The configured group with the administrator's changes applied."""
        group = self._config.ring_group(number)
        if group is None:
            return None
        changes = self._settings.get(number)
        return replace(group, **changes) if changes else group

    def logged_out(self, number: str) -> frozenset[str]:
        """The members of group ``number`` who logged out (configured members only)."""
        group = self._config.ring_group(number)
        out = self._out.get(number)
        if group is None or not out:
            return frozenset()
        return frozenset(m for m in group.members if m in out)

    def is_logged_in(self, number: str, member: str) -> bool:
        return member not in self._out.get(number, ())

    # Changes

    def set_logged_in(self, number: str, member: str, logged_in: bool) -> bool:
        """Log ``member`` in or out of group ``number``; False if nothing changed."""
        if self.is_logged_in(number, member) == logged_in:
            return False
        db = self._conn()
        with transaction(db):
            if logged_in:
                db.execute("DELETE FROM logged_out WHERE grp = ? AND member = ?",
                           (number, member))
            else:
                db.execute("INSERT OR IGNORE INTO logged_out (grp, member) VALUES (?, ?)",
                           (number, member))
        out = self._out.setdefault(number, set())
        if logged_in:
            out.discard(member)
        else:
            out.add(member)
        log.info("%s logged %s group %s", member, "into" if logged_in else "out of", number,
                 extra={"event": "group_login" if logged_in else "group_logout",
                        "group": number, "member": member})
        self._changes.notify(number)
        return True

    def change_settings(self, number: str, changes: dict[str, Any]) -> RingGroup | None:
        """Apply checked ``changes`` (names from SETTING_TYPES) to group ``number``."""
        group = self.group(number)
        if group is None:
            return None
        merged = {**self._settings.get(number, {}),
                  **{k: SETTING_TYPES[k](v) for k, v in changes.items()}}
        if replace(group, **merged) == group:
            return group
        db = self._conn()
        with transaction(db):
            db.execute("INSERT INTO group_settings (grp, data) VALUES (?, ?) "
                       "ON CONFLICT (grp) DO UPDATE SET data = excluded.data",
                       (number, json.dumps(merged, sort_keys=True)))
        self._settings[number] = merged
        log.info("group %s settings changed: %s", number, changes,
                 extra={"event": "group_settings", "group": number})
        self._changes.notify(number)
        return self.group(number)


def _read_settings(number: str, data: str) -> dict[str, Any]:
    """Stored settings, keeping only known names of the right type (a damaged row must not
    take the group's calls down: the configuration's values then)."""
    try:
        raw = json.loads(data)
    except ValueError:
        raw = None
    if not isinstance(raw, dict):
        log.error("settings of ring group %s are unreadable; using the configuration", number)
        return {}
    kept: dict[str, Any] = {}
    for name, kind in SETTING_TYPES.items():
        value = raw.get(name)
        if kind is float and isinstance(value, int | float) and not isinstance(value, bool):
            kept[name] = float(value)
        elif kind is not float and isinstance(value, kind) and (
                name != "strategy" or value in STRATEGIES):
            kept[name] = value
    return kept
