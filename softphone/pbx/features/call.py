"""One call through the B2BUA: the caller's leg and the callee's leg, each a dialog of
the PBX's own, with the media anchored between them.

The caller's leg ("a") starts as a UAS dialog: the PBX answers the INVITE itself, with its
own To tag. The callee's leg ("b") is made by a Dialer ringing the callee's devices. A
transfer later puts another peer on either leg (replace_leg); the legs keep their names.
A 2xx to the caller is retransmitted until its ACK arrives (RFC 3261 13.3.1.4).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from softphone.pbx.features.anchor import SDP, AnchorError, MediaAnchor
from softphone.pbx.features.callinfo import CallInfo
from softphone.pbx.features.dialer import Dialer, Party, completed_elsewhere
from softphone.pbx.features.outcome import CANCELLED, FAILED, failure_result, reason_header
from softphone.pbx.features.routing import RING_TIMEOUT, Decision, Ring
from softphone.pbx.features.sessiontimer import CallTimer, SessionTimers
from softphone.pbx.sip.clock import Clock, TimerHandle
from softphone.pbx.sip.core import SipCore
from softphone.pbx.sip.dialog import Dialog
from softphone.pbx.sip.message import Request, Response
from softphone.pbx.sip.transaction import DEFAULT_TIMERS, ServerTransaction, Timers, new_tag
from softphone.pbx.store import Binding

log = logging.getLogger(__name__)


def other(side: str) -> str:
    return "b" if side == "a" else "a"


class CallRegistry(Protocol):
    """The B2BUA's index from dialog (Call-ID, our tag) to call, kept current by the call."""

    def bind(self, dialog: Dialog, call: Call) -> None: ...
    def unbind(self, dialog: Dialog) -> None: ...
    def changed(self, call: Call) -> None: ...


class Call:
    def __init__(
        self, core: SipCore, clock: Clock, anchor: MediaAnchor, invite: Request,
        tx: ServerTransaction, info: CallInfo, registry: CallRegistry,
        timers: Timers = DEFAULT_TIMERS, session_timers: SessionTimers | None = None,
    ) -> None:
        self.core = core
        self.clock = clock
        self.anchor = anchor
        self.info = info
        self.registry = registry
        self.timers = timers
        # RFC 4028 (sessiontimer.py): negotiated with the caller now, the callee on answer.
        self.session_timers = session_timers
        self.session = session_timers.for_caller(invite) if session_timers else CallTimer()
        self.a_tx: ServerTransaction | None = tx
        a = Dialog.as_uas(invite, new_tag(), tx.source, tx.transport,
                          core.contact(info.callee, tx.transport), core.sent_by(tx.transport))
        self.legs: dict[str, Dialog | None] = {"a": a, "b": None}
        self.info.parties = {"a": info.caller, "b": info.callee}
        self.dialer: Dialer | None = None
        self.pickers: list[Dialer] = []     # colleagues' phones ringing to take the call
        self.pending: set[str] = set()      # sides with a re-INVITE in flight (14.1: 491)
        self.devices: dict[str, str] = {}   # side -> Contact of the device on it (call waiting)
        # A member calling as a shared line: the identity callees see (sharedline.py).
        self.presented: Party | None = None
        # A call to a shared line: (line number, its name, headers naming the appearance)
        # for the INVITEs to the members' devices.
        self.line_ring: tuple[str, str, list[tuple[str, str]]] | None = None
        self._retransmit: dict[str, TimerHandle] = {}   # side -> 2xx resend timer
        self.ended = False
        registry.bind(a, self)

    @property
    def a(self) -> Dialog:
        leg = self.legs["a"]
        assert leg is not None
        return leg

    @property
    def answered(self) -> bool:
        return self.legs["b"] is not None

    def dialog(self, side: str) -> Dialog | None:
        return self.legs[side]

    # -- ringing --------------------------------------------------------------------------

    def ring(self, plan: Ring, offer: bytes, max_forwards: int,
             reroute: Callable[[str, int], Decision]) -> None:
        """Ring the plan's stages in turn; on busy or no answer follow its next destination
        (`reroute(number, hops)` asks the router again), all while the caller hears ringing."""
        self.plan, self.stage, self.reroute = plan, 0, reroute
        self.offer, self.max_forwards = offer, max_forwards
        self._ring_stage()

    def _ring_stage(self) -> None:
        stage = self.plan.stages[self.stage]
        line = self.line_ring if self.line_ring and self.line_ring[0] == stage.number else None
        self.dialer = Dialer(
            self.core, self.clock,
            caller=self.presented or Party(self.info.caller, self.info.caller_name),
            callee=stage.number, bindings=stage.bindings, offer=self.offer,
            ring_timeout=stage.timeout or RING_TIMEOUT, on_progress=self._on_progress,
            on_answer=self._on_answer, on_fail=self._on_stage_failed,
            max_forwards=self.max_forwards, secure_offer=self.anchor.secure_offer("b"),
            on_transport=self._b_transport,
            callee_name=line[1] if line else "",
            extra=[*(line[2] if line else []),
                   *(self.session_timers.offer_headers() if self.session_timers else [])],
        )
        self.info.devices = [b.contact for b in stage.bindings]
        self.info.ringing = sorted({b.aor for b in stage.bindings})
        self.dialer.start()
        self.registry.changed(self)

    def _b_transport(self, transport: str) -> None:
        """The callee's device that answers signals over `transport`: SRTP only over TLS."""
        self.anchor.tls["b"] = transport == "tls"

    def _on_stage_failed(self, status: int, reason: str) -> None:
        if self.a_tx is None or self.ended:
            return
        no_answer = status in (408, 480)
        if no_answer and self.stage + 1 < len(self.plan.stages):
            self.stage += 1  # ordered hunt: the next member
            self._ring_stage()
            return
        target = self.plan.on_busy if status in (486, 600) else (
            self.plan.on_no_answer if no_answer else None)
        if target:
            decision = self.reroute(target, self.plan.hops + 1)
            if isinstance(decision, Ring):
                log.info("call %s goes on to %s", self.info.id, decision.number,
                         extra={"event": "call_forward", "call": self.info.id,
                                "to": decision.number, "after": status})
                self.plan, self.stage = decision, 0
                self._ring_stage()
                return
            self._fail_caller(decision.status, decision.reason, decision.result)
            return
        rang_out = self.dialer is not None and self.dialer.rang_out
        self._fail_caller(status, reason, failure_result(status, rang_out))

    def _on_progress(self, resp: Response) -> None:
        if self.a_tx is None:
            return
        body = b""
        extra = [("Contact", self.a.local_contact)]
        if resp.body and resp.headers.get("Content-Type") == SDP and not self.anchor.has("b"):
            # Early media (RFC 3960): the first device's 183 audio goes to the caller.
            try:
                body = self.anchor.take("b", resp.body)
                extra.append(("Content-Type", SDP))
            except AnchorError:
                body = b""
        self.core.respond(self.a_tx, 183 if body else 180, to_tag=self.a.local_tag,
                          extra=extra, body=body)

    def _on_answer(self, dialog: Dialog, resp: Response) -> None:
        if self.a_tx is None or self.ended:
            self._send_bye(dialog)  # the caller gave up while the device answered
            return
        self.legs["b"] = dialog
        dialers = [d for d in (self.dialer, *self.pickers) if d is not None]
        for dialer in dialers:
            if dialer.winner is not None and dialer.winner.dialog is dialog:
                binding = dialer.winner.binding
                self.info.parties["b"] = binding.aor   # who answered (a group's member)
                self.devices["b"] = binding.contact
        for dialer in dialers:
            if not dialer.done:
                dialer.cancel(completed_elsewhere(self.info.parties["b"]))
        self.info.ringing = []
        self.registry.bind(dialog, self)
        if self.session_timers is not None:
            self.session_timers.callee_answered(self.session, resp)
        try:
            body = self.anchor.take("b", resp.body) if resp.body else b""
        except AnchorError as exc:
            log.info("call %s: answer SDP unusable: %s", self.info.id, exc)
            self._send_bye(dialog)
            self._fail_caller(488, "Not Acceptable Here", FAILED)
            return
        self._answer("a", self.a_tx, body)

    def answer_leg(self, side: str, tx: ServerTransaction, body: bytes) -> None:
        """Answer a new peer's INVITE on `side` (a shared line's retrieve, linetakeover.py)."""
        self._answer(side, tx, body)

    def _answer(self, side: str, tx: ServerTransaction, body: bytes) -> None:
        """The PBX's 200 on a UAS leg, resent until its ACK (13.3.1.4)."""
        leg = self.legs[side]
        assert leg is not None
        extra = [("Contact", leg.local_contact)]
        if side == "a":
            # Who actually answered (a ring group's member, a colleague who picked up):
            # RFC 3325, trusted since the PBX sets it; door stations log it with an opening.
            extra.append(("P-Asserted-Identity",
                          f"<sip:{self.info.parties['b']}@{self.core.via_host}>"))
            extra += self.session.answer_headers
        else:
            # A pickup: the colleague dialled **101 or *8 and now talks to the caller; their
            # phone shows who that is (RFC 3325 9.1) rather than the feature code.
            name = self.info.caller_name.replace('"', "").replace("\\", "")
            extra.append(("P-Asserted-Identity",
                          f'"{name}" <sip:{self.info.caller}@{self.core.via_host}>'))
        if body:
            extra.append(("Content-Type", SDP))
        ok = self.core.respond(tx, 200, to_tag=leg.local_tag, extra=extra, body=body)
        if side == "a":
            self.a_tx = None
            self.info.state = "answered"
            self.registry.changed(self)
        if leg.transport == "udp":
            self._retransmit_2xx(side, ok, self.timers.t1, 0.0)

    def _retransmit_2xx(self, side: str, ok: Response, interval: float, elapsed: float) -> None:
        """13.3.1.4: resend the 2xx at T1, 2T1, ... capped at T2 until the ACK arrives; after
        64*T1 without one, end the call (the caller never learnt it was answered)."""
        if elapsed >= 64 * self.timers.t1:
            log.info("no ACK for 200 OK on call %s", self.info.id)
            self.hangup(reason="no ACK")
            return
        leg = self.legs[side]

        def fire() -> None:
            if leg is not None:
                self.core.send(ok, leg.dest, leg.transport)
            self._retransmit_2xx(side, ok, min(interval * 2, self.timers.t2), elapsed + interval)

        self._retransmit[side] = self.clock.call_later(interval, fire)

    def acked(self, side: str = "a") -> None:
        timer = self._retransmit.pop(side, None)
        if timer is not None:
            timer.cancel()

    def ring_picker(self, picker: str, bindings: list[Binding]) -> bool:
        """Pickup through the client API: ring the picker's own phones as well; the first
        phone to answer, theirs or the callee's, takes the call."""
        if self.answered or self.a_tx is None or self.ended:
            return False
        dialer = Dialer(
            self.core, self.clock, caller=Party(self.info.caller, self.info.caller_name),
            callee=picker, bindings=bindings, offer=self.offer, ring_timeout=RING_TIMEOUT,
            on_progress=lambda resp: None, on_answer=self._on_answer,
            on_fail=lambda status, reason: None, max_forwards=self.max_forwards,
            secure_offer=self.anchor.secure_offer("b"), on_transport=self._b_transport)
        self.pickers.append(dialer)
        dialer.start()
        return True

    def picked_up(self, req: Request, tx: ServerTransaction, picker: str) -> bool:
        """A colleague's INVITE to the pickup code takes this ringing call: the devices stop
        ringing ("answered elsewhere"), the picker's leg becomes side b, and each side gets
        its own offer back as the answer, reduced to what the other side can use."""
        if self.answered or self.a_tx is None or self.ended:
            return False
        b = Dialog.as_uas(req, new_tag(), tx.source, tx.transport,
                          self.core.contact(self.info.caller, tx.transport),
                          self.core.sent_by(tx.transport))
        self.anchor.reset_side("b", tls=tx.transport == "tls")
        try:
            self.anchor.take("b", req.body)
        except AnchorError as exc:
            self.core.respond(tx, 488, f"Bad SDP: {exc}")
            return True
        for dialer in (self.dialer, *self.pickers):
            if dialer is not None and not dialer.done:
                dialer.cancel(completed_elsewhere(picker))
        self.legs["b"] = b
        self.registry.bind(b, self)
        self.info.parties["b"] = picker
        self.info.ringing = []
        self._answer("b", tx, self.anchor.answer_for("b"))
        a_tx = self.a_tx
        self._answer("a", a_tx, self.anchor.answer_for("a"))
        log.info("call %s picked up by %s", self.info.id, picker,
                 extra={"event": "pickup", "call": self.info.id, "by": picker})
        return True

    def _fail_caller(self, status: int, reason: str, result: str) -> None:
        if self.a_tx is not None:
            self.core.respond(self.a_tx, status, reason or None, to_tag=self.a.local_tag,
                              extra=reason_header(result))
            self.a_tx = None
        self.end(result)

    # -- ending ---------------------------------------------------------------------------

    def caller_cancelled(self) -> None:
        """The caller's CANCEL (9.2): stop ringing, answer the INVITE with 487."""
        if self.answered or self.a_tx is None:
            return
        for dialer in (self.dialer, *self.pickers):
            if dialer is not None and not dialer.done:
                dialer.cancel()
        self._fail_caller(487, "Request Terminated", CANCELLED)

    def hangup(self, side: str | None = None, reason: str = "") -> None:
        """A BYE from `side`, or the PBX ending the call (side None)."""
        if self.ended:
            return
        if not self.answered:
            if self.dialer is not None:
                self.dialer.cancel()
            self._fail_caller(480 if side is None else 487, "", CANCELLED)
            return
        for s, leg in self.legs.items():
            if s != side and leg is not None:
                self._send_bye(leg)
        self.end("answered", reason)

    def _send_bye(self, dialog: Dialog, reason: str | None = None) -> None:
        extra = [("Reason", reason)] if reason else None
        bye = dialog.request("BYE", extra=extra)
        self.core.send_request(bye, dialog.dest, dialog.transport, lambda r: None, lambda: None)

    def end(self, result: str, reason: str = "") -> None:
        if self.ended:
            return
        self.ended = True
        for side in list(self._retransmit):
            self.acked(side)
        self.anchor.close()
        self.info.state, self.info.result = "ended", result
        self.info.end_reason = reason
        for leg in self.legs.values():
            if leg is not None:
                self.registry.unbind(leg)
        self.registry.changed(self)

    # -- the PBX changing the call itself (transfer, later pickup and barge-in) -----------

    def reinvite(self, side: str, offer: bytes, done: Callable[[bytes | None], None],
                 identity: str = "") -> None:
        """Send a re-INVITE with `offer` on `side`; `done(answer)` with the answer SDP, or
        None when the peer refused or did not answer. `identity`: who the peer talks to
        from now on (a transfer), as P-Asserted-Identity (RFC 3325 9.1): a re-INVITE is
        what every phone allows, and the media change needs one anyway."""
        leg = self.legs[side]
        if leg is None:
            done(None)
            return
        extra = [("P-Asserted-Identity", identity)] if identity else None
        out = leg.request("INVITE", offer, SDP, extra=extra)
        self.pending.add(side)

        def on_response(resp: Response) -> None:
            if resp.status < 200:
                return
            self.pending.discard(side)
            leg.note_allow(resp)
            if resp.status < 300:
                leg.update_target(resp)
                self.core.send(leg.ack(out.cseq[0]), leg.dest, leg.transport)
                done(resp.body or None)
            else:
                done(None)

        def on_timeout() -> None:
            self.pending.discard(side)
            done(None)

        self.core.send_request(out, leg.dest, leg.transport, on_response, on_timeout)

    def refresh_session(self, side: str, headers: list[tuple[str, str]]) -> None:
        """The PBX's session refresh on `side` (sessiontimer.py): an UPDATE without a body,
        where the peer allows it (RFC 4028 section 7.4: a refresh need not carry an offer)."""
        leg = self.legs[side]
        if leg is not None and leg.allows("UPDATE"):
            out = leg.request("UPDATE", extra=headers)
            self.core.send_request(out, leg.dest, leg.transport, lambda r: None, lambda: None)

    def replace_leg(self, side: str, dialog: Dialog, party: str) -> Dialog | None:
        """Put another peer on `side` (a transfer); returns the dialog it had."""
        if self.session_timers is not None:
            self.session_timers.forget(self.session, side)
        old = self.legs[side]
        if old is not None:
            self.registry.unbind(old)
        self.legs[side] = dialog
        self.registry.bind(dialog, self)
        self.info.parties[side] = party
        self.registry.changed(self)
        return old
