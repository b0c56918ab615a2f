"""The users database: ordered favorites and settings, kept across restarts."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from softphone.common.directory import UserSettings
from softphone.pbx.api.userstore import MIGRATIONS, UserChange, UserStore, UserStoreError


@pytest.fixture
def store(tmp_path: Path) -> Iterator[UserStore]:
    s = UserStore(tmp_path / "users.sqlite3")
    yield s
    s.close()


def test_favorites_keep_their_order_and_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "users.sqlite3"
    store = UserStore(path)
    assert store.favorites("101") == []
    assert store.set_favorites("101", ["102", "100", "200"]) == ["102", "100", "200"]
    store.close()
    store = UserStore(path)
    assert store.favorites("101") == ["102", "100", "200"]
    assert store.favorites("100") == []
    store.close()


def test_add_is_idempotent_and_remove_keeps_the_rest_in_order(store: UserStore) -> None:
    store.add_favorite("101", "102")
    store.add_favorite("101", "100")
    assert store.add_favorite("101", "102") == ["102", "100"]
    store.add_favorite("101", "200")
    assert store.remove_favorite("101", "100") == ["102", "200"]
    assert store.remove_favorite("101", "999") == ["102", "200"]


def test_set_favorites_drops_duplicates(store: UserStore) -> None:
    assert store.set_favorites("101", ["102", "100", "102"]) == ["102", "100"]


def test_settings_default_then_saved(tmp_path: Path) -> None:
    path = tmp_path / "users.sqlite3"
    store = UserStore(path)
    assert store.settings("101") == UserSettings()
    wanted = UserSettings(dnd=True, forward_busy="102", forward_no_answer_after=30,
                          extra={"ring_tone": "classic"})
    store.save_settings("101", wanted)
    store.close()
    store = UserStore(path)
    assert store.settings("101") == wanted
    assert store.settings("102") == UserSettings()
    store.close()


def test_listeners_hear_changes_and_dnd(store: UserStore) -> None:
    seen: list[UserChange] = []
    unsubscribe = store.subscribe(seen.append)
    store.add_favorite("101", "102")
    store.add_favorite("101", "102")                   # no change: no event
    store.save_settings("101", UserSettings(call_waiting=False))
    store.save_settings("101", UserSettings(call_waiting=False, dnd=True))
    store.save_settings("101", UserSettings(call_waiting=False, dnd=True))   # no change
    assert seen == [UserChange("favorites", "101"), UserChange("settings", "101", False),
                    UserChange("settings", "101", True)]
    unsubscribe()
    store.add_favorite("101", "100")
    assert len(seen) == 3


def test_a_failing_listener_does_not_stop_the_write(store: UserStore,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    def broken(change: UserChange) -> None:
        raise RuntimeError("boom")

    seen: list[UserChange] = []
    store.subscribe(broken)
    store.subscribe(seen.append)
    store.add_favorite("101", "102")
    assert store.favorites("101") == ["102"] and len(seen) == 1
    assert "listener failed" in caplog.text


def test_schema_is_versioned_and_newer_databases_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "users.sqlite3"
    UserStore(path).close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(UserStoreError, match="newer than this program"):
        UserStore(path)


def test_damaged_settings_row_falls_back_to_defaults(tmp_path: Path,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "users.sqlite3"
    UserStore(path).close()
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO settings (user, data) VALUES ('101', 'not json')")
    store = UserStore(path)
    assert store.settings("101") == UserSettings()
    assert "unreadable" in caplog.text
    store.close()


def test_closed_store_says_so(tmp_path: Path) -> None:
    store = UserStore(tmp_path / "users.sqlite3")
    store.close()
    with pytest.raises(UserStoreError, match="closed"):
        store.favorites("101")
