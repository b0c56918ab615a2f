"""Joining a conference room from the contacts: ask for the PIN, call, key it in.

For a PIN room the user gives the PIN before the call (PinDialog, or the keyring if they
let it remember the PIN for that room); once the room answers, the client sends the PIN
and "#" as DTMF (RFC 4733, through the engine): the room counts digits keyed while its
prompt plays, so there is nothing to wait for. Rooms without a PIN are simply called.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import keyring
import keyring.errors
from PySide6.QtCore import QObject

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
    dialog and gives (pin, remember), or None when the user cancels."""

    def __init__(self, engine: EngineBackend, call: Callable[[str], object], pins: RoomPins,
                 ask: Ask, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._engine = engine
        self._call = call
        self._pins = pins
        self._ask = ask
        self._pending: dict[str, str] = {}      # room number -> PIN to key in once answered
        engine.call_changed.connect(self._on_call)

    def join(self, entry: DirectoryEntry) -> None:
        number = entry.number
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
        if info.direction != Direction.OUT or info.remote_number not in self._pending:
            return
        if info.state == CallState.ACTIVE:
            pin = self._pending.pop(info.remote_number)
            self._engine.request_dtmf(info.call_id, pin + "#")
        elif info.state == CallState.ENDED:
            self._pending.pop(info.remote_number, None)
