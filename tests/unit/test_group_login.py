"""Ring groups at run time: logged-out members are not rung, an all-logged-out group goes
to its no-answer destination at once, an administrator's settings override the
configuration; all of it kept in a real SQLite file across a reopen."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

from softphone.pbx.config import parse_config
from softphone.pbx.features.routing import Reject, Ring, Router
from softphone.pbx.groupstore import GroupStore
from tests.unit.test_routing import CONFIG, World, ringing

NO_NEXT = CONFIG.replace('no_answer = "100"\nbusy = "100"\n', "")


def routed(tmp_path: Path, config_text: str = CONFIG) -> tuple[World, GroupStore]:
    config = parse_config(config_text, "t.toml")
    groups = GroupStore(tmp_path / "groups.sqlite3", config)
    w = World(config)
    old = w.router
    w.router = Router(config, old.bindings, old.settings, old.in_call, old.device_in_call,
                      groups.group, groups.logged_out)
    return w, groups


def test_logged_out_members_are_not_rung(tmp_path: Path) -> None:
    w, groups = routed(tmp_path)
    assert groups.set_logged_in("200", "101", False)
    assert not groups.set_logged_in("200", "101", False), "already logged out"
    assert ringing(w.router.route("200", "100")) == ["sip:102@desk", "sip:103@desk"]
    assert ringing(w.router.route("201", "100")) == ["sip:101@desk", "sip:102@desk"], \
        "logged out of 200 only"
    assert ringing(w.router.route("101", "100")) == ["sip:101@desk"], "direct calls ring"
    groups.set_logged_in("200", "101", True)
    assert ringing(w.router.route("200", "100")) == [
        "sip:101@desk", "sip:102@desk", "sip:103@desk"]


def test_all_logged_out_goes_to_no_answer_at_once_and_says_why(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    w, groups = routed(tmp_path)
    for member in ("101", "102", "103"):
        groups.set_logged_in("200", member, False)
    with caplog.at_level(logging.INFO, "softphone.pbx.features.routing"):
        plan = w.router.route("200", "999")
    assert isinstance(plan, Ring) and ringing(plan) == ["sip:100@desk"]
    assert plan.number == "100" and plan.hops == 1
    assert "every member is logged out; going on to 100" in caplog.text


def test_all_logged_out_without_a_destination_is_480(tmp_path: Path) -> None:
    w, groups = routed(tmp_path, NO_NEXT)
    for member in ("101", "102"):
        groups.set_logged_in("201", member, False)
    assert w.router.route("201", "100") == Reject(480, "All members logged out")


def test_a_logged_out_members_call_does_not_make_the_group_busy(tmp_path: Path) -> None:
    w, groups = routed(tmp_path, CONFIG.replace('busy = "100"',
                                                'busy = "100"\nbusy_on_busy = true'))
    w.talking["103"] = {"sip:103@desk"}
    assert ringing(w.router.route("200", "999")) == ["sip:100@desk"], "busy on busy"
    groups.set_logged_in("200", "103", False)
    assert ringing(w.router.route("200", "999")) == ["sip:101@desk", "sip:102@desk"]


def test_settings_override_the_configuration_and_survive_a_reopen(tmp_path: Path) -> None:
    w, groups = routed(tmp_path)
    changed = groups.change_settings("200", {"strategy": "hunt", "ring_time": 7})
    assert changed is not None and (changed.strategy, changed.ring_time) == ("hunt", 7.0)
    plan = w.router.route("200", "100")
    assert isinstance(plan, Ring)
    assert [(s.number, s.timeout) for s in plan.stages] == [
        ("101", 7.0), ("102", 7.0), ("103", 7.0)]
    groups.set_logged_in("200", "102", False)
    groups.close()

    w, groups = routed(tmp_path)
    plan = w.router.route("200", "100")
    assert isinstance(plan, Ring)
    assert [s.number for s in plan.stages] == ["101", "103"]
    assert groups.group("201") == parse_config(CONFIG, "t.toml").ring_group("201")
    assert groups.change_settings("999", {"strategy": "hunt"}) is None
    groups.close()


def test_a_damaged_settings_row_falls_back_to_the_configuration(tmp_path: Path) -> None:
    _, groups = routed(tmp_path)
    groups.change_settings("200", {"strategy": "hunt", "timeout": 9})
    groups.close()
    with sqlite3.connect(tmp_path / "groups.sqlite3") as db:
        db.execute("""UPDATE group_settings SET data = '{"strategy": "bogus", "timeout": 9}'""")
    db.close()
    _, groups = routed(tmp_path)
    group = groups.group("200")
    assert group is not None and (group.strategy, group.timeout) == ("ring-all", 9.0)
    groups.close()
