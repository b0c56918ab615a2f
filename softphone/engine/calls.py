"""Calls: pjsua2 Call objects turned into CallInfo events, and the call operations.

Every call is named by our own ``call_id`` ("c1", "c2", ...): pjsua reuses its call
slots, so its ids would name two calls over time.  A CallInfo event goes out on every
change of any field.  States come from both the INVITE session (onCallState) and the
media (onCallMediaState), which pjsua2 may report in either order - media can be active
before CONFIRMED - so the state is recomputed from both each time, and pjsip's stateText
(which spells DISCONNECTED "DISCONNCTD") is never used.

Operations and their standards: hold/resume are re-INVITEs with sendonly/sendrecv
(RFC 3264 8.4); DTMF is RFC 4733 telephone-event; a blind transfer is REFER (RFC 3515),
an attended one REFER with Replaces (RFC 3891) via pjsua2 Call.xferReplaces; the
transfer's progress arrives as NOTIFYs with sipfrag bodies (RFC 3515 2.4.5), reported as
"transfer" events, and on success we hang up the transferred calls ourselves
(RFC 5589 6.1: the transferor ends its dialogs).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pjsua2 as pj

from softphone.common.call_outcome import answered_by, reason_cause
from softphone.common.engine_protocol import CallInfo, CallState, Direction, to_data
from softphone.engine.audio import AudioBridge
from softphone.engine.endpoint import Graveyard

Emit = Callable[[str, dict[str, Any]], None]
LIVE_STATES = frozenset({CallState.CALLING, CallState.RINGING_OUT, CallState.CONNECTING,
                         CallState.ACTIVE, CallState.HELD, CallState.REMOTE_HELD})
CONNECTED = frozenset({CallState.ACTIVE, CallState.HELD, CallState.REMOTE_HELD})
NAME_ADDR = re.compile(r'^\s*(?:"((?:[^"\\]|\\.)*)"|([^<"]*?))\s*<([^>]*)>')
USER = re.compile(r"^sips?:([^@;>]+)@")
# RFC 3325 9.1: the identity the server asserts; the first of up to two (sip and tel).
PAI = re.compile(r"^P-Asserted-Identity[ \t]*:[ \t]*((?:\"(?:[^\"\\]|\\.)*\")?[^,\r\n]*)",
                 re.IGNORECASE | re.MULTILINE)
# A request inside a dialog has a To tag (RFC 3261 12.2); the first INVITE has none.
IN_DIALOG = re.compile(r"^(?:To|t)[ \t]*:[^\r\n]*;[ \t]*tag=", re.IGNORECASE | re.MULTILINE)


def asserted_identity(message: str) -> str:
    """The P-Asserted-Identity of a SIP message's header, or ""."""
    m = PAI.search(message.split("\r\n\r\n", 1)[0])
    return m.group(1).strip() if m else ""


def op(code: int = 0, flag: int = 0) -> pj.CallOpParam:
    """CallOpParam with default call settings (CallOpParam(True)), a status code, flags."""
    prm = pj.CallOpParam(True)
    prm.statusCode = code
    prm.opt.flag |= flag
    return prm


def _received(event: pj.SipEvent) -> str:
    """The text of the SIP message received that caused a transaction `event`, or ""."""
    if event.type != pj.PJSIP_EVENT_TSX_STATE:
        return ""
    state = event.body.tsxState
    return state.src.rdata.wholeMsg if state.type == pj.PJSIP_EVENT_RX_MSG else ""


def _reason_cause(event: pj.SipEvent) -> str:
    """The Reason of the final response that ended the call, for the call history (see
    softphone.common.call_outcome)."""
    return reason_cause(_received(event))


def parse_remote(uri: str) -> tuple[str, str, str]:
    """(number, display name, URI) of a From/To value like '"Empfang" <sip:100@pbx>'."""
    match = NAME_ADDR.match(uri)
    if match:
        name = (match.group(1) if match.group(1) is not None else match.group(2)).strip()
        name, addr = name.replace('\\"', '"'), match.group(3)
    else:
        name, addr = "", uri.strip()
    user = USER.match(addr)
    return (user.group(1) if user else ""), name, addr


class EngineCall(pj.Call):
    """Forwards pjsua2's callbacks to the CallManager; holds nothing but its name."""

    def __init__(self, manager: CallManager, acc: pj.Account, call_id: str,
                 pj_id: int = pj.PJSUA_INVALID_ID) -> None:
        super().__init__(acc, pj_id)
        self.manager = manager
        self.account = acc   # for calls pjsua makes on this one's behalf (transfer)
        self.call_id = call_id
        self.media_status = pj.PJSUA_CALL_MEDIA_NONE
        self.muted = False
        self.transfer_of: list[str] = []   # calls to end when our REFER succeeded
        self.cancel_cause = ""   # the Reason of a CANCEL: "SIP;200" when answered elsewhere
        self.answered_by = ""    # ... and who answered, when the PBX says so
        # Who the server says is on the other end now (RFC 3325): who answered our call
        # (a pickup, a ring group's member) or, after a transfer, the new party.
        self.asserted = ""
        self.transferred_from = ""

    def _assert(self, message: str) -> bool:
        identity = asserted_identity(message)
        if not identity or identity == self.asserted:
            return False
        self.asserted = identity
        return True

    def onCallState(self, prm: pj.OnCallStateParam) -> None:
        message = _received(prm.e)
        if message.startswith("SIP/2.0 2"):     # the answer to our INVITE
            self._assert(message)
        self.manager.on_state(self, _reason_cause(prm.e) or self.cancel_cause)

    def onCallTsxState(self, prm: pj.OnCallTsxStateParam) -> None:
        # A CANCEL ends the call with pjsip's own 487, not an event carrying the CANCEL.
        message = _received(prm.e)
        if message.startswith(("UPDATE ", "INVITE ")) and IN_DIALOG.search(
                message.split("\r\n\r\n", 1)[0]):
            before = self.manager.infos.get(self.call_id)
            if self._assert(message):
                # The PBX moved the call (a transfer) and says who is there now (RFC 3325
                # with RFC 3311 UPDATE or a re-INVITE).
                if before is not None and before.connected_at:
                    self.transferred_from = before.remote_number
                self.manager.on_state(self)
        if message.startswith("CANCEL "):
            self.cancel_cause = reason_cause(message)
            self.answered_by = answered_by(message)

    def onCallMediaState(self, prm: pj.OnCallMediaStateParam) -> None:
        self.manager.on_media(self)

    def onDtmfDigit(self, prm: pj.OnDtmfDigitParam) -> None:
        self.manager.emit("dtmf", {"call_id": self.call_id, "digit": prm.digit})

    def onCallTransferStatus(self, prm: pj.OnCallTransferStatusParam) -> None:
        self.manager.on_transfer_status(self, prm.statusCode, prm.finalNotify)
        prm.cont = not prm.finalNotify

    def onCallTransferRequest(self, prm: pj.OnCallTransferRequestParam) -> None:
        # We are the transferee (a peer REFERs us): pjsua makes the new call; it must be
        # one of ours to be reported and linked to the audio.
        prm.newCall = self.manager.adopt(self.account, Direction.OUT)

    def onCallReplaced(self, prm: pj.OnCallReplacedParam) -> None:
        # An INVITE with Replaces (RFC 3891) took this call's place: adopt the new one.
        prm.newCall = self.manager.adopt(self.account, Direction.IN, prm.newCallId)


class CallManager:
    """All live calls; the only place that maps pjsua2 state to CallInfo."""

    def __init__(self, emit: Emit, bridge: AudioBridge, graveyard: Graveyard,
                 on_change: Callable[[], None],
                 clock: Callable[[], float] = time.time) -> None:
        self.emit = emit
        self.bridge = bridge
        self.graveyard = graveyard
        self.on_change = on_change      # e.g. the ringer's update
        self.clock = clock
        self.calls: dict[str, EngineCall] = {}
        self.infos: dict[str, CallInfo] = {}
        self.sent: dict[str, CallInfo] = {}      # the last CallInfo emitted per call
        self._next = 0

    def _new_id(self) -> str:
        self._next += 1
        return f"c{self._next}"

    def _add(self, call: EngineCall, direction: Direction, remote_uri: str = "") -> None:
        number, name, uri = parse_remote(remote_uri)
        self.calls[call.call_id] = call
        self.infos[call.call_id] = CallInfo(
            call.call_id, CallState.INCOMING if direction == Direction.IN else CallState.CALLING,
            direction, number, name, uri, started_at=self.clock())

    def adopt(self, acc: pj.Account, direction: Direction,
              pj_id: int = pj.PJSUA_INVALID_ID) -> EngineCall:
        """A Call object for a call pjsua creates by itself (transfer, Replaces)."""
        call = EngineCall(self, acc, self._new_id(), pj_id)
        self._add(call, direction)
        return call

    # -- incoming and outgoing -------------------------------------------------------

    def incoming(self, acc: pj.Account, pj_id: int) -> None:
        call = EngineCall(self, acc, self._new_id(), pj_id)
        self._add(call, Direction.IN, call.getInfo().remoteUri)
        self._publish(call.call_id)
        call.answer(op(180))   # ring (RFC 3261 13.3.1.1); answering is the user's choice
        self.on_change()

    def make_call(self, acc: pj.Account, uri: str) -> str:
        call = EngineCall(self, acc, self._new_id())
        self._add(call, Direction.OUT, uri)
        try:
            call.makeCall(uri, op())
        except pj.Error:
            del self.calls[call.call_id], self.infos[call.call_id]
            self.graveyard.bury(call)
            raise
        self._publish(call.call_id)
        return call.call_id

    # -- pjsua2 callbacks ------------------------------------------------------------

    def on_state(self, call: EngineCall, cause: str = "") -> None:
        if call.call_id not in self.calls:
            return
        info = call.getInfo()
        current = self.infos[call.call_id]
        if current.remote_uri == "" or current.direction == Direction.OUT:
            number, name, uri = parse_remote(info.remoteUri)
            current = replace(current, remote_number=number or current.remote_number,
                              remote_name=name or current.remote_name, remote_uri=uri)
        if call.asserted:
            number, name, uri = parse_remote(call.asserted)
            if number and number != current.remote_number:
                current = replace(current, remote_number=number, remote_name=name,
                                  remote_uri=uri)
        if call.transferred_from and call.transferred_from != current.remote_number:
            current = replace(current, transferred_from=call.transferred_from)
        if info.state == pj.PJSIP_INV_STATE_DISCONNECTED:
            self._publish(call.call_id, replace(
                current, state=CallState.ENDED, code=info.lastStatusCode,
                reason=info.lastReason, cause=cause, answered_by=call.answered_by,
                ended_at=self.clock()))
            self._end(call)
            return
        self._publish(call.call_id, replace(current, state=self._state(call, info.state),
                                            code=info.lastStatusCode, reason=info.lastReason))

    def _state(self, call: EngineCall, inv_state: int) -> CallState:
        info = self.infos[call.call_id]
        if inv_state == pj.PJSIP_INV_STATE_CONFIRMED:
            if call.media_status == pj.PJSUA_CALL_MEDIA_LOCAL_HOLD:
                return CallState.HELD
            if call.media_status == pj.PJSUA_CALL_MEDIA_REMOTE_HOLD:
                return CallState.REMOTE_HELD
            return CallState.ACTIVE
        if inv_state == pj.PJSIP_INV_STATE_CONNECTING:
            return CallState.CONNECTING
        if info.direction == Direction.IN:
            return CallState.INCOMING
        if inv_state == pj.PJSIP_INV_STATE_EARLY:
            return CallState.RINGING_OUT
        return CallState.CALLING

    def on_media(self, call: EngineCall) -> None:
        if call.call_id not in self.calls:
            return
        info = call.getInfo()
        audio = [m for m in info.media if m.type == pj.PJMEDIA_TYPE_AUDIO]
        call.media_status = audio[0].status if audio else pj.PJSUA_CALL_MEDIA_NONE
        if call.media_status == pj.PJSUA_CALL_MEDIA_ACTIVE:
            # Re-link on every callback: hold/resume may give the call a new conf port.
            self.bridge.link(call.getAudioMedia(-1), send_mic=not call.muted)
        self.bridge.set_active(any(c.media_status == pj.PJSUA_CALL_MEDIA_ACTIVE
                                   for c in self.calls.values()))
        if info.state == pj.PJSIP_INV_STATE_CONFIRMED:
            self.on_state(call)

    def on_transfer_status(self, call: EngineCall, code: int, final: bool) -> None:
        if not final:   # 100 Trying from the target, or the REFER's own 202 / a 180 sipfrag
            state = "trying" if code < 180 else "accepted"
        else:
            state = "done" if 200 <= code < 300 else "failed"
        self.emit("transfer", {"call_id": call.call_id, "state": state, "code": code})
        if final and state == "done":
            for call_id in [call.call_id, *call.transfer_of]:
                if call_id in self.calls:
                    self.calls[call_id].hangup(op())

    def _publish(self, call_id: str, info: CallInfo | None = None) -> None:
        """Store a call's new CallInfo and send it if any field changed."""
        info = info or self.infos[call_id]
        if info.state in CONNECTED and not info.connected_at:
            info = replace(info, connected_at=self.clock())
        self.infos[call_id] = info
        if self.sent.get(call_id) != info:
            self.sent[call_id] = info
            self.emit("call", to_data(info))
        self.on_change()

    def _end(self, call: EngineCall) -> None:
        del self.calls[call.call_id]
        self.infos.pop(call.call_id, None)
        self.sent.pop(call.call_id, None)
        call.media_status = pj.PJSUA_CALL_MEDIA_NONE
        self.bridge.set_active(any(c.media_status == pj.PJSUA_CALL_MEDIA_ACTIVE
                                   for c in self.calls.values()))
        self.graveyard.bury(call)   # never deleted inside its own callback
        self.on_change()

    # -- operations (requests) -------------------------------------------------------

    def get(self, call_id: str) -> EngineCall:
        if call_id not in self.calls:
            raise LookupError(call_id)
        return self.calls[call_id]

    def state(self, call_id: str) -> CallState:
        return self.infos[call_id].state

    def answer(self, call_id: str) -> None:
        self._expect(call_id, {CallState.INCOMING})
        self.get(call_id).answer(op(200))

    def reject(self, call_id: str, code: int = 486) -> None:
        self._expect(call_id, {CallState.INCOMING})
        self.get(call_id).hangup(op(code))   # a final response to the INVITE

    def hangup(self, call_id: str) -> None:
        self.get(call_id).hangup(op())   # pjsua picks CANCEL, BYE or 603 (pjsua2 docs)

    def hold(self, call_id: str) -> None:
        self._expect(call_id, {CallState.ACTIVE, CallState.REMOTE_HELD})
        self.get(call_id).setHold(op())

    def resume(self, call_id: str) -> None:
        self._expect(call_id, {CallState.HELD})
        self.get(call_id).reinvite(op(flag=pj.PJSUA_CALL_UNHOLD))

    def mute(self, call_id: str, muted: bool) -> None:
        call = self.get(call_id)
        call.muted = bool(muted)
        if call.media_status == pj.PJSUA_CALL_MEDIA_ACTIVE:
            self.bridge.link(call.getAudioMedia(-1), send_mic=not call.muted)
        self._publish(call_id, replace(self.infos[call_id], muted=call.muted))

    def dtmf(self, call_id: str, digits: str) -> None:
        self._expect(call_id, {CallState.ACTIVE, CallState.REMOTE_HELD})
        prm = pj.CallSendDtmfParam()
        prm.digits = digits
        prm.method = pj.PJSUA_DTMF_METHOD_RFC2833   # RFC 4733 telephone-event
        self.get(call_id).sendDtmf(prm)

    def transfer_blind(self, call_id: str, uri: str) -> None:
        self._expect(call_id, LIVE_STATES - {CallState.CALLING, CallState.RINGING_OUT})
        self.get(call_id).xfer(uri, op())

    def transfer_attended(self, call_id: str, to_call_id: str) -> None:
        """REFER call_id's peer to to_call_id's peer with Replaces (RFC 3891)."""
        confirmed = LIVE_STATES - {CallState.CALLING, CallState.RINGING_OUT, CallState.CONNECTING}
        self._expect(call_id, confirmed)
        self._expect(to_call_id, confirmed)
        call = self.get(call_id)
        call.transfer_of = [to_call_id]
        call.xferReplaces(self.get(to_call_id), op())

    def _expect(self, call_id: str, states: set[CallState] | frozenset[CallState]) -> None:
        self.get(call_id)
        if self.infos[call_id].state not in states:
            raise RuntimeError(f"call {call_id} is {self.infos[call_id].state.value}")

    def ringing(self) -> bool:
        """True when a call is INCOMING and the user is on no other call (the ringer's
        rule).  A call the user put on hold does not count: nothing else would tell them
        of the new call, while a conversation or a call being set up hears the knock
        (waiting()) or nothing instead of a full ring."""
        states = [i.state for i in self.infos.values()]
        busy = LIVE_STATES - {CallState.HELD}
        return CallState.INCOMING in states and not any(s in busy for s in states)

    def waiting(self) -> bool:
        """True when a call is INCOMING while the user talks on another (the knock's rule:
        call waiting, as desk phones do it)."""
        states = [i.state for i in self.infos.values()]
        return CallState.INCOMING in states and CallState.ACTIVE in states

    def forget(self) -> None:
        """Drop every call object (before libDestroy: a Call alive then aborts pjsua2)."""
        for call in self.calls.values():
            self.graveyard.bury(call)
        self.calls.clear()
        self.infos.clear()
