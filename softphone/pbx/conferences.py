"""Conference rooms in the configuration: `[[conferences]]` tables, validated like the rest.

    [[conferences]]
    number = "300"                # 2-6 digits, not an extension's, group's or door's
    name = "Konferenz"
    access = "pin"                # "pin", "whitelist" or "open"
    pin = "4711"                  # pin rooms: 4-10 digits
    moderator_pin = "9876"        # optional (any room): callers who enter it moderate
    whitelist = ["100", "101"]    # whitelist rooms: the numbers let in
    max_participants = 10         # 2-50
    language = "de"               # prompts: "de" or "en"

The same checks serve rooms an administrator creates or changes through the client API
(``check_room``), so a room is valid however it came to be. A PIN never appears in an
error message or a log line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from softphone.pbx.validate import Validator

ACCESS_MODES = ("pin", "whitelist", "open")
LANGUAGES = ("de", "en")
MIN_PARTICIPANTS, MAX_PARTICIPANTS = 2, 50
KEYS = ("number", "name", "access", "pin", "moderator_pin", "whitelist", "max_participants",
        "language")
_NUMBER = re.compile(r"[0-9]{2,6}")
_PIN = re.compile(r"[0-9]{4,10}")
# An extension (2-6 digits) or an outside number, optionally in E.164 form (ITU-T E.164:
# at most 15 digits after the "+").
_PHONE = re.compile(r"\+?[0-9]{2,15}")


@dataclass(frozen=True)
class Room:
    number: str
    name: str
    access: str = "open"
    pin: str | None = None
    moderator_pin: str | None = None
    whitelist: tuple[str, ...] = ()
    max_participants: int = 10
    language: str = "de"

    @property
    def controlled(self) -> bool:
        """Whether participant control is active (a PIN or a whitelist)."""
        return self.access != "open"

    def __repr__(self) -> str:
        # Never the PINs: a room may end up in a log line or a traceback.
        return (f"Room(number={self.number!r}, name={self.name!r}, access={self.access!r}, "
                f"whitelist={self.whitelist!r}, max_participants={self.max_participants})")


class RoomError(ValueError):
    """A room setting that cannot be used: ``key`` names it, the text says why."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message


def check_room(data: dict[str, Any]) -> Room:
    """A Room from a table of settings (the config file's or an API request's); raises
    RoomError naming the first bad key."""
    for key in data:
        if key not in KEYS:
            raise RoomError(key, "unknown key; expected one of " + ", ".join(KEYS))
    number = _text(data, "number", "")
    if not _NUMBER.fullmatch(number):
        raise RoomError("number", f"{number!r} is not a number of 2-6 digits")
    access = _text(data, "access", "open")
    if access not in ACCESS_MODES:
        raise RoomError("access", f"{access!r} is not one of 'pin', 'whitelist', 'open'")
    pin = _pin(data, "pin")
    moderator_pin = _pin(data, "moderator_pin")
    if access == "pin" and pin is None:
        raise RoomError("pin", "missing: a room with access = \"pin\" needs a PIN of 4-10 digits")
    if pin is not None and pin == moderator_pin:
        raise RoomError("moderator_pin", "must differ from pin")
    whitelist = data.get("whitelist", [])
    if not isinstance(whitelist, list | tuple):
        raise RoomError("whitelist", "expected an array of phone numbers")
    for i, entry in enumerate(whitelist):
        if not isinstance(entry, str) or not _PHONE.fullmatch(entry):
            raise RoomError(f"whitelist[{i}]", f"{entry!r} is not a phone number (2-6 digits "
                                               f"of an extension, or +digits)")
    if access == "whitelist" and not whitelist:
        raise RoomError("whitelist", "needs at least one number with access = \"whitelist\"")
    most = data.get("max_participants", 10)
    if not isinstance(most, int) or isinstance(most, bool):
        raise RoomError("max_participants", "expected an integer")
    if not MIN_PARTICIPANTS <= most <= MAX_PARTICIPANTS:
        raise RoomError("max_participants",
                        f"{most} is out of range {MIN_PARTICIPANTS}-{MAX_PARTICIPANTS}")
    language = _text(data, "language", "de")
    if language not in LANGUAGES:
        raise RoomError("language", f"{language!r} is not one of 'de', 'en'")
    name = _text(data, "name", number).strip() or number
    return Room(number, name, access, pin, moderator_pin, tuple(dict.fromkeys(whitelist)), most,
                language)


def room_settings(room: Room) -> dict[str, Any]:
    """The table check_room reads back into ``room`` (for storing a room)."""
    out: dict[str, Any] = {"number": room.number, "name": room.name, "access": room.access,
                           "whitelist": list(room.whitelist),
                           "max_participants": room.max_participants,
                           "language": room.language}
    if room.pin is not None:
        out["pin"] = room.pin
    if room.moderator_pin is not None:
        out["moderator_pin"] = room.moderator_pin
    return out


def _text(data: dict[str, Any], key: str, default: str) -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        raise RoomError(key, "expected a string")
    return value


def _pin(data: dict[str, Any], key: str) -> str | None:
    if key not in data or data[key] is None:
        return None
    value = data[key]
    if isinstance(value, int) and not isinstance(value, bool):
        # A TOML integer would lose leading zeros ("0815" -> 815).
        raise RoomError(key, "write it as a string of digits, in quotes")
    # The value itself is never repeated: an error message may end up in a log.
    if not isinstance(value, str) or not value.isdigit() or not value.isascii():
        raise RoomError(key, "must be 4-10 digits (0-9 only)")
    if not _PIN.fullmatch(value):
        raise RoomError(key, f"must be 4-10 digits, got {len(value)}")
    return value


def parse_rooms(v: Validator, entries: object, taken: set[str]) -> dict[str, Room]:
    """``[[conferences]]``; ``taken`` are the numbers of extensions, groups and doors."""
    if not isinstance(entries, list):
        raise v.fail("conferences", "expected an array of tables ([[conferences]])")
    rooms: dict[str, Room] = {}
    for index, entry in enumerate(entries):
        p = f"conferences[{index}]"
        if not isinstance(entry, dict):
            raise v.fail(p, "expected a table")
        v.known_keys(entry, p + ".", KEYS)
        try:
            room = check_room(entry)
        except RoomError as exc:
            raise v.fail(f"{p}.{exc.key}", exc.message) from None
        if room.number in taken or room.number in rooms:
            raise v.fail(p + ".number", f"'{room.number}' is already taken")
        rooms[room.number] = room
    return rooms
