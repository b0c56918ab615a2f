"""Fakes of the telephony engine for GUI tests.

FakeEngine: an in-process EngineBackend that records requests and lets a test emit events,
so widget tests need no process.

Script mode, `python -m tests.helpers.fake_engine --socket PATH`: a tiny engine process
(plain Python, no Qt, no pjsua2) for the EngineClient tests. It connects to the GUI's socket,
sends `ready` (with its pid), answers every request per engine_protocol, and scripts events:
set_account -> registration "registered" (reason = the user), call -> a call event
CALLING with call_id "c<N>", target "fail" -> error invalid_number, target "event:NAME" ->
a bogus event, shutdown -> exit.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
from dataclasses import fields, replace
from typing import Any

from softphone.common import engine_protocol as proto
from softphone.common.engine_protocol import (
    AccountConfig,
    AudioStatus,
    CallInfo,
    CallState,
    Direction,
    RegistrationInfo,
    RegState,
)
from softphone.gui.engine_backend import EngineBackend, EngineState


class FakeEngine(EngineBackend):
    """Records requests as (name, args) and emits events on demand."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.requests: list[tuple[str, tuple[Any, ...]]] = []
        self.calls: dict[str, CallInfo] = {}
        self.account: AccountConfig | None = None

    # -- EngineBackend -------------------------------------------------------------------

    def start(self) -> None:
        self.requests.append(("start", ()))
        self.set_engine_state(EngineState.RUNNING)

    def stop(self) -> None:
        self.requests.append(("stop", ()))
        self.set_engine_state(EngineState.STOPPED)

    def set_account(self, account: AccountConfig) -> None:
        self.account = account
        self.requests.append(("set_account", (account,)))

    def request_set_audio(self, input: str | None, output: str | None,
                          ringer: str | None) -> None:
        self.requests.append(("set_audio", (input, output, ringer)))

    def _send(self, cmd: str, **args: object) -> None:
        self.requests.append((cmd, tuple(args.values())))

    # -- test helpers ----------------------------------------------------------------------

    def names(self) -> list[str]:
        return [name for name, _ in self.requests]

    def last(self, name: str) -> tuple[Any, ...]:
        """The arguments of the latest request `name` (AssertionError if none)."""
        for req, args in reversed(self.requests):
            if req == name:
                return args
        raise AssertionError(f"no request {name!r} in {self.names()}")

    def set_engine_state(self, state: EngineState) -> None:
        self._set_state(state)

    def registration(self, state: RegState, code: int = 0, reason: str = "",
                     retry_in: int = 0) -> RegistrationInfo:
        info = RegistrationInfo(state, code=code, reason=reason, retry_in=retry_in)
        self.registration_changed.emit(info)
        return info

    def call(self, call_id: str, state: CallState | None = None, **changes: Any) -> CallInfo:
        """Create or update call `call_id` and emit it; returns the CallInfo sent."""
        known = {f.name for f in fields(CallInfo)}
        bad = set(changes) - known
        if bad:
            raise TypeError(f"unknown CallInfo fields {bad}")
        info = self.calls.get(call_id)
        if info is None:
            info = CallInfo(call_id, state or CallState.CALLING,
                            changes.pop("direction", Direction.OUT))
        if state is not None:
            changes["state"] = state
        info = replace(info, **changes)
        if info.state == CallState.ENDED:
            self.calls.pop(call_id, None)
        else:
            self.calls[call_id] = info
        self.call_changed.emit(info)
        return info

    def incoming(self, call_id: str, number: str, name: str = "") -> CallInfo:
        return self.call(call_id, CallState.INCOMING, direction=Direction.IN,
                         remote_number=number, remote_name=name)

    def audio(self, status: AudioStatus) -> None:
        self.audio_status = status
        self.audio_changed.emit(status)

    def fail(self, cmd: str, code: str, detail: str = "") -> None:
        self.request_failed.emit(cmd, code, detail)


# -- script mode: a fake engine process ----------------------------------------------------

def _serve(path: str) -> int:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    out = sock.makefile("wb")

    def send(obj: dict[str, Any]) -> None:
        out.write(proto.encode(obj))
        out.flush()

    send(proto.event("ready", {"version": proto.PROTOCOL_VERSION, "pjsip": "fake",
                               "null_audio": True, "devices": [], "pid": os.getpid()}))
    calls = 0
    for line in sock.makefile("rb"):
        try:
            req_id, cmd, args = proto.validate_request(proto.decode(line))
        except proto.ProtocolError as exc:
            send(proto.error(-1, proto.ErrorCode.BAD_REQUEST, str(exc)))
            continue
        if cmd == "call" and args["target"] == "fail":
            send(proto.error(req_id, proto.ErrorCode.INVALID_NUMBER, "scripted"))
            continue
        if cmd == "call" and args["target"].startswith("event:"):
            send(proto.event(args["target"][6:], {"x": 1}))
        send(proto.response(req_id))
        if cmd == "shutdown":
            return 0
        if cmd == "set_account":
            info = RegistrationInfo(RegState.REGISTERED, code=200, reason=args["user"],
                                    expires=300)
            send(proto.event("registration", proto.to_data(info)))
        elif cmd == "call":
            calls += 1
            info = CallInfo(f"c{calls}", CallState.CALLING, Direction.OUT,
                            remote_number=args["target"])
            send(proto.event("call", proto.to_data(info)))
        elif cmd == "set_audio":
            status = AudioStatus(input=args.get("input"), output=args.get("output"),
                                 ringer=args.get("ringer"), null_audio=True)
            send(proto.event("audio", proto.to_data(status)))
        elif cmd == "dtmf":
            for digit in args["digits"]:
                send(proto.event("dtmf", {"call_id": args["call_id"], "digit": digit}))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--socket", required=True)
    opts, _ = parser.parse_known_args(argv)
    return _serve(opts.socket)


if __name__ == "__main__":
    sys.exit(main())
