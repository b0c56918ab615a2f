"""Settings checks and directory search, without a server."""

from __future__ import annotations

from dataclasses import fields

import pytest

from softphone.common.directory import EntryType, Presence, UserSettings
from softphone.pbx.api.directory import Directory, search_forms
from softphone.pbx.api.errors import ApiError
from softphone.pbx.api.settings import SETTINGS_FIELDS, SettingsValidator
from tests.helpers.apiserver import FakePresence, api_config

CONFIG = api_config()


def test_api_settings_are_the_model_fields_but_extra() -> None:
    assert set(SETTINGS_FIELDS) == {f.name for f in fields(UserSettings)} - {"extra"}


def apply(patch: dict[str, object], number: str = "101") -> UserSettings:
    return SettingsValidator(CONFIG).apply(number, UserSettings(), patch)


def refused(patch: dict[str, object], number: str = "101") -> ApiError:
    with pytest.raises(ApiError) as info:
        apply(patch, number)
    assert info.value.status == 422
    return info.value


def test_valid_patch_changes_only_its_fields() -> None:
    result = apply({"dnd": True, "forward_busy": "102", "forward_no_answer_after": 120})
    assert result == UserSettings(dnd=True, forward_busy="102", forward_no_answer_after=120)
    assert apply({}) == UserSettings()
    assert apply({"forward_busy": None}) == UserSettings()


@pytest.mark.parametrize(("patch", "field", "code", "words"), [
    ({"dnd": 1}, "dnd", "invalid_type", "must be true or false, not a number"),
    ({"call_waiting": "yes"}, "call_waiting", "invalid_type", "not a string"),
    ({"busy_on_busy": None}, "busy_on_busy", "invalid_type", "not null"),
    ({"forward_always": 102}, "forward_always", "invalid_type", "or null, not a number"),
    ({"forward_always": "999"}, "forward_always", "unknown_number", "'999' is not an extension"),
    ({"forward_busy": "101"}, "forward_busy", "invalid_value", "cannot forward 101 to itself"),
    ({"forward_no_answer_after": 4}, "forward_no_answer_after", "invalid_value",
     "must be 5 to 120 seconds, not 4"),
    ({"forward_no_answer_after": 121}, "forward_no_answer_after", "invalid_value", "not 121"),
    ({"forward_no_answer_after": 20.5}, "forward_no_answer_after", "invalid_type",
     "whole number"),
    ({"forward_no_answer_after": True}, "forward_no_answer_after", "invalid_type", "boolean"),
    ({"extra": {}}, "extra", "unknown_field", "'extra' is not a setting"),
    ({"dnd": True, "colour": "red"}, "colour", "unknown_field", "not a setting"),
])
def test_bad_fields_are_named(patch: dict[str, object], field: str, code: str,
                              words: str) -> None:
    err = refused(patch)
    assert (err.code, err.fields["field"]) == (code, field)
    assert words in err.message


def test_unknown_number_is_given_back() -> None:
    assert refused({"forward_always": "999"}).fields["number"] == "999"


@pytest.mark.parametrize(("text", "form"), [
    ("Müller", "mueller"), ("Müller", "muller"), ("MÜLLER", "mueller"),
    ("Núñez", "nunez"), ("Straße", "strasse"),
])
def test_search_forms(text: str, form: str) -> None:
    assert form in search_forms(text)


def directory() -> Directory:
    presence = FakePresence(list(CONFIG.extensions))
    presence.states["101"] = Presence.BUSY
    return Directory(CONFIG, presence)


@pytest.mark.parametrize(("query", "numbers"), [
    ("", ["100", "101", "102", "200"]),
    ("mueller", ["100"]), ("muller", ["100"]), ("Müller", ["100"]), ("MÜL", ["100"]),
    ("schafer", ["101"]), ("schaefer", ["101"]), ("nunez", ["102"]), ("núñez", ["102"]),
    ("10", ["100", "101", "102"]), ("20", ["200"]), ("recep", ["200"]),
    ("  anna ", ["100"]), ("zzz", []),
])
def test_search_by_name_or_number(query: str, numbers: list[str]) -> None:
    assert sorted(e.number for e in directory().entries(query)) == numbers


def test_entries_sorted_by_name_with_presence() -> None:
    entries = directory().entries()
    assert [e.name for e in entries] == ["Anna Müller", "Bernd Schäfer", "José Núñez",
                                         "Reception"]
    assert entries[1].presence is Presence.BUSY and entries[1].department == "Support"
    assert all(e.type is EntryType.USER for e in entries)


def test_type_filter() -> None:
    d = directory()
    assert len(d.entries(kind=EntryType.USER)) == 4
    assert d.entries(kind=EntryType.DOOR) == []
    assert d.known("100") and not d.known("999")
