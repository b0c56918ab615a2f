"""Taking over a call on a shared line: retrieve a held call, move a call to another phone.

A member's INVITE to the line's address with `Call-Info: <sip:250@realm>;appearance-
index=N` (as BroadWorks "Shared Call Appearance" phones send it from a line key) asks for
appearance N: a held call is resumed on the new phone; an active one is a barge-in
(barge.py), which the line may forbid (403 "Barge-in is not allowed on this line"); a
privately held one
refuses everyone but its holder (403). The feature code MOVE_CODE moves the line's only
call, or its active one, to the dialling phone (BroadWorks' Call Pull works so).

The new phone's leg replaces the member's leg of the call: the PBX answers its INVITE
with the media anchored at the relay (as pickup does), ends the old leg with BYE and, for
a held call, re-INVITEs the other party back to sendrecv. The appearance changes in the
same event-loop step that decides, so two phones racing end with one winner. Every
takeover is written to the audit log (linelog.py).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from softphone.pbx.features.anchor import AnchorError
from softphone.pbx.features.appearances import Appearance, LineState
from softphone.pbx.features.barge import Barges
from softphone.pbx.features.call import Call, other
from softphone.pbx.features.sharedline import SharedLines
from softphone.pbx.linelog import LineLog, LineRecord
from softphone.pbx.sip.core import SipCore
from softphone.pbx.sip.dialog import Dialog
from softphone.pbx.sip.message import Request
from softphone.pbx.sip.transaction import ServerTransaction, new_tag

log = logging.getLogger(__name__)

MOVE_CODE = "*11"     # "move the line's call to this phone" (BroadWorks' Call Pull code)
_INDEX = re.compile(r";\s*appearance-index\s*=\s*(\d+)", re.IGNORECASE)
NO_BARGE = "Barge-in is not allowed on this line"


class LineTakeover:
    def __init__(self, core: SipCore, lines: SharedLines, find_call: Callable[[str], Call | None],
                 barges: Barges, audit: LineLog | None, wall_clock: Callable[[], float]) -> None:
        self.core = core
        self.barges = barges
        self.lines = lines
        self.find_call = find_call
        self.audit = audit
        self.wall_clock = wall_clock

    def wanted(self, req: Request, callee: str) -> bool:
        """Whether ``req`` is a takeover: to a line naming an appearance, or MOVE_CODE."""
        if callee == MOVE_CODE:
            return True
        return self.lines.line(callee) is not None and \
            _INDEX.search(req.headers.get("Call-Info") or "") is not None

    def invite(self, req: Request, tx: ServerTransaction, member: str, callee: str) -> None:
        if callee == MOVE_CODE:
            self._move(req, tx, member)
            return
        line = self.lines.line(callee)
        found = _INDEX.search(req.headers.get("Call-Info") or "")
        assert line is not None and found is not None
        if member not in line.members:
            self.core.respond(tx, 403, "Not a member of this shared line")
            return
        state = self.lines.states[line.number]
        index = int(found.group(1))
        if not 1 <= index <= len(state.appearances):
            self.core.respond(tx, 404, "No such appearance")
            return
        a = state.appearances[index - 1]
        if a.state == "held-private" and a.member != member:
            self.core.respond(tx, 403, "The call is held privately")
        elif a.state == "held":
            self._take(req, tx, member, state, a, "retrieve")
        elif a.state == "active":
            call = self.find_call(a.call or "")
            if not line.barge_in:
                self.core.respond(tx, 403, NO_BARGE)
            elif call is None or call.ended:
                self.core.respond(tx, 480, "No call on this appearance")
            else:
                self.barges.start(req, tx, member, call, state, a)
        elif a.state in ("alerting", "progressing"):
            self.core.respond(tx, 480, "The call is not answered yet")
        else:
            self.core.respond(tx, 480, "No call on this appearance")

    def _move(self, req: Request, tx: ServerTransaction, member: str) -> None:
        """The line's only call, or its only active one, to the dialling phone."""
        calls = [(s, a) for s in self.lines.states.values() if member in s.line.members
                 for a in s.appearances if a.call is not None and
                 a.state in ("active", "held", "held-private")]
        active = [(s, a) for s, a in calls if a.state == "active"]
        choice = calls if len(calls) == 1 else active
        if len(choice) != 1:
            self.core.respond(tx, 404, "No call to move" if not calls else
                              "More than one call: choose its line key")
            return
        state, a = choice[0]
        if a.state == "held-private" and a.member != member:
            self.core.respond(tx, 403, "The call is held privately")
            return
        self._take(req, tx, member, state, a, "move")

    def _take(self, req: Request, tx: ServerTransaction, member: str, state: LineState,
              a: Appearance, action: str) -> None:
        call = self.find_call(a.call or "")
        side = self.lines.member_side(a.call or "")
        if call is None or side is None or call.ended or not call.answered:
            self.core.respond(tx, 480, "No call on this appearance")
            return
        if not req.body:
            self.core.respond(tx, 488, "An SDP offer is required")
            return
        anchor = call.anchor
        resume = a.state != "active"
        dialog = Dialog.as_uas(req, new_tag(), tx.source, tx.transport,
                               self.core.contact(state.line.number, tx.transport),
                               self.core.sent_by(tx.transport))
        anchor.reset_side(side, tls=tx.transport == "tls")
        try:
            anchor.take(side, req.body)
        except AnchorError as exc:
            self.core.respond(tx, 488, f"Bad SDP: {exc}")
            return
        previous = a.member or ""
        a.state, a.member = "active", member   # decided: a racing phone now sees it taken
        old = call.replace_leg(side, dialog, member)
        if old is not None:
            bye = old.request("BYE", extra=[("Reason", f'SIP;cause=200;text="{action}"')])
            self.core.send_request(bye, old.dest, old.transport, lambda r: None, lambda: None)
        call.devices.pop(side, None)
        call.answer_leg(side, tx, anchor.answer_for(side))
        if resume:
            there = other(side)

            def resumed(answer: bytes | None) -> None:
                if answer:
                    try:
                        anchor.take(there, answer)
                    except AnchorError:
                        log.info("call %s: resume answer unusable", call.info.id)

            call.reinvite(there, anchor.offer_from(side, there), resumed)
        log.info("shared line %s appearance %d: %s by %s", state.line.number, a.index, action,
                 member, extra={"event": "line_" + action, "line": state.line.number,
                                "appearance": a.index, "by": member, "from": previous,
                                "call": call.info.id})
        if self.audit is not None:
            self.audit.record(LineRecord(self.wall_clock(), state.line.number, a.index, action,
                                         member, previous, a.party or ""))
