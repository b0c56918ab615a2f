"""One call through the B2BUA: the caller's leg (a), the forks that ring the callee's
devices (b), and the leg that answered.

RFC 3261 is applied per leg: the PBX answers the caller as a UAS (with our own To tag) and
calls each registered device as a UAC. The first 2xx wins and the other forks are
cancelled (RFC 3261 9.1); a 2xx to the caller is retransmitted until ACK (13.3.1.4).
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from softphone.pbx.features.anchor import SDP, MediaAnchor
from softphone.pbx.sip.clock import Clock, TimerHandle
from softphone.pbx.sip.core import SipCore
from softphone.pbx.sip.dialog import Dialog
from softphone.pbx.sip.message import Headers, Request, Response, make_response
from softphone.pbx.sip.transaction import (
    DEFAULT_TIMERS,
    ClientTransaction,
    ServerTransaction,
    Timers,
    new_tag,
)
from softphone.pbx.store import Binding

log = logging.getLogger(__name__)

# RFC 3261 16.7 step 6 has no strict order for 4xx; these are what a caller most needs to
# hear (busy before "not found" before the rest), with 6xx always winning.
_PREFERENCE = {486: 0, 600: 0, 603: 1, 480: 2, 404: 3, 408: 4}


@dataclass
class Fork:
    binding: Binding
    invite: Request
    tx: ClientTransaction | None = None
    dialog: Dialog | None = None
    final: int | None = None
    early_media: bool = False


@dataclass
class CallInfo:
    """What the call history and presence need to know about a call."""

    id: str
    caller: str
    caller_name: str
    callee: str
    state: str = "ringing"      # ringing -> answered -> ended
    result: str = ""
    devices: list[str] = field(default_factory=list)


class Call:
    def __init__(
        self, core: SipCore, clock: Clock, anchor: MediaAnchor, invite: Request,
        tx: ServerTransaction, info: CallInfo, on_change: Callable[[Call], None],
        timers: Timers = DEFAULT_TIMERS,
    ) -> None:
        self.core = core
        self.clock = clock
        self.anchor = anchor
        self.info = info
        self.on_change = on_change
        self.timers = timers
        self.a_tx: ServerTransaction | None = tx
        self.a_tag = new_tag()
        self.a = Dialog.as_uas(invite, self.a_tag, tx.source, tx.transport,
                               core.contact(info.callee, tx.transport), core.via_host)
        self.a_invite_cseq = invite.cseq[0]
        self.forks: list[Fork] = []
        self.b: Dialog | None = None
        self.b_call_id = f"{uuid.uuid4().hex}@pbx"
        self.b_tag = new_tag()
        self.pending: dict[str, object] = {}   # side -> in-flight re-INVITE/UPDATE marker
        self._retransmit: TimerHandle | None = None
        self._ring_timer: TimerHandle | None = None
        self.ended = False

    # -- ringing --------------------------------------------------------------------------

    def ring(self, bindings: list[Binding], offer: bytes, max_forwards: int,
             ring_timeout: float) -> None:
        for binding in bindings:
            invite = self._fork_invite(binding, offer, max_forwards)
            fork = Fork(binding, invite)
            self.forks.append(fork)
            fork.tx = self.core.send_request(
                invite, binding.source, binding.transport,
                functools.partial(self._on_fork_response, fork),
                functools.partial(self._on_fork_timeout, fork),
            )
        self.info.devices = [b.contact for b in bindings]
        self._ring_timer = self.clock.call_later(ring_timeout, self._on_ring_timeout)

    def _fork_invite(self, binding: Binding, offer: bytes, max_forwards: int) -> Request:
        host = self.core.via_host
        h = Headers()
        h.add("Via", self.core.via(binding.transport))
        h.add("Max-Forwards", str(max_forwards))
        name = self.info.caller_name.replace('"', "")
        h.add("From", f'"{name}" <sip:{self.info.caller}@{host}>;tag={self.b_tag}')
        h.add("To", f"<sip:{self.info.callee}@{host}>")
        h.add("Call-ID", self.b_call_id)
        h.add("CSeq", "1 INVITE")
        h.add("Contact", self.core.contact(self.info.caller, binding.transport))
        h.add("P-Asserted-Identity", f'"{name}" <sip:{self.info.caller}@{host}>')
        h.add("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, INFO")
        h.add("Content-Type", SDP)
        return Request(headers=h, body=offer, method="INVITE", uri=binding.contact)

    def _on_fork_response(self, fork: Fork, resp: Response) -> None:
        if resp.status < 200:
            self._on_provisional(fork, resp)
        elif resp.status < 300:
            self._on_fork_2xx(fork, resp)
        else:
            fork.final = resp.status
            self._fork_failed(resp.status, resp.reason)

    def _on_provisional(self, fork: Fork, resp: Response) -> None:
        if resp.status == 100 or self.a_tx is None or self.info.state != "ringing":
            return
        body = b""
        extra = [("Contact", self.a.local_contact)]
        if resp.body and not any(f.early_media for f in self.forks):
            # Early media (RFC 3960): relay the first device's 183 audio to the caller.
            fork.early_media = True
            body = self.anchor.take("b", resp.body)
            extra.append(("Content-Type", SDP))
        status = 183 if body else 180
        self.core.respond(self.a_tx, status, to_tag=self.a_tag, extra=extra, body=body)

    def _on_fork_2xx(self, fork: Fork, resp: Response) -> None:
        if fork.dialog is not None:  # retransmitted 2xx: the ACK got lost (13.2.2.4)
            self.core.send(fork.dialog.ack(1), fork.dialog.dest, fork.dialog.transport)
            return
        fork.final = resp.status
        fork.dialog = Dialog.as_uac(fork.invite, resp, fork.binding.source,
                                    fork.binding.transport, self.core.via_host)
        self.core.send(fork.dialog.ack(1), fork.dialog.dest, fork.dialog.transport)
        if self.b is not None or self.ended or self.a_tx is None:
            # Another device was faster (or the caller gave up): hang this one up.
            self._send_bye(fork.dialog, reason="SIP;cause=200;text=\"Call completed elsewhere\"")
            return
        self.b = fork.dialog
        self._cancel_forks(except_fork=fork, completed_elsewhere=True)
        self._stop_ring_timer()
        body = self.anchor.take("b", resp.body) if resp.body else b""
        extra = [("Contact", self.a.local_contact)]
        if body:
            extra.append(("Content-Type", SDP))
        ok = self.core.respond(self.a_tx, 200, to_tag=self.a_tag, extra=extra, body=body)
        self.a_tx = None
        self.info.state = "answered"
        self.on_change(self)
        if self.a.transport == "udp":
            self._retransmit_2xx(ok, self.timers.t1, 0.0)

    def _retransmit_2xx(self, ok: Response, interval: float, elapsed: float) -> None:
        """13.3.1.4: resend the 2xx at T1, 2T1, ... capped at T2 until the ACK arrives; after
        64*T1 without one, give up on the call (the caller never heard it was answered)."""
        if elapsed >= 64 * self.timers.t1:
            log.info("no ACK for 200 OK on call %s", self.info.id)
            self.hangup(reason="no ACK")
            return

        def fire() -> None:
            self.core.send(ok, self.a.dest, self.a.transport)
            self._retransmit_2xx(ok, min(interval * 2, self.timers.t2), elapsed + interval)

        self._retransmit = self.clock.call_later(interval, fire)

    def acked(self) -> None:
        if self._retransmit is not None:
            self._retransmit.cancel()
            self._retransmit = None

    def _on_fork_timeout(self, fork: Fork) -> None:
        fork.final = 408
        self._fork_failed(408, "Request Timeout")

    def _fork_failed(self, status: int, reason: str) -> None:
        if self.b is not None or self.a_tx is None:
            return
        if any(f.final is None for f in self.forks):
            if status >= 600:  # 16.7 step 5: a 6xx ends the search
                self._cancel_forks()
            else:
                return
        finals = [f.final for f in self.forks if f.final is not None]
        best = min(finals, key=lambda s: (s < 600, _PREFERENCE.get(s, 9), s))
        if best in (401, 407):  # a device challenged us: to the caller it is unavailable
            best, reason = 480, "Temporarily Unavailable"
        result = {486: "busy", 600: "busy", 603: "rejected", 408: "no-answer"}.get(best, "failed")
        self._fail_caller(best, reason if best == status else "", result)

    def _fail_caller(self, status: int, reason: str, result: str) -> None:
        if self.a_tx is not None:
            self.core.respond(self.a_tx, status, reason or None, to_tag=self.a_tag)
            self.a_tx = None
        self.end(result)

    def _on_ring_timeout(self) -> None:
        self._ring_timer = None
        if self.b is None and not self.ended:
            self._cancel_forks()
            self._fail_caller(480, "No answer", "no-answer")

    def _stop_ring_timer(self) -> None:
        if self._ring_timer is not None:
            self._ring_timer.cancel()
            self._ring_timer = None

    def _cancel_forks(self, except_fork: Fork | None = None, *,
                      completed_elsewhere: bool = False) -> None:
        for fork in self.forks:
            if fork is except_fork or fork.final is not None:
                continue
            cancel = _make_cancel(fork.invite, completed_elsewhere)
            self.core.send_request(cancel, fork.binding.source, fork.binding.transport,
                                   lambda r: None, lambda: None)

    # -- caller gives up, either side hangs up ------------------------------------------

    def caller_cancelled(self) -> None:
        """The caller's CANCEL (9.2): cancel the devices, answer the INVITE with 487."""
        if self.b is not None or self.a_tx is None:
            return
        self._cancel_forks()
        self._stop_ring_timer()
        self._fail_caller(487, "Request Terminated", "cancelled")

    def hangup(self, side: str | None = None, reason: str = "") -> None:
        """A BYE from `side` (already answered), or the PBX ending the call (side None)."""
        if self.ended:
            return
        if self.b is None:
            # Not answered yet: the PBX ends a ringing call.
            self._cancel_forks()
            self._stop_ring_timer()
            self._fail_caller(480 if side is None else 487, "", "cancelled")
            return
        if side != "a":
            self._send_bye(self.a)
        if side != "b":
            self._send_bye(self.b)
        self.end("answered", reason)

    def _send_bye(self, dialog: Dialog, reason: str | None = None) -> None:
        extra = [("Reason", reason)] if reason else None
        bye = dialog.request("BYE", extra=extra)
        self.core.send_request(bye, dialog.dest, dialog.transport, lambda r: None, lambda: None)

    def end(self, result: str, reason: str = "") -> None:
        if self.ended:
            return
        self.ended = True
        self.acked()
        self._stop_ring_timer()
        self.anchor.close()
        self.info.state, self.info.result = "ended", result
        self.on_change(self)

    # -- in-dialog requests passed across (re-INVITE, UPDATE, INFO) ---------------------

    def dialog(self, side: str) -> Dialog | None:
        return self.a if side == "a" else self.b

    def relay_request(self, side: str, req: Request, tx: ServerTransaction) -> None:
        """Pass a request from `side` to the other side inside its dialog, and its answer
        back. SDP is anchored both ways; 491 when both sides re-INVITE at once (14.1)."""
        here, there = self.dialog(side), self.dialog("b" if side == "a" else "a")
        if here is None or there is None:
            self.core.respond(tx, 481)
            return
        if req.method == "INVITE" and self.pending:
            self.core.respond(tx, 491)
            return
        here.update_target(req) if req.method in ("INVITE", "UPDATE") else None
        body, ctype = req.body, req.headers.get("Content-Type")
        if body and ctype == SDP:
            body = self.anchor.take(side, body)
        extra = [(n, v) for n, v in req.headers if n in ("Event", "Reason", "Info-Package")]
        out = there.request(req.method, body, ctype, extra=extra)
        if req.method == "INVITE":
            self.pending[side] = out

        def on_response(resp: Response) -> None:
            if resp.status < 200:
                return
            self.pending.pop(side, None)
            resp_body = resp.body
            if req.method == "INVITE" and resp.status < 300:
                there.update_target(resp)
                self.core.send(there.ack(out.cseq[0]), there.dest, there.transport)
            if resp_body and resp.headers.get("Content-Type") == SDP and resp.status < 300:
                resp_body = self.anchor.take("b" if side == "a" else "a", resp_body)
            extra = [("Contact", here.local_contact)]
            if resp_body:
                extra.append(("Content-Type", resp.headers.get("Content-Type") or SDP))
            tx.respond(make_response(req, resp.status, resp.reason, to_tag=here.local_tag,
                                     extra=extra, body=resp_body))

        def on_timeout() -> None:
            self.pending.pop(side, None)
            self.core.respond(tx, 408)

        self.core.send_request(out, there.dest, there.transport, on_response, on_timeout)


def _make_cancel(invite: Request, completed_elsewhere: bool) -> Request:
    """RFC 3261 9.1: same Request-URI, Call-ID, From, To, CSeq number and top Via."""
    h = Headers()
    h.add("Via", invite.headers.get_all("Via")[0])
    h.add("Max-Forwards", "70")
    for name in ("From", "To", "Call-ID"):
        h.add(name, invite.headers.get(name) or "")
    h.add("CSeq", f"{invite.cseq[0]} CANCEL")
    if completed_elsewhere:  # RFC 3326: devices show "answered elsewhere", not "missed"
        h.add("Reason", 'SIP;cause=200;text="Call completed elsewhere"')
    return Request(headers=h, method="CANCEL", uri=invite.uri)
