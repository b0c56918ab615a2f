"""Shared lines at run time: which calls each line carries, on which appearance, and what
the INVITEs of a line's calls say about it.

A call to the line takes a free appearance and rings every registered device of every
member (routing.py), naming the line in To and its appearance in
`Call-Info: <sip:250@realm>;appearance-index=N` as BroadWorks "Shared Call Appearance"
phones expect; the dialer cancels the others with `Reason: ... "Call completed elsewhere"`
once one answers (RFC 3326). A member calls out as the line with
`P-Preferred-Identity: <sip:250@realm>` (RFC 3325 section 9.2): the call takes an
appearance and the callee sees the line's number and name in From and
P-Asserted-Identity; anyone else asking for the line's identity gets 403. Every change of
an appearance is told to the listeners (NOTIFYs, API events).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from softphone.pbx.features.appearances import Appearance, LineState
from softphone.pbx.features.callinfo import CallInfo
from softphone.pbx.features.dialer import Party
from softphone.pbx.sharedlines import SharedLine
from softphone.pbx.sip.address import AddressError, NameAddr
from softphone.pbx.sip.message import Request

if TYPE_CHECKING:
    from softphone.pbx.features.call import Call

log = logging.getLogger(__name__)

Listener = Callable[[LineState], None]


class SharedLines:
    def __init__(self, lines: dict[str, SharedLine], realm: str,
                 now: Callable[[], float]) -> None:
        self.realm = realm
        self.states = {number: LineState(line, now) for number, line in lines.items()}
        self.listeners: list[Listener] = []
        self._calls: dict[str, tuple[LineState, bool]] = {}   # call id -> (line, incoming)

    def line(self, number: str) -> SharedLine | None:
        state = self.states.get(number)
        return state.line if state is not None else None

    def claimed(self, req: Request) -> SharedLine | None:
        """The line whose identity a caller asks for with P-Preferred-Identity, if any."""
        value = req.headers.get("P-Preferred-Identity")
        if not value:
            return None
        try:
            user = NameAddr.parse(value.split(",")[0]).uri.user or ""
        except AddressError:
            return None
        return self.line(user)

    def seized_line(self, member: str) -> SharedLine | None:
        """The line on which ``member`` seized an appearance to dial (line-seize)."""
        return next((s.line for s in self.states.values() if s.seized_by(member)), None)

    def take(self, call: str, line: SharedLine, *, incoming: bool, member: str | None,
             party: str) -> Appearance | None:
        """An appearance for a new call of ``line``; None when every one is in use."""
        state = self.states[line.number]
        a = state.take(call, "alerting" if incoming else "progressing", member, party)
        if a is None:
            log.info("shared line %s: every appearance is in use", line.number,
                     extra={"event": "line_busy", "line": line.number, "call": call})
            return None
        self._calls[call] = (state, incoming)
        self._changed(state)
        return a

    def prepare(self, call: Call) -> None:
        """Dress a new call of a line before it rings: the line's identity for outgoing
        calls, the line's name and appearance on the INVITEs of incoming ones."""
        found = self._calls.get(call.info.id)
        if found is None:
            return
        state, incoming = found
        line, a = state.line, state.by_call(call.info.id)
        if a is None:
            return
        if incoming:
            call.line_ring = (line.number, line.name, [
                ("Call-Info", f"<sip:{line.number}@{self.realm}>;appearance-index={a.index}")])
        else:
            call.presented = Party(line.number, line.name)

    def call_changed(self, info: CallInfo) -> None:
        found = self._calls.get(info.id)
        if found is None:
            return
        state, incoming = found
        a = state.by_call(info.id)
        if a is None or info.state == "ended":
            self.release(info.id)
            return
        if info.state == "answered":
            a.state = "active"
            if incoming:
                a.member = info.parties.get("b")
            else:
                a.party = info.parties.get("b")
            self._changed(state)

    def member_side(self, call: str) -> str | None:
        """The side of ``call`` the line's member is on: b for calls to the line, a for
        calls made as the line; None for calls not on a line."""
        found = self._calls.get(call)
        if found is None:
            return None
        return "b" if found[1] else "a"

    def find(self, call: str) -> tuple[LineState, Appearance] | None:
        found = self._calls.get(call)
        a = found[0].by_call(call) if found is not None else None
        return (found[0], a) if found is not None and a is not None else None

    def media(self, call: str, side: str, sdp: bytes) -> None:
        """A re-INVITE's offer from ``side``: the member putting the call on hold
        (a=sendonly or a=inactive, RFC 3264 section 8.4) or taking it back."""
        found = self.find(call)
        if found is None or self.member_side(call) != side:
            return
        state, a = found
        held = any(line.strip() in (b"a=sendonly", b"a=inactive") for line in sdp.splitlines())
        if a.state in ("active", "held", "held-private"):
            new = ("held-private" if a.state == "held-private" else "held") if held else "active"
            if new != a.state:
                a.state = new
                self._changed(state)

    def hold_privately(self, call: str, member: str) -> bool:
        """Private hold: only ``member`` (its holder) may take the call back."""
        found = self.find(call)
        if found is None or found[1].member != member or found[1].state != "held":
            return False
        found[1].state = "held-private"
        self._changed(found[0])
        return True

    def release(self, call: str) -> None:
        """The call's appearance is idle again (the call ended, or never got going)."""
        found = self.find(call)
        self._calls.pop(call, None)
        if found is not None:
            found[0].release(found[1])
            self._changed(found[0])

    def expire(self) -> None:
        for state in self.states.values():
            if state.expire():
                self._changed(state)

    def change(self, number: str, **settings: object) -> SharedLine:
        """An owner's or administrator's change of barge_in / warning_tone /
        warning_interval (api/sharedlines.py checks the values); kept until a restart."""
        state = self.states[number]
        state.line = dataclasses.replace(state.line, **settings)  # type: ignore[arg-type]
        self._changed(state)
        return state.line

    def changed(self, number: str) -> None:
        self._changed(self.states[number])

    def _changed(self, state: LineState) -> None:
        for listener in list(self.listeners):
            listener(state)
