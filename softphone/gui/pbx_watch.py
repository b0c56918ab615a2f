"""Whether the PBX is there: the window says "PBX unreachable" and ends calls it carried.

The client API's WebSocket is the keep-alive (pings every few seconds, pbx_worker.py): once
the client was connected, a drop to "connecting" means the PBX crashed, hangs or cannot be
reached. Media is anchored at the PBX (every call's RTP passes through it), so a call whose
PBX stays gone for GRACE_MS is dead air: it is ended here with that reason, instead of
showing "connected" forever. A reconnect makes the PBX reachable again; the PBX client
reloads directory and presence by itself. A server without our API (UNAVAILABLE) is never
watched: nothing is known about it beyond SIP.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from softphone.common.engine_protocol import CallInfo, CallState
from softphone.gui.engine_backend import EngineBackend
from softphone.gui.pbx_backend import PbxBackend, PbxState

log = logging.getLogger(__name__)

GRACE_MS = 1500     # a reconnect after a mere blip (a token refresh) takes far less


class PbxWatch(QObject):
    """reachable_changed(bool) when the PBX goes away or comes back; call_lost(CallInfo)
    when a call ended because its PBX was gone."""

    reachable_changed = Signal(bool)
    call_lost = Signal(object)

    def __init__(self, pbx: PbxBackend, engine: EngineBackend,
                 calls: Callable[[], list[CallInfo]], *, grace_ms: int = GRACE_MS,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._engine = engine
        self._calls = calls
        self._seen = False          # connected at least once since connect_to()
        self.reachable = True
        self._lost: set[str] = set()
        self._grace = QTimer(self, singleShot=True, interval=grace_ms)
        self._grace.timeout.connect(self._end_calls)
        pbx.connection_state_changed.connect(self._on_state)
        engine.call_changed.connect(self._on_call)

    def _on_state(self, state: str) -> None:
        if state == PbxState.CONNECTED:
            self._seen = True
            self._grace.stop()
            self._set(True)
        elif state == PbxState.CONNECTING and self._seen:
            if self.reachable:
                self._grace.start()
            self._set(False)
        else:                       # signed out, another account, no API: not watched
            self._seen = False
            self._grace.stop()
            self._set(True)

    def _set(self, reachable: bool) -> None:
        if reachable != self.reachable:
            self.reachable = reachable
            log.info("PBX %s", "reachable again" if reachable else "unreachable",
                     extra={"event": "pbx_reachable", "reachable": reachable})
            self.reachable_changed.emit(reachable)

    def _end_calls(self) -> None:
        for info in self._calls():
            if info.state != CallState.ENDED:
                self._lost.add(info.call_id)
                self._engine.request_hangup(info.call_id)

    def _on_call(self, info: CallInfo) -> None:
        if info.state == CallState.ENDED and info.call_id in self._lost:
            self._lost.discard(info.call_id)
            self.call_lost.emit(info)
