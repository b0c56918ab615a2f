"""What the tray icon shows at a glance: available, ringing, in a call, do not disturb,
PBX unreachable (and, drawn over any of them, the missed-call badge: tray.badged()).

TrayStatus collects the inputs (the engine's calls, the PBX's reachability and the user's
DND setting) and emits changed(TrayState) when the icon should change; Tray draws it.
"""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import QObject, Signal

from softphone.common.engine_protocol import CallInfo, CallState, RegistrationInfo, RegState


class TrayState(StrEnum):
    AVAILABLE = "available"
    RINGING = "ringing"
    IN_CALL = "in_call"
    DND = "dnd"
    UNREACHABLE = "unreachable"


# The disc's colour per state: the contacts' presence colours, grey for "cannot phone".
COLORS = {
    TrayState.AVAILABLE: "#2e7d32", TrayState.RINGING: "#ef6c00",
    TrayState.IN_CALL: "#c62828", TrayState.DND: "#8e24aa",
    TrayState.UNREACHABLE: "#757575",
}


class TrayStatus(QObject):
    changed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._calls: dict[str, CallState] = {}
        self._reachable = True
        self._registered = True
        self._dnd = False
        self.state = TrayState.AVAILABLE

    def on_call(self, info: CallInfo) -> None:
        if info.state == CallState.ENDED:
            self._calls.pop(info.call_id, None)
        else:
            self._calls[info.call_id] = info.state
        self._update()

    def set_reachable(self, reachable: bool) -> None:
        self._reachable = reachable
        self._update()

    def on_registration(self, info: RegistrationInfo) -> None:
        """A registration the server refuses or does not answer: no calls come in."""
        self._registered = info.state not in (RegState.FAILED, RegState.RETRYING)
        self._update()

    def set_dnd(self, dnd: bool) -> None:
        self._dnd = dnd
        self._update()

    def _update(self) -> None:
        # A ringing call outranks everything: it is what the user must act on now.
        states = set(self._calls.values())
        if CallState.INCOMING in states:
            state = TrayState.RINGING
        elif states:
            state = TrayState.IN_CALL
        elif not (self._reachable and self._registered):
            state = TrayState.UNREACHABLE
        elif self._dnd:
            state = TrayState.DND
        else:
            state = TrayState.AVAILABLE
        if state != self.state:
            self.state = state
            self.changed.emit(state.value)
