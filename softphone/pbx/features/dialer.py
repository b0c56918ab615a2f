"""Ringing one extension's devices: the PBX as a forking UAC.

One INVITE goes to every registered device at once (same Call-ID and From tag, a branch
each, so each answer makes its own early dialog, RFC 3261 12.1.2). The first 2xx wins
and the other devices get CANCEL with `Reason: ... "Call completed elsewhere"` (RFC 3326)
naming who answered, so they log "answered by ..." rather than a missed call. A 2xx that
arrives after the winner is ACKed and hung up (RFC 3261 13.2.2.4). Used for new calls,
transfers, ring groups and pickup.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from softphone.pbx.features.outbound import flow_target
from softphone.pbx.sip.client_tx import TRANSPORT_ERROR
from softphone.pbx.sip.clock import Clock, TimerHandle
from softphone.pbx.sip.core import SipCore
from softphone.pbx.sip.dialog import Dialog
from softphone.pbx.sip.message import Headers, Request, Response
from softphone.pbx.sip.transaction import new_tag
from softphone.pbx.store import Binding

SDP = "application/sdp"
COMPLETED_ELSEWHERE = 'SIP;cause=200;text="Call completed elsewhere"'


def completed_elsewhere(by: str) -> str:
    """The Reason of a CANCEL to devices that stop ringing because `by` (an extension: a
    ring group's member, a colleague who picked up, or the callee's own other device)
    answered. RFC 3326 section 2 allows extension parameters after cause and text; phones
    that do not know `answered-by` still read cause=200 as "answered elsewhere"."""
    safe = "".join(c for c in by if c.isalnum() or c in "+-_.*#")
    return f'{COMPLETED_ELSEWHERE};answered-by="{safe}"' if safe else COMPLETED_ELSEWHERE
# RFC 3261 16.7 step 6 has no strict order for 4xx; these are what a caller most needs to
# hear (busy before "not found" before the rest), with 6xx always winning.
# Fork.final of a device no connection could be opened to (a status of our own, never sent).
NO_PATH = 0
_PREFERENCE = {486: 0, 600: 0, 603: 1, 480: 2, 404: 3, 408: 4}


@dataclass
class Fork:
    binding: Binding
    invite: Request
    # Where the INVITE went: the device's flow, or its Contact (features/outbound.py).
    dest: tuple[str, int]
    transport: str
    dialog: Dialog | None = None
    final: int | None = None
    provisional: bool = False
    cancel_reason: str | None = None   # a CANCEL waiting for the first provisional (9.1)


@dataclass
class Party:
    number: str
    name: str


class Dialer:
    def __init__(
        self, core: SipCore, clock: Clock, *, caller: Party, callee: str,
        bindings: list[Binding], offer: bytes, ring_timeout: float,
        on_progress: Callable[[Response], None],
        on_answer: Callable[[Dialog, Response], None],
        on_fail: Callable[[int, str], None],
        max_forwards: int = 70,
        secure_offer: bytes | None = None,
        on_transport: Callable[[str], None] | None = None,
        callee_name: str = "", extra: list[tuple[str, str]] | None = None,
    ) -> None:
        self.core = core
        self.clock = clock
        self.caller = caller
        self.callee = callee
        self.bindings = bindings
        self.offer = offer
        # The offer for devices registered over TLS (it may carry SRTP keys, RFC 4568), and
        # who to tell which transport a device's provisional or 2xx answer came over.
        self.secure_offer = secure_offer
        self.on_transport = on_transport
        self.callee_name = callee_name.replace('"', "")
        self.extra = extra or []
        self.ring_timeout = ring_timeout
        self.on_progress = on_progress
        self.on_answer = on_answer
        self.on_fail = on_fail
        self.max_forwards = max_forwards
        self.call_id = f"{uuid.uuid4().hex}@pbx"
        self.tag = new_tag()
        self.forks: list[Fork] = []
        self.winner: Fork | None = None
        self.done = False
        self.rang_out = False   # stopped after ring_timeout (not refused by the devices)
        self._timer: TimerHandle | None = None

    def start(self) -> None:
        flows = self.core.transport.connections if self.core.transport is not None else {}
        for binding in self.bindings:
            dest, transport = flow_target(binding, flows)
            fork = Fork(binding, self._invite(binding, transport), dest, transport)
            self.forks.append(fork)
            self.core.send_request(
                fork.invite, dest, transport,
                functools.partial(self._on_response, fork),
                functools.partial(self._on_timeout, fork),
            )
        self._timer = self.clock.call_later(self.ring_timeout, self._on_ring_timeout)

    def _invite(self, binding: Binding, transport: str) -> Request:
        host = self.core.via_host
        name = self.caller.name.replace('"', "")
        identity = f'"{name}" <sip:{self.caller.number}@{host}>'
        h = Headers()
        h.add("Via", self.core.via(transport))
        h.add("Max-Forwards", str(self.max_forwards))
        h.add("From", f"{identity};tag={self.tag}")
        to = f"<sip:{self.callee}@{host}>"
        h.add("To", f'"{self.callee_name}" {to}' if self.callee_name else to)
        h.add("Call-ID", self.call_id)
        h.add("CSeq", "1 INVITE")
        h.add("Contact", self.core.contact(self.caller.number, transport))
        h.add("P-Asserted-Identity", identity)  # RFC 3325, trusted: set by the PBX
        h.add("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, INFO, REFER, NOTIFY")
        for name, value in self.extra:
            h.add(name, value)
        h.add("Content-Type", SDP)
        body = self.offer
        if transport == "tls" and self.secure_offer is not None:
            body = self.secure_offer
        return Request(headers=h, body=body, method="INVITE", uri=binding.contact)

    def cancel(self, reason: str | None = None) -> None:
        """Stop ringing (the caller gave up, or another destination answered)."""
        self.done = True
        self._stop_timer()
        for fork in self.forks:
            if fork.final is None:
                self._send_cancel(fork, reason)

    def _on_response(self, fork: Fork, resp: Response) -> None:
        if resp.status < 200:
            if not fork.provisional:
                fork.provisional = True
                if fork.cancel_reason is not None:
                    self._send_cancel(fork, fork.cancel_reason or None)
            if resp.status > 100 and not self.done:
                self._transport(fork)
                self.on_progress(resp)
        elif resp.status < 300:
            self._on_2xx(fork, resp)
        else:
            fork.final = resp.status
            if resp.status == 503 and resp.reason == TRANSPORT_ERROR:
                fork.final = NO_PATH  # no path to the device: not the device's own 503
            self._failed(fork.final, resp.reason)

    def _on_2xx(self, fork: Fork, resp: Response) -> None:
        if fork.dialog is not None:  # retransmitted 2xx: our ACK got lost (13.2.2.4)
            self.ack(fork.dialog)
            return
        fork.final = resp.status
        fork.dialog = Dialog.as_uac(fork.invite, resp, fork.dest, fork.transport,
                                    self.core.sent_by(fork.transport))
        self.ack(fork.dialog)
        if self.winner is not None or self.done:
            bye = fork.dialog.request("BYE", extra=[("Reason", COMPLETED_ELSEWHERE)])
            self.core.send_request(bye, fork.dialog.dest, fork.dialog.transport,
                                   lambda r: None, lambda: None)
            return
        self.winner = fork
        self.done = True
        self._stop_timer()
        for other in self.forks:
            if other.final is None:
                self._send_cancel(other, completed_elsewhere(fork.binding.aor))
        self._transport(fork)
        self.on_answer(fork.dialog, resp)

    def _transport(self, fork: Fork) -> None:
        if self.on_transport is not None:
            self.on_transport(fork.transport)

    def ack(self, dialog: Dialog) -> None:
        self.core.send(dialog.ack(1), dialog.dest, dialog.transport)

    def _on_timeout(self, fork: Fork) -> None:
        fork.final = 408
        self._failed(408, "Request Timeout")

    def _failed(self, status: int, reason: str) -> None:
        if self.done:
            return
        if any(f.final is None for f in self.forks):
            # Not RFC 3261 16.7 step 5 (a 6xx ends a proxy's search): these are one person's
            # devices, and a desk phone in do-not-disturb answering 603 must not stop the
            # softphone ringing. The 6xx still wins once every device has answered.
            return
        self.done = True
        self._stop_timer()
        finals = [f.final for f in self.forks if f.final is not None]
        best = min(finals, key=lambda s: (s < 600, _PREFERENCE.get(s, 9), s))
        # A device challenged us, or could not be reached (a 503 of our own for a
        # connection that failed, RFC 3261 8.1.3.1): to the caller it is unavailable. A
        # device's own 503 is passed on (the call failed there).
        if best in (401, 407, NO_PATH):
            best, reason = 480, ""
        self.on_fail(best, reason if best == status else "")

    def _on_ring_timeout(self) -> None:
        self._timer = None
        if not self.done:
            self.rang_out = True
            self.cancel()
            self.on_fail(480, "No answer")

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _send_cancel(self, fork: Fork, reason: str | None) -> None:
        """RFC 3261 9.1: same Request-URI, Call-ID, From, To, CSeq number and top Via, and
        not before a provisional response has arrived (until then it waits)."""
        if not fork.provisional:
            fork.cancel_reason = reason or ""
            return
        invite = fork.invite
        h = Headers()
        h.add("Via", invite.headers.get_all("Via")[0])
        h.add("Max-Forwards", "70")
        for name in ("From", "To", "Call-ID"):
            h.add(name, invite.headers.get(name) or "")
        h.add("CSeq", f"{invite.cseq[0]} CANCEL")
        if reason:
            h.add("Reason", reason)
        cancel = Request(headers=h, method="CANCEL", uri=invite.uri)
        self.core.send_request(cancel, fork.dest, fork.transport, lambda r: None, lambda: None)
