"""[[conferences]] in the PBX configuration: the demo rooms load as the issue asks, and
every mistake names the file, the key and what is wrong, without repeating a PIN."""

from __future__ import annotations

import pytest

from softphone.pbx.conferences import Room, RoomError, check_room
from softphone.pbx.config import ConfigError, load_config, parse_config

USERS = """
[[extensions]]
number = "100"
password = "pw100"

[[extensions]]
number = "101"
password = "pw101"

[[ring_groups]]
number = "200"
members = ["100"]
"""


def room_toml(**keys: object) -> str:
    values = {"number": '"300"', "name": '"Konferenz"', "access": '"pin"', "pin": '"4711"'}
    values.update({k: str(v) for k, v in keys.items()})
    body = "".join(f"{k} = {v}\n" for k, v in values.items() if v != "None")
    return USERS + "[[conferences]]\n" + body


def error(**keys: object) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse_config(room_toml(**keys), "pbx.toml")
    return info.value


def test_the_demo_rooms_are_the_issues() -> None:
    rooms = load_config(None).conferences
    assert rooms == {
        "300": Room("300", "Konferenz", "pin", pin="4711", max_participants=10),
        "301": Room("301", "Vorstand", "whitelist", whitelist=("100", "101"),
                    max_participants=10),
        "302": Room("302", "Offene Runde", "open", max_participants=10),
    }
    assert [r.controlled for r in rooms.values()] == [True, True, False]


@pytest.mark.parametrize(("keys", "key", "message"), [
    ({"pin": '"471"'}, "conferences[0].pin", "must be 4-10 digits, got 3"),
    ({"pin": '"47114711471"'}, "conferences[0].pin", "must be 4-10 digits, got 11"),
    ({"pin": '"47a1"'}, "conferences[0].pin", "must be 4-10 digits (0-9 only)"),
    ({"pin": "4711"}, "conferences[0].pin", "write it as a string of digits, in quotes"),
    ({"pin": "None"}, "conferences[0].pin", "missing: a room with access"),
    ({"moderator_pin": '"12"'}, "conferences[0].moderator_pin", "got 2"),
    ({"moderator_pin": '"4711"'}, "conferences[0].moderator_pin", "must differ from pin"),
    ({"access": '"whitelist"', "whitelist": '["100", "10x"]'}, "conferences[0].whitelist[1]",
     "'10x' is not a phone number"),
    ({"access": '"whitelist"', "whitelist": "[]"}, "conferences[0].whitelist",
     "needs at least one number"),
    ({"max_participants": 1}, "conferences[0].max_participants", "1 is out of range 2-50"),
    ({"max_participants": 51}, "conferences[0].max_participants", "51 is out of range 2-50"),
    ({"access": '"secret"'}, "conferences[0].access", "is not one of 'pin', 'whitelist'"),
    ({"language": '"fr"'}, "conferences[0].language", "'fr' is not one of 'de', 'en'"),
    ({"number": '"100"'}, "conferences[0].number", "'100' is already taken"),
    ({"number": '"200"'}, "conferences[0].number", "'200' is already taken"),
    ({"number": '"3a"'}, "conferences[0].number", "is not a number of 2-6 digits"),
    ({"maximum": 5}, "conferences[0].maximum", "unknown key"),
])
def test_mistakes_name_file_key_and_problem(keys: dict[str, object], key: str,
                                            message: str) -> None:
    err = error(**keys)
    assert err.file == "pbx.toml" and err.key == key
    assert message in err.message
    assert str(err).startswith(f"pbx.toml: {key}: ")


def test_a_wrong_pin_is_never_repeated_in_the_message() -> None:
    for pin in ('"47a1"', '"123"', '"12345678901"'):
        assert pin.strip('"') not in str(error(pin=pin))


def test_a_room_never_shows_its_pins_in_its_repr() -> None:
    room = check_room({"number": "300", "access": "pin", "pin": "4711",
                       "moderator_pin": "9876"})
    assert "4711" not in repr(room) and "9876" not in repr(room)


def test_two_rooms_with_one_number_and_outside_numbers_on_a_whitelist() -> None:
    text = room_toml() + '[[conferences]]\nnumber = "300"\naccess = "open"\n'
    with pytest.raises(ConfigError, match=r"conferences\[1\]\.number: '300' is already taken"):
        parse_config(text, "pbx.toml")
    room = check_room({"number": "301", "access": "whitelist",
                       "whitelist": ["100", "+4930123456", "100"]})
    assert room.whitelist == ("100", "+4930123456")
    with pytest.raises(RoomError, match="whitelist"):
        check_room({"number": "301", "access": "whitelist", "whitelist": "100"})
