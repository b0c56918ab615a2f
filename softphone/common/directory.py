"""What the PBX's client API talks about: directory entries, presence, a user's settings.

Pure data shared by the PBX (which serves it as JSON over HTTP and pushes it over the
WebSocket) and the client (which shows it). Field names are the JSON names.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any


class EntryType(StrEnum):
    USER = "user"
    RING_GROUP = "ring_group"
    CONFERENCE = "conference"
    DOOR = "door"
    SHARED_LINE = "shared_line"


class Presence(StrEnum):
    """One extension's state, all its devices taken together (a busy lamp's colours)."""

    OFFLINE = "offline"        # no device registered
    AVAILABLE = "available"
    RINGING = "ringing"        # a call is ringing at it (and it is in no other call)
    BUSY = "busy"              # in a call, or placing one
    DND = "dnd"                # do not disturb (and not in a call)


@dataclass
class DirectoryEntry:
    type: EntryType
    number: str
    name: str
    department: str = ""
    presence: Presence | None = None     # users and doors (is the door station online)
    can_open: bool | None = None         # doors only: may the asking user open it
    has_video: bool | None = None        # doors only: is there a camera to look at
    access: str | None = None            # conferences only: "pin", "whitelist" or "open"
    participant_control: bool | None = None   # conferences only: a PIN or a whitelist
    participants: int | None = None      # conferences only: how many are in the room now


@dataclass
class PresenceUpdate:
    number: str
    presence: Presence
    since: float                         # epoch seconds of the change


@dataclass
class UserSettings:
    """Self-service settings of one extension (nothing sensitive: no password, no devices)."""

    dnd: bool = False
    call_waiting: bool = True
    forward_always: str | None = None       # a number, or None
    forward_busy: str | None = None
    forward_no_answer: str | None = None
    forward_no_answer_after: int = 20       # seconds of ringing before forward_no_answer
    busy_on_busy: bool = False              # issue 5: once in a call, new callers get busy
    extra: dict[str, Any] = field(default_factory=dict)


def to_json(obj: Any) -> dict[str, Any]:
    data = asdict(obj)
    return {k: (v.value if isinstance(v, StrEnum) else v) for k, v in data.items()}


def entry_from_json(data: dict[str, Any]) -> DirectoryEntry:
    known = {f.name for f in fields(DirectoryEntry)}
    values = {k: v for k, v in data.items() if k in known}
    values["type"] = EntryType(values["type"])
    if values.get("presence") is not None:
        values["presence"] = Presence(values["presence"])
    return DirectoryEntry(**values)


def settings_from_json(data: dict[str, Any]) -> UserSettings:
    known = {f.name for f in fields(UserSettings)}
    return UserSettings(**{k: v for k, v in data.items() if k in known})
