"""The engine's commands: one ``cmd_<name>`` per request of engine_protocol.COMMANDS.

Each command checks its arguments, asks the component that owns the job (account, calls,
audio bridge, ringer, knocker) and returns the response's result; a refusal is a CommandError
with an ErrorCode, never a sentence for the user.  Also the orderly shutdown, which
follows the pjsua2 rules of DESIGN.md step by step.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import pjsua2 as pj

from softphone.common.engine_protocol import (
    PROTOCOL_VERSION,
    AccountConfig,
    ErrorCode,
    to_data,
)
from softphone.engine.account import AccountManager
from softphone.engine.audio import AudioBridge
from softphone.engine.calls import CallManager
from softphone.engine.endpoint import LINGER_S, EngineEndpoint, Graveyard
from softphone.engine.knock import Knocker
from softphone.engine.ringer import Ringer
from softphone.engine.server import CommandError

log = logging.getLogger(__name__)
Emit = Callable[[str, dict[str, Any]], None]
TRANSPORTS = ("udp", "tcp", "tls")
# How long quitting waits for the registrar to answer the un-REGISTER: one UDP
# retransmission (at 0.5 s) fits, and with the final linger it stays below the 1.5 s after
# which the GUI kills the engine (softphone/gui/engine_client.py SHUTDOWN_WAIT_MS).
UNREGISTER_WAIT_S = 1.0


def _pj_detail(exc: pj.Error) -> str:
    return f"{exc.title}: {exc.reason} ({exc.status})"


class Engine:
    def __init__(self, endpoint: EngineEndpoint, accounts: AccountManager, calls: CallManager,
                 bridge: AudioBridge, ringer: Ringer, knocker: Knocker, graveyard: Graveyard,
                 emit: Emit) -> None:
        self.endpoint = endpoint
        self.accounts = accounts
        self.calls = calls
        self.bridge = bridge
        self.ringer = ringer
        self.knocker = knocker
        self.graveyard = graveyard
        self.emit = emit
        self.quitting = False

    def ready(self) -> dict[str, Any]:
        status = self.bridge.status(self.ringer.device)
        return {"version": PROTOCOL_VERSION, "pjsip": self.endpoint.version(),
                "null_audio": status.null_audio,
                "devices": [to_data(d) for d in status.devices]}

    def _call_op(self, fn: Callable[..., None], *args: Any) -> dict[str, Any]:
        """Run a call operation, turning lookups, wrong states and pj errors into codes."""
        try:
            fn(*args)
        except LookupError as exc:
            raise CommandError(ErrorCode.NO_SUCH_CALL, str(exc)) from exc
        except RuntimeError as exc:
            raise CommandError(ErrorCode.INVALID_STATE, str(exc)) from exc
        except pj.Error as exc:
            raise CommandError(ErrorCode.INVALID_STATE, _pj_detail(exc)) from exc
        return {}

    # -- account ---------------------------------------------------------------------

    def cmd_hello(self, version: int | None = None) -> dict[str, Any]:
        return {**self.ready(), "codecs": self.endpoint.codecs}

    def cmd_set_account(self, user: str, password: str, server: str, transport: str = "udp",
                        display_name: str = "", register: bool = True) -> dict[str, Any]:
        if transport not in TRANSPORTS or not user or not server:
            raise CommandError(ErrorCode.BAD_REQUEST, f"bad account {user!r}@{server!r}")
        config = AccountConfig(str(user), str(password), str(server), transport,
                               str(display_name), bool(register))
        try:
            self.accounts.configure(config)
        except KeyError as exc:
            raise CommandError(ErrorCode.TRANSPORT, str(exc)) from exc
        except pj.Error as exc:
            raise CommandError(ErrorCode.TRANSPORT, _pj_detail(exc)) from exc
        return {}

    def cmd_unregister(self) -> dict[str, Any]:
        if self.accounts.account is None:
            raise CommandError(ErrorCode.NO_ACCOUNT)
        self.accounts.unregister()
        return {}

    # -- calls -----------------------------------------------------------------------

    def _uri(self, target: str) -> str:
        try:
            return self.accounts.target_uri(str(target))
        except LookupError as exc:
            raise CommandError(ErrorCode.NO_ACCOUNT) from exc
        except ValueError as exc:
            raise CommandError(ErrorCode.INVALID_NUMBER, str(exc)) from exc

    def cmd_call(self, target: str) -> dict[str, Any]:
        uri = self._uri(target)
        account, _ = self.accounts.require()
        try:
            return {"call_id": self.calls.make_call(account, uri)}
        except pj.Error as exc:
            raise CommandError(ErrorCode.INVALID_NUMBER, _pj_detail(exc)) from exc

    def cmd_answer(self, call_id: str) -> dict[str, Any]:
        return self._call_op(self.calls.answer, call_id)

    def cmd_reject(self, call_id: str, code: int = 486) -> dict[str, Any]:
        if not isinstance(code, int) or not 400 <= code < 700:
            raise CommandError(ErrorCode.BAD_REQUEST, f"not a rejection code: {code!r}")
        return self._call_op(self.calls.reject, call_id, code)

    def cmd_hangup(self, call_id: str) -> dict[str, Any]:
        return self._call_op(self.calls.hangup, call_id)

    def cmd_hold(self, call_id: str) -> dict[str, Any]:
        return self._call_op(self.calls.hold, call_id)

    def cmd_resume(self, call_id: str) -> dict[str, Any]:
        return self._call_op(self.calls.resume, call_id)

    def cmd_mute(self, call_id: str, muted: bool) -> dict[str, Any]:
        return self._call_op(self.calls.mute, call_id, bool(muted))

    def cmd_dtmf(self, call_id: str, digits: str) -> dict[str, Any]:
        digits = str(digits).upper()
        if not digits or any(d not in "0123456789*#ABCD" for d in digits):
            raise CommandError(ErrorCode.BAD_REQUEST, f"not DTMF digits: {digits!r}")
        return self._call_op(self.calls.dtmf, call_id, digits)

    def cmd_transfer_blind(self, call_id: str, target: str) -> dict[str, Any]:
        uri = self._uri(target)
        return self._call_op(self.calls.transfer_blind, call_id, uri)

    def cmd_transfer_attended(self, call_id: str, to_call_id: str) -> dict[str, Any]:
        if call_id == to_call_id:
            raise CommandError(ErrorCode.BAD_REQUEST, "a call cannot replace itself")
        return self._call_op(self.calls.transfer_attended, call_id, to_call_id)

    # -- audio -----------------------------------------------------------------------

    def _audio(self) -> dict[str, Any]:
        status = self.bridge.status(self.ringer.device)
        status.error = status.error or self.ringer.error
        return to_data(status)

    def cmd_list_audio(self) -> dict[str, Any]:
        return self._audio()

    def cmd_set_audio(self, **choice: str | None) -> dict[str, Any]:
        """Only the keys given change; a null value means the system default."""
        self.bridge.choose(choice.get("input", self.bridge.input),
                           choice.get("output", self.bridge.output))
        if "ringer" in choice:
            self.ringer.set_device(choice["ringer"])
        status = self._audio()
        self.emit("audio", status)
        return status

    def cmd_set_ringtone(self, path: str | None = None,
                         enabled: bool | None = None) -> dict[str, Any]:
        try:
            self.ringer.set_ringtone(path, enabled)
        except (OSError, ValueError, EOFError) as exc:
            raise CommandError(ErrorCode.BAD_REQUEST, f"ringtone: {exc}") from exc
        self.ringer.update(self.calls.ringing())
        return {}

    def cmd_set_call_waiting_tone(self, enabled: bool) -> dict[str, Any]:
        self.knocker.set_enabled(bool(enabled), self.calls.waiting())
        return {}

    def cmd_shutdown(self) -> dict[str, Any]:
        self.quitting = True
        return {}

    # -- lifecycle -------------------------------------------------------------------

    def pump(self, seconds: float, until: Callable[[], bool] = lambda: False) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not until():
            self.endpoint.handle_events(10)
            self.graveyard.reap()

    def shutdown(self) -> None:
        """Hang up, unregister, let ports linger, drop every pj object, then libDestroy -
        in our own loop, so libDestroy has nothing left to busy-wait for."""
        self.ringer.update(False)
        self.knocker.update(False)
        if self.calls.calls:
            self.endpoint.hangup_all()
            self.pump(2.0, until=lambda: not self.calls.calls)
        if self.accounts.account is not None:
            self.accounts.unregister()
        self.graveyard.bury(self.knocker.release())
        self.graveyard.bury(self.bridge.release())
        self.calls.forget()
        # pjsua forgets the registration when it sends the un-REGISTER: wait for the
        # registrar's answer (or pjsip's retransmissions), bounded so quitting never
        # hangs; the ports' linger runs meanwhile.
        self.pump(UNREGISTER_WAIT_S, until=lambda: not self.accounts.unregistering())
        self.accounts.shutdown()
        self.pump(LINGER_S + 0.05)   # ports and accounts live >= 200 ms after their last use
        self.graveyard.reap(everything=True)
        self.endpoint.destroy()
