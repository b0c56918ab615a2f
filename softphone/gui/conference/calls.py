"""The participant panel beside a call to a conference room (panel.py), kept current.

When a call to a room (a conference entry of the directory) is answered and the PBX
reports the user's own "join" (the PIN was right), the room is asked for (GET, which
answers participants and administrators only) and its events keep the panel current
until the call ends. ``show(panel)`` puts the panel where the app wants it (None: hide).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject

from softphone.common.directory import EntryType
from softphone.common.engine_protocol import CallInfo, CallState, Direction
from softphone.gui.conference.panel import ParticipantPanel
from softphone.gui.engine_backend import EngineBackend
from softphone.gui.pbx_backend import PbxBackend


class ConferenceCalls(QObject):
    def __init__(self, engine: EngineBackend, pbx: PbxBackend, me: Callable[[], str],
                 show: Callable[[ParticipantPanel | None], None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._engine, self._pbx, self._me, self._show = engine, pbx, me, show
        self.panel: ParticipantPanel | None = None
        self.call_id = ""
        self.number = ""
        engine.call_changed.connect(self._on_call)
        pbx.conference_event.connect(self._on_event)
        pbx.conference_room.connect(self._on_room)

    def _on_call(self, info: CallInfo) -> None:
        entry = self._pbx.entry(info.remote_number)
        if info.direction != Direction.OUT or entry is None or \
                entry.type != EntryType.CONFERENCE:
            return
        if info.state == CallState.ACTIVE and self.panel is None:
            self.call_id, self.number = info.call_id, info.remote_number
            self.panel = ParticipantPanel(self._me())
            self.panel.set_room({"number": entry.number, "name": entry.name})
            self.panel.self_mute_requested.connect(
                lambda: self._engine.request_dtmf(self.call_id, "*6"))
            self.panel.action_requested.connect(
                lambda method, sub: self._pbx.request_conference(self.number, (method, sub)))
            self._show(self.panel)
        elif info.state == CallState.ENDED and info.call_id == self.call_id:
            self._show(None)
            if self.panel is not None:
                self.panel.deleteLater()
            self.panel, self.call_id, self.number = None, "", ""

    def _on_event(self, event: dict[str, Any]) -> None:
        if self.panel is None or str(event.get("room")) != self.number:
            return
        participant = event.get("participant")
        if event.get("event") == "join" and isinstance(participant, dict) and \
                participant.get("number") == self._me():
            self._pbx.request_conference(self.number)   # in the room now: the full list
        self.panel.apply(event)

    def _on_room(self, room: dict[str, Any]) -> None:
        if self.panel is not None and str(room.get("number")) == self.number:
            self.panel.set_room(room)
