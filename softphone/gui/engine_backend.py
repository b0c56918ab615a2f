"""The GUI's view of the telephony engine: requests go down, events come up.

EngineBackend is the abstract interface the widgets are written against. EngineClient
(engine_client.py) implements it over the local socket to the engine process;
tests/helpers/fake_engine.py implements it in-process for widget tests. Widgets only call
the request_* methods and listen to the signals, which carry softphone.common dataclasses.
"""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import QObject, Signal

from softphone.common.engine_protocol import AccountConfig, AudioStatus


class EngineState(StrEnum):
    """Values of EngineBackend.engine_state_changed."""

    STARTING = "starting"       # process launched, not connected yet
    RUNNING = "running"         # connected and ready: requests are served
    LOST = "lost"               # the process died or the socket dropped
    RESTARTING = "restarting"   # a new process is being started after a loss
    STOPPED = "stopped"         # stop() was called, or start() not yet


# An error code of the GUI side, beside engine_protocol.ErrorCode: the request could not be
# sent because no engine is connected (it is starting, or restarting after a crash).
ENGINE_UNAVAILABLE = "engine_unavailable"


class EngineBackend(QObject):
    """Abstract engine: subclasses implement _send() and start()/stop().

    Signals:
        registration_changed(RegistrationInfo)
        call_changed(CallInfo)               on every change of any call, ENDED included
        audio_changed(AudioStatus)
        dtmf_received(call_id, digit)        digits the remote side sent (RFC 4733)
        transfer_changed(call_id, state, code)  "trying"|"accepted"|"done"|"failed"
        engine_state_changed(str)            an EngineState value
        request_failed(cmd, error_code, detail)  a request the engine refused
    """

    registration_changed = Signal(object)
    call_changed = Signal(object)
    audio_changed = Signal(object)
    dtmf_received = Signal(str, str)
    transfer_changed = Signal(str, str, int)
    engine_state_changed = Signal(str)
    request_failed = Signal(str, str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state: EngineState = EngineState.STOPPED
        self.audio_status: AudioStatus = AudioStatus()

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def set_account(self, account: AccountConfig) -> None:
        """Register with this account; kept and sent again after an engine restart."""
        raise NotImplementedError

    def request_set_audio(self, input: str | None, output: str | None,
                          ringer: str | None) -> None:
        """Choose audio devices (None: system default); kept across engine restarts."""
        raise NotImplementedError

    def request_set_call_waiting_tone(self, enabled: bool) -> None:
        """Knock while a call waits during another (engine default: on); kept across
        engine restarts."""
        self._send("set_call_waiting_tone", enabled=enabled)

    # -- calls ---------------------------------------------------------------------------

    def _send(self, cmd: str, **args: object) -> None:
        raise NotImplementedError

    def request_call(self, target: str) -> None:
        self._send("call", target=target)

    def request_answer(self, call_id: str) -> None:
        self._send("answer", call_id=call_id)

    def request_reject(self, call_id: str, code: int = 486) -> None:
        self._send("reject", call_id=call_id, code=code)

    def request_hangup(self, call_id: str) -> None:
        self._send("hangup", call_id=call_id)

    def request_hold(self, call_id: str) -> None:
        self._send("hold", call_id=call_id)

    def request_resume(self, call_id: str) -> None:
        self._send("resume", call_id=call_id)

    def request_mute(self, call_id: str, muted: bool) -> None:
        self._send("mute", call_id=call_id, muted=muted)

    def request_dtmf(self, call_id: str, digits: str) -> None:
        self._send("dtmf", call_id=call_id, digits=digits)

    def request_transfer_blind(self, call_id: str, target: str) -> None:
        self._send("transfer_blind", call_id=call_id, target=target)

    def request_transfer_attended(self, call_id: str, to_call_id: str) -> None:
        self._send("transfer_attended", call_id=call_id, to_call_id=to_call_id)

    def _set_state(self, state: EngineState) -> None:
        if state != self.state:
            self.state = state
            self.engine_state_changed.emit(state.value)
