"""FakePbx: an in-process PbxBackend for widget tests (no HTTP, no thread).

What a real PBX would keep lives in a FakePbxServer, which a test can hand to a second
FakePbx to play a client restart: favorites and settings are still there. connect_to()
answers at once (synchronously): directory, favorites, settings, then CONNECTED - the
order PbxClient reports a (re)synchronisation in.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

from softphone.common.directory import (
    DirectoryEntry,
    Presence,
    PresenceUpdate,
    UserSettings,
)
from softphone.gui.pbx_backend import DoorError, DoorVideoLink, PbxBackend, PbxError, PbxState


@dataclass
class FakePbxServer:
    entries: list[DirectoryEntry] = field(default_factory=list)
    passwords: dict[str, str] = field(default_factory=dict)    # empty: any password works
    favorites: dict[str, list[str]] = field(default_factory=dict)
    settings: dict[str, UserSettings] = field(default_factory=dict)
    has_api: bool = True
    # Doors: the camera each door's video link points at (a doorsim's /video.mjpg), and
    # errors to answer instead of opening (number -> (code, message)).
    video_urls: dict[str, str] = field(default_factory=dict)
    open_errors: dict[str, tuple[str, str]] = field(default_factory=dict)
    video_refusals: list[tuple[str, str]] = field(default_factory=list)  # next link answers
    link_requests: dict[str, int] = field(default_factory=dict)     # door -> links asked
    opened: list[tuple[str, str]] = field(default_factory=list)     # (user, door) opened
    rooms: dict[str, dict[str, Any]] = field(default_factory=dict)  # GET /conferences/{n}


class FakePbx(PbxBackend):
    """Records requests as (name, args) and serves them from its FakePbxServer."""

    def __init__(self, server: FakePbxServer | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self.server = server if server is not None else FakePbxServer()
        self.requests: list[tuple[str, tuple[Any, ...]]] = []
        self.user = ""

    # -- PbxBackend ------------------------------------------------------------------------

    def connect_to(self, base_url: str, user: str, password: str) -> None:
        self.requests.append(("connect_to", (base_url, user, password)))
        self.user = user
        self._set_state(PbxState.CONNECTING)
        if not self.server.has_api:
            self._set_state(PbxState.UNAVAILABLE)
            return
        expected = self.server.passwords.get(user)
        if self.server.passwords and expected != password:
            self._set_state(PbxState.AUTH_FAILED)
            self.error.emit(PbxError.AUTH_FAILED.value, "wrong user name or password")
            return
        self.resync()

    def _disconnect(self) -> None:
        self.requests.append(("disconnect", ()))
        self._set_state(PbxState.DISCONNECTED)

    def request_set_favorites(self, numbers: list[str]) -> None:
        self._store_favorites("set_favorites", list(numbers))

    def request_add_favorite(self, number: str) -> None:
        self._store_favorites("add_favorite", [*self._server_favorites(), number], number)

    def request_remove_favorite(self, number: str) -> None:
        self._store_favorites("remove_favorite",
                              [n for n in self._server_favorites() if n != number], number)

    def request_settings_update(self, changes: dict[str, object]) -> None:
        self.requests.append(("settings_update", (changes,)))
        if self._refuse_unless_connected():
            return
        current = self.server.settings.get(self.user, UserSettings())
        updated = replace(current, **changes)  # type: ignore[arg-type]
        self.server.settings[self.user] = updated
        self._set_settings(updated)

    def request_open_door(self, number: str) -> None:
        """As the PBX decides: the directory's can_open for this user, then the relay."""
        self.requests.append(("open_door", (number,)))
        door = self.door(number)
        if self.state != PbxState.CONNECTED:
            self.door_open_failed.emit(number, DoorError.NOT_CONNECTED.value, "")
        elif door is None:
            self.door_open_failed.emit(number, DoorError.UNKNOWN.value, "no such door")
        elif not door.can_open:
            self.door_open_failed.emit(number, DoorError.FORBIDDEN.value,
                                       f"role user may not open door {number}")
        elif number in self.server.open_errors:
            self.door_open_failed.emit(number, *self.server.open_errors[number])
        else:
            self.server.opened.append((self.user, number))
            self.door_opened.emit(number, 3.0)

    def request_door_video(self, number: str) -> None:
        """A fresh link per request (counted in server.link_requests); refusals first."""
        self.requests.append(("door_video", (number,)))
        count = self.server.link_requests[number] = self.server.link_requests.get(number, 0) + 1
        door = self.door(number)
        if self.state != PbxState.CONNECTED:
            self.door_video_failed.emit(number, DoorError.NOT_CONNECTED.value, "")
        elif self.server.video_refusals:
            self.door_video_failed.emit(number, *self.server.video_refusals.pop(0))
        elif door is None:
            self.door_video_failed.emit(number, DoorError.UNKNOWN.value, "no such door")
        elif not door.has_video or number not in self.server.video_urls:
            self.door_video_failed.emit(number, DoorError.NO_VIDEO.value, "no camera")
        else:
            url = f"{self.server.video_urls[number]}?token=link{count}"
            self.door_video_link.emit(number, DoorVideoLink(url, 60.0))

    def request_conference(self, number: str, action: tuple[str, str] | None = None) -> None:
        self.requests.append(("request_conference", (number, action)))
        if number in self.server.rooms:
            self.conference_room.emit(self.server.rooms[number])

    # -- test helpers ----------------------------------------------------------------------

    def names(self) -> list[str]:
        return [name for name, _ in self.requests]

    def resync(self) -> None:
        """What a (re)connection reports: everything, then CONNECTED."""
        self._set_state(PbxState.CONNECTING)
        self._set_directory([replace(e) for e in self.server.entries])
        self._set_favorites(self._server_favorites())
        self._set_settings(self.server.settings.get(self.user, UserSettings()))
        self._set_state(PbxState.CONNECTED)

    def push_presence(self, number: str, presence: Presence) -> PresenceUpdate:
        for i, entry in enumerate(self.server.entries):
            if entry.number == number:
                self.server.entries[i] = replace(entry, presence=presence)
        update = PresenceUpdate(number, presence, time.time())
        self._apply_presence(update)
        return update

    def lose_connection(self) -> None:
        self._set_state(PbxState.CONNECTING)

    # -- internals -------------------------------------------------------------------------

    def _server_favorites(self) -> list[str]:
        return list(self.server.favorites.get(self.user, []))

    def _store_favorites(self, name: str, numbers: list[str], *args: str) -> None:
        self.requests.append((name, tuple(args) or (numbers,)))
        if self._refuse_unless_connected():
            return
        self.server.favorites[self.user] = list(dict.fromkeys(numbers))
        self._set_favorites(self.server.favorites[self.user])

    def _refuse_unless_connected(self) -> bool:
        if self.state != PbxState.CONNECTED:
            self.error.emit(PbxError.NOT_CONNECTED.value, "not connected")
            return True
        return False
