"""The GUI's view of the PBX's client API: directory, presence, favorites, own settings.

PbxBackend is the abstract interface the contacts widgets are written against, as
EngineBackend is for calls: widgets call request_* and listen to the signals, which carry
softphone.common.directory dataclasses. PbxClient (pbx_client.py) implements it over HTTP
and the event WebSocket; tests/helpers/fake_pbx.py implements it in-process.

The backend also keeps the last state it reported (entries, favorites, settings, state), so
a widget made later can start from it; subclasses change that state only through the
_set_* helpers below, on the GUI thread, which emit the matching signal.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtCore import QObject, Signal

from softphone.common.directory import DirectoryEntry, EntryType, PresenceUpdate, UserSettings

DEFAULT_API_PORT = 8080


class PbxState(StrEnum):
    """Values of PbxBackend.connection_state_changed."""

    DISCONNECTED = "disconnected"   # connect_to() not called yet, or disconnect() was
    CONNECTING = "connecting"       # logging in / loading, or reconnecting after a loss
    CONNECTED = "connected"         # directory loaded, events flowing
    UNAVAILABLE = "unavailable"     # the server has no client API (a plain SIP server)
    AUTH_FAILED = "auth_failed"     # the API refused the user name or password


class PbxError(StrEnum):
    """Codes of PbxBackend.error(code, detail); the GUI turns them into words."""

    AUTH_FAILED = "auth_failed"         # login refused
    NOT_CONNECTED = "not_connected"     # a request while there is no connection
    REQUEST_FAILED = "request_failed"   # the API answered a request with an error
    PROTOCOL = "protocol"               # an answer or event we could not understand


class DoorError(StrEnum):
    """Codes of door_open_failed / door_video_failed: the API's error codes, and ours for
    failures that never reached it. softphone.gui.door.messages turns them into words."""

    FORBIDDEN = "door_forbidden"        # 403: the user may not open this door
    UNKNOWN = "unknown_door"            # 404
    NO_RELAY = "door_no_relay"          # 409: no door opener configured
    UNREACHABLE = "door_unreachable"    # 502: the relay (or camera) did not answer
    REFUSED = "door_refused"            # 502: the relay refused the PBX's credentials
    NO_VIDEO = "door_no_video"          # 404: the door has no camera
    RATE_LIMITED = "door_rate_limited"  # 429: too many opens by this user this minute
    AUDIT_UNAVAILABLE = "door_audit_unavailable"  # 503: audit log unwritable, door stays shut
    THROTTLED = "account_throttled"     # 429: too many failed logins for this account
    NOT_CONNECTED = "not_connected"     # no connection to the PBX's API
    NETWORK = "network"                 # the request failed on the way (timeout, reset)
    FAILED = "request_failed"           # any other error answer


@dataclass(frozen=True)
class DoorVideoLink:
    """POST /api/v1/doors/{number}/video: a short-lived stream URL (one per connection)."""

    url: str
    expires_in: float = 60.0
    direct_url: str | None = None       # the door's own URL, where the PBX allows it


def api_base_url(server: str, port: int = DEFAULT_API_PORT, tls: bool = False) -> str:
    """The client API's base URL for an account's SIP server ("host", "host:5060", "[::1]")."""
    host = server.strip()
    if host.lower().startswith(("sip:", "sips:")):
        host = host.split(":", 1)[1]
    if host.startswith("["):                       # IPv6 literal, maybe with a port
        host = host[:host.index("]") + 1] if "]" in host else host
    elif host.count(":") == 1:
        host = host.split(":", 1)[0]
    elif host.count(":") > 1:                      # bare IPv6 literal
        host = f"[{host}]"
    return f"{'https' if tls else 'http'}://{host}:{port}"


class PbxBackend(QObject):
    """Abstract PBX client API.

    Signals:
        directory_changed(list[DirectoryEntry])   the whole directory, presence included
        presence_changed(PresenceUpdate)          one extension's new state
        favorites_changed(list[str])              the user's favorite numbers, in order
        settings_changed(UserSettings)
        connection_state_changed(str)             a PbxState value
        error(code, detail)                       a PbxError value and a detail for logs
        door_opened(number, seconds)              request_open_door succeeded
        door_open_failed(number, code, message)   a DoorError value and the PBX's message
        door_video_link(number, DoorVideoLink)    answer to request_door_video
        door_video_failed(number, code, message)  a DoorError value and the PBX's message
        conference_count_changed(number, count)   how many are in a conference room now
        conference_event(dict)                    a room's join/leave/mute/lock/talking event
                                                  (to its participants and administrators)
        conference_room(dict)                     a room and who is in it (request_conference)
    """

    directory_changed = Signal(list)
    presence_changed = Signal(object)
    favorites_changed = Signal(list)
    settings_changed = Signal(object)
    connection_state_changed = Signal(str)
    error = Signal(str, str)
    door_opened = Signal(str, float)
    door_open_failed = Signal(str, str, str)
    door_video_link = Signal(str, object)
    door_video_failed = Signal(str, str, str)
    conference_count_changed = Signal(str, int)
    conference_event = Signal(object)
    conference_room = Signal(object)

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        # PySide 6.11 resolves an inherited disconnect() to QObject's on instances of a
        # subclass: give every subclass its own reference to ours.
        if "disconnect" not in cls.__dict__:
            cls.disconnect = PbxBackend.disconnect  # type: ignore[method-assign]

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state: PbxState = PbxState.DISCONNECTED
        self.entries: list[DirectoryEntry] = []
        self.favorites: list[str] = []
        self.settings: UserSettings | None = None
        self._by_number: dict[str, DirectoryEntry] = {}

    # -- requests ------------------------------------------------------------------------

    def connect_to(self, base_url: str, user: str, password: str) -> None:
        """Log in at `base_url` and keep connected (reconnecting) until disconnect()."""
        raise NotImplementedError

    def disconnect(self, *args: object) -> None:  # type: ignore[override]
        """Close the connection and stop reconnecting. (With arguments: QObject's.)"""
        if args:
            super().disconnect(*args)
            return
        self._disconnect()

    def _disconnect(self) -> None:
        raise NotImplementedError

    def request_set_favorites(self, numbers: list[str]) -> None:
        raise NotImplementedError

    def request_add_favorite(self, number: str) -> None:
        raise NotImplementedError

    def request_remove_favorite(self, number: str) -> None:
        raise NotImplementedError

    def request_settings_update(self, changes: dict[str, object]) -> None:
        """Change some of the user's settings (UserSettings field names as keys)."""
        raise NotImplementedError

    def request_open_door(self, number: str) -> None:
        """Ask the PBX to open door `number` (it checks the right and keeps the audit)."""
        raise NotImplementedError

    def request_door_video(self, number: str) -> None:
        """Ask for a fresh video link of door `number` (links expire: one per connection)."""
        raise NotImplementedError

    def request_conference(self, number: str, action: tuple[str, str] | None = None) -> None:
        """Ask for room `number` as it is now (conference_room answers); `action` is an
        administrator's (method, sub-path) to do first, e.g. ("PUT", "lock") or
        ("DELETE", "participants/<id>")."""
        raise NotImplementedError

    # -- queries ---------------------------------------------------------------------------

    def entry(self, number: str) -> DirectoryEntry | None:
        return self._by_number.get(number)

    def door(self, number: str) -> DirectoryEntry | None:
        """The directory entry of door `number`, or None when `number` is no door."""
        entry = self._by_number.get(number)
        return entry if entry is not None and entry.type == EntryType.DOOR else None

    # -- state, for subclasses (GUI thread only) --------------------------------------------

    def _set_state(self, state: PbxState) -> None:
        if state != self.state:
            self.state = state
            self.connection_state_changed.emit(state.value)

    def _set_directory(self, entries: list[DirectoryEntry]) -> None:
        self.entries = list(entries)
        self._by_number = {entry.number: entry for entry in self.entries}
        self.directory_changed.emit(self.entries)

    def _apply_presence(self, update: PresenceUpdate) -> None:
        entry = self._by_number.get(update.number)
        if entry is not None:
            entry.presence = update.presence
        self.presence_changed.emit(update)

    def _set_favorites(self, numbers: list[str]) -> None:
        numbers = list(dict.fromkeys(numbers))      # no duplicates, order kept
        if numbers != self.favorites:
            self.favorites = numbers
            self.favorites_changed.emit(list(numbers))

    def _set_settings(self, settings: UserSettings) -> None:
        self.settings = settings
        self.settings_changed.emit(settings)
