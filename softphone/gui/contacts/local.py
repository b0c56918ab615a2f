"""Local contacts and local favorites, for servers without our client API (plain SIP).

Kept in SQLite in the config directory, beside the call history; contacts come in by hand
or from vCard files (3.0, RFC 2426, and 4.0, RFC 6350: FN, TEL, ORG are read). Used from
the GUI thread only.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS contacts (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    number TEXT NOT NULL,
    department TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS favorites (
    number TEXT PRIMARY KEY,
    position INTEGER NOT NULL
);
"""
_TEL_KEEP = re.compile(r"[^0-9+*#]")


@dataclass
class LocalContact:
    id: int
    name: str
    number: str
    department: str = ""


@dataclass
class VCardContact:
    name: str
    number: str
    department: str = ""


class LocalContacts:
    def __init__(self, path: Path) -> None:
        self._path = Path(path)
        self._path.parent.mkdir(parents=True, exist_ok=True)
        self._db: sqlite3.Connection | None = sqlite3.connect(self._path)
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            self._db.close()
            self._db = None
            raise OSError(f"{self._path}: made by a newer version (schema {version})")
        with self._db:
            self._db.executescript(SCHEMA)
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            raise ValueError("local contacts are closed")
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    # -- contacts --------------------------------------------------------------------------

    def contacts(self) -> list[LocalContact]:
        rows = self.db.execute("SELECT id, name, number, department FROM contacts ORDER BY id")
        return [LocalContact(*row) for row in rows]

    def add(self, name: str, number: str, department: str = "") -> LocalContact:
        with self.db:
            cur = self.db.execute(
                "INSERT INTO contacts (name, number, department) VALUES (?, ?, ?)",
                (name.strip(), number.strip(), department.strip()))
        assert cur.lastrowid is not None
        return LocalContact(cur.lastrowid, name.strip(), number.strip(), department.strip())

    def update(self, contact: LocalContact) -> None:
        with self.db:
            self.db.execute("UPDATE contacts SET name = ?, number = ?, department = ? "
                            "WHERE id = ?",
                            (contact.name.strip(), contact.number.strip(),
                             contact.department.strip(), contact.id))

    def remove(self, contact_id: int) -> None:
        with self.db:
            self.db.execute("DELETE FROM contacts WHERE id = ?", (contact_id,))

    # -- favorites (numbers, in the order they were added) ----------------------------------

    def favorites(self) -> list[str]:
        rows = self.db.execute("SELECT number FROM favorites ORDER BY position, number")
        return [number for (number,) in rows]

    def set_favorite(self, number: str, favorite: bool) -> None:
        with self.db:
            if favorite:
                self.db.execute(
                    "INSERT OR IGNORE INTO favorites (number, position) "
                    "VALUES (?, (SELECT COALESCE(MAX(position), 0) + 1 FROM favorites))",
                    (number,))
            else:
                self.db.execute("DELETE FROM favorites WHERE number = ?", (number,))

    # -- vCard -------------------------------------------------------------------------------

    def import_vcard(self, path: Path) -> int:
        """Add every contact with a phone number from the vCard file; returns how many."""
        text = Path(path).read_bytes().decode("utf-8-sig", errors="replace")
        cards = parse_vcards(text)
        with self.db:
            self.db.executemany(
                "INSERT INTO contacts (name, number, department) VALUES (?, ?, ?)",
                [(c.name, c.number, c.department) for c in cards])
        return len(cards)


def _unescape(value: str) -> str:
    # RFC 6350 section 3.4: \\ \, \; \n (and \N) are escapes in text values.
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def _split_components(value: str) -> list[str]:
    """Split a structured value (ORG) at unescaped semicolons."""
    return [_unescape(part).strip() for part in re.split(r"(?<!\\);", value)]


def _tel_number(value: str) -> str:
    value = value.strip()
    if value.lower().startswith("tel:"):        # vCard 4.0 VALUE=uri (RFC 3966)
        value = value[4:].split(";", 1)[0]
    return _TEL_KEEP.sub("", value)


def _params(spec: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for part in spec.split(";")[1:]:
        key, sep, value = part.partition("=")
        if sep:
            params[key.strip().upper()] = value.strip().strip('"').lower()
        else:                                   # vCard 2.1 style bare TYPE: "TEL;CELL:..."
            params["TYPE"] = ",".join(filter(None, (params.get("TYPE"), key.strip().lower())))
    return params


def parse_vcards(text: str) -> list[VCardContact]:
    """Every (name, number, organisation) of the vCards in `text`, one per TEL.

    A card with several numbers gives several contacts, the number's TYPE ("cell", "home")
    added to the name; a card without a number is skipped.
    """
    # RFC 6350 section 3.2: a line starting with a space or tab continues the previous one.
    lines = re.sub(r"\r?\n[ \t]", "", text).splitlines()
    out: list[VCardContact] = []
    card: dict[str, object] | None = None
    for line in lines:
        spec, sep, value = line.partition(":")
        if not sep:
            continue
        name = spec.split(";", 1)[0].split(".")[-1].strip().upper()   # drop a group prefix
        if name == "BEGIN" and value.strip().upper() == "VCARD":
            card = {"tels": []}
        elif card is None:
            continue
        elif name == "END":
            out.extend(_card_contacts(card))
            card = None
        elif name == "FN":
            card["fn"] = _unescape(value).strip()
        elif name == "N" and "n" not in card:
            parts = _split_components(value)     # family; given; additional; prefix; suffix
            card["n"] = " ".join(p for p in (parts[1:2] + parts[:1]) if p)
        elif name == "ORG":
            card["org"] = " / ".join(p for p in _split_components(value) if p)
        elif name == "TEL":
            number = _tel_number(value)
            if number:
                kinds = _params(spec).get("TYPE", "")
                tels = card["tels"]
                assert isinstance(tels, list)
                tels.append((number, kinds))
    return out


def _card_contacts(card: dict[str, object]) -> list[VCardContact]:
    name = str(card.get("fn") or card.get("n") or "")
    org = str(card.get("org") or "")
    tels = card["tels"]
    assert isinstance(tels, list)
    if not name and org:
        name = org
    contacts = []
    for number, kinds in tels:
        label = ""
        if len(tels) > 1:
            words = [k for k in kinds.replace(",", " ").split() if k not in ("voice", "pref")]
            label = words[0] if words else ""
        shown = name or number
        contacts.append(VCardContact(f"{shown} ({label})" if label else shown, number, org))
    return contacts
