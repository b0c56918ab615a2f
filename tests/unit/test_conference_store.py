"""Conference rooms at run time: an administrator's rooms and changes override the
configuration's, survive a restart, and a damaged row takes only its own room down."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from softphone.pbx.conferences import check_room
from softphone.pbx.conferencestore import ConferenceStore
from softphone.pbx.config import parse_config

CONFIG = parse_config("""
[[extensions]]
number = "100"
password = "pw100"

[[conferences]]
number = "300"
access = "pin"
pin = "4711"
""", "pbx.toml")


def test_changes_override_the_configuration_and_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "conferences.sqlite3"
    store = ConferenceStore(path, CONFIG)
    seen: list[str] = []
    store.subscribe(seen.append)
    assert [r.number for r in store.rooms()] == ["300"]
    store.put(check_room({"number": "300", "access": "open"}))
    store.put(check_room({"number": "310", "access": "whitelist", "whitelist": ["100"]}))
    assert store.remove("300") and not store.remove("399")
    assert seen == ["300", "310", "300"]
    assert store.taken("100") and not store.taken("310")
    store.close()
    again = ConferenceStore(path, CONFIG)
    assert again.room("300") is None                  # removed, though configured
    room = again.room("310")
    assert room is not None and room.whitelist == ("100",)
    again.close()


def test_a_damaged_row_leaves_only_its_number_without_a_room(tmp_path: Path) -> None:
    path = tmp_path / "conferences.sqlite3"
    ConferenceStore(path, CONFIG).close()
    db = sqlite3.connect(path)
    db.execute("INSERT INTO rooms VALUES ('301', '{\"number\": \"301\", \"pin\": \"1\"}')")
    db.execute("INSERT INTO rooms VALUES ('302', 'not json')")
    db.commit()
    db.close()
    store = ConferenceStore(path, CONFIG)
    assert store.room("301") is None and store.room("302") is None
    assert store.room("300") is not None
    store.close()
