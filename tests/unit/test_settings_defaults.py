"""Busy-on-busy and call waiting are set by configuration (per extension) and by the user
(self-service): the configuration gives the defaults, the user's own change wins."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from softphone.common.directory import UserSettings
from softphone.pbx.api.userstore import UserStore
from softphone.pbx.config import parse_config

CONFIG = """
[[extensions]]
number = "101"
password = "x"
busy_on_busy = true
call_waiting = false
[[extensions]]
number = "102"
password = "x"
"""


def test_configuration_gives_the_defaults_and_the_user_changes_them(tmp_path: Path) -> None:
    config = parse_config(CONFIG, "p.toml")

    def defaults(number: str) -> UserSettings:
        ext = config.extension(number)
        assert ext is not None
        return UserSettings(call_waiting=ext.call_waiting, busy_on_busy=ext.busy_on_busy)

    store = UserStore(tmp_path / "users.sqlite3", defaults)
    assert (store.settings("101").busy_on_busy, store.settings("101").call_waiting) == (
        True, False)
    assert store.settings("102") == UserSettings()
    store.save_settings("101", replace(store.settings("101"), busy_on_busy=False))
    assert store.settings("101").busy_on_busy is False
    assert store.settings("101").call_waiting is False, "the other default stays"
    store.close()
