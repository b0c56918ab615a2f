"""Joining a conference room from the contacts: ask for the PIN, call, key it in.

For a PIN room the user gives the PIN before the call (PinDialog, or the keyring if they
let it remember the PIN for that room); once the room answers, the client sends the PIN
and "#" as DTMF (RFC 4733, through the engine): the room counts digits keyed while its
prompt plays, so there is nothing to wait for. Rooms without a PIN are simply called.

When a room turns the call away, ``explained(text)`` says why in words: from the status
code (403 not admitted, 486 full) before the answer, and after it from the Reason of the
room's BYE (403 for a PIN it did not accept, unless the user's own "join" event came:
then the PIN was right); a remembered PIN that failed is forgotten, so the dialog asks
next time. A user who hangs up during the PIN entry is told nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import keyring
import keyring.errors
from PySide6.QtCore import QObject, Signal

from softphone.common.directory import DirectoryEntry
from softphone.common.engine_protocol import CallInfo, CallState, Direction
from softphone.gui.engine_backend import EngineBackend

log = logging.getLogger(__name__)
SERVICE = "softphone-conference"     # keyring service; the user name is the room's number
Ask = Callable[[DirectoryEntry], "tuple[str, bool] | None"]


class RoomPins:
    """PINs the user asked to remember, per room, in the system keyring."""

    def __init__(self, backend: keyring.backend.KeyringBackend | None = None) -> None:
        self._backend = backend

    def _keyring(self) -> keyring.backend.KeyringBackend:
        return self._backend if self._backend is not None else keyring.get_keyring()

    def get(self, room: str) -> str | None:
        try:
            return self._keyring().get_password(SERVICE, room)
        except keyring.errors.KeyringError as exc:
            log.info("no remembered PIN for room %s: %s", room, exc)
            return None

    def remember(self, room: str, pin: str) -> None:
        try:
            self._keyring().set_password(SERVICE, room, pin)
        except keyring.errors.KeyringError as exc:
            log.warning("cannot remember the PIN of room %s: %s", room, exc)

    def forget(self, room: str) -> None:
        try:
            self._keyring().delete_password(SERVICE, room)
        except keyring.errors.KeyringError:
            pass


class ConferenceJoiner(QObject):
    """``call(number)`` places the call (the main window's); ``ask(entry)`` shows the PIN
    dialog and gives (pin, remember), or None when the user cancels; ``me()`` is the
    signed-in extension (to recognise one's own "join" event)."""

    explained = Signal(str)

    def __init__(self, engine: EngineBackend, call: Callable[[str], object], pins: RoomPins,
                 ask: Ask, me: Callable[[], str] = str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._engine = engine
        self._call = call
        self._pins = pins
        self._ask = ask
        self._me = me
        self._pending: dict[str, str] = {}      # room number -> PIN to key in once answered
        self._rooms: dict[str, DirectoryEntry] = {}   # rooms called, by number
        self._keyed: set[str] = set()           # rooms whose PIN went in, not yet admitted
        engine.call_changed.connect(self._on_call)

    def on_conference_event(self, event: dict[str, object]) -> None:
        """The PBX's conference events (PbxBackend.conference_event)."""
        participant = event.get("participant")
        if event.get("event") == "join" and isinstance(participant, dict) and \
                participant.get("number") == self._me():
            self._keyed.discard(str(event.get("room")))

    def join(self, entry: DirectoryEntry) -> None:
        number = entry.number
        self._rooms[number] = entry
        if entry.access == "pin":
            pin = self._pins.get(number)
            if pin is None:
                answer = self._ask(entry)
                if answer is None:
                    return
                pin, remember = answer
                if remember:
                    self._pins.remember(number, pin)
            self._pending[number] = pin
        self._call(number)

    def _on_call(self, info: CallInfo) -> None:
        room = info.remote_number
        if info.direction != Direction.OUT or room not in self._rooms:
            return
        if info.state == CallState.ACTIVE and room in self._pending:
            self._engine.request_dtmf(info.call_id, self._pending.pop(room) + "#")
            self._keyed.add(room)
        elif info.state == CallState.ENDED:
            self._pending.pop(room, None)
            entry = self._rooms.pop(room)
            text = self._why(entry, info, room in self._keyed)
            self._keyed.discard(room)
            if text:
                self.explained.emit(text)

    def _why(self, entry: DirectoryEntry, info: CallInfo, keyed: bool) -> str:
        name = entry.name or entry.number
        if info.connected_at:
            # After the answer the room says why it hung up in its BYE's Reason (RFC 3326):
            # 403 the PIN, 486 full. Without one the user (or the network) ended the call.
            protocol, _, cause = info.cause.partition(";")
            if protocol != "SIP" or not cause.isdigit():
                return ""
            if keyed and int(cause) == 403:
                self._pins.forget(entry.number)
                return self.tr("{room}: the PIN was not accepted").format(room=name)
            if int(cause) == 486:
                return self.tr("{room}: the conference room is full").format(room=name)
            return ""
        if info.code == 486:
            return self.tr("{room}: the conference room is full").format(room=name)
        if info.code == 403 and entry.access == "whitelist":
            return self.tr("{room}: your number is not admitted to this conference room "
                           "(or it was withheld)").format(room=name)
        if info.code == 403:
            return self.tr("{room}: the conference room is locked, or too many wrong PINs "
                           "were tried from your number; try again later").format(room=name)
        return ""
