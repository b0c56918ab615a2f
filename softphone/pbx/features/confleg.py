"""The SIP side of one conference participant: a dialog the PBX answers itself (UAS).

The PBX is the far end here (no second leg): it sends 183 with SDP for early media
(RFC 3960; prompts before a refusal), 200 with SDP to let the caller in, a final error
after a prompt, and BYE to end. A 2xx over UDP is resent until its ACK arrives
(RFC 3261 section 13.3.1.4). In the dialog: BYE ends, INFO may carry a DTMF digit
(``application/dtmf-relay``, the de-facto format of Cisco, pjsip and Asterisk), and a
re-INVITE or UPDATE (hold, resume, new address) is answered from the same endpoint.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from softphone.pbx.sip.clock import Clock, TimerHandle
from softphone.pbx.sip.core import SipCore
from softphone.pbx.sip.dialog import Dialog
from softphone.pbx.sip.message import Request, Response
from softphone.pbx.sip.transaction import DEFAULT_TIMERS, ServerTransaction, new_tag

log = logging.getLogger(__name__)
SDP = "application/sdp"
DTMF_RELAY = "application/dtmf-relay"
_DTMF_KEYS = set("0123456789*#ABCD")


def info_digit(req: Request) -> str | None:
    """The digit of an INFO with an ``application/dtmf-relay`` body ("Signal=5")."""
    if (req.headers.get("Content-Type") or "").split(";")[0].strip().lower() != DTMF_RELAY:
        return None
    for line in req.body.decode("utf-8", "replace").splitlines():
        name, _, value = line.partition("=")
        if name.strip().lower() == "signal":
            digit = value.strip().upper()
            return digit if digit in _DTMF_KEYS else None
    return None


class ConferenceLeg:
    def __init__(self, core: SipCore, clock: Clock, invite: Request, tx: ServerTransaction,
                 room_number: str) -> None:
        self.core = core
        self.clock = clock
        self.tx: ServerTransaction | None = tx
        self.dialog = Dialog.as_uas(invite, new_tag(), tx.source, tx.transport,
                                    core.contact(room_number, tx.transport),
                                    core.sent_by(tx.transport))
        self.confirmed = False
        self.ended = False
        self._resend: TimerHandle | None = None

    @property
    def key(self) -> tuple[str, str]:
        return self.dialog.call_id, self.dialog.local_tag

    def early(self, sdp: bytes) -> None:
        """183 Session Progress with our SDP: the caller hears prompts before an answer."""
        if self.tx is not None:
            self.core.respond(self.tx, 183, to_tag=self.dialog.local_tag,
                              extra=self._contact(SDP), body=sdp)

    def answer(self, sdp: bytes) -> None:
        if self.tx is None:
            return
        ok = self.core.respond(self.tx, 200, to_tag=self.dialog.local_tag,
                               extra=self._contact(SDP), body=sdp)
        self.tx = None
        self.confirmed = True
        if self.dialog.transport == "udp":
            self._retransmit(ok, DEFAULT_TIMERS.t1, 0.0)

    def refuse(self, status: int, reason: str) -> None:
        """A final error to the INVITE (before an answer)."""
        if self.tx is not None:
            self.core.respond(self.tx, status, reason, to_tag=self.dialog.local_tag)
            self.tx = None
        self.ended = True

    def bye(self, reason: str, cause: int = 200) -> None:
        """End the call from the PBX's side (after an answer), or refuse it before. The
        Reason header (RFC 3326) tells the phone why, as a SIP status code and text: a
        client shows "wrong PIN" (403) or "the conference is full" (486) in words."""
        if self.ended:
            return
        if not self.confirmed:
            self.refuse(cause if cause >= 400 else 480, reason)
            return
        self.ended = True
        self.acked()
        extra = [("Reason", f'SIP;cause={cause};text="{reason}"')]
        bye = self.dialog.request("BYE", extra=extra)
        self.core.send_request(bye, self.dialog.dest, self.dialog.transport,
                               lambda r: None, lambda: None)

    def acked(self) -> None:
        if self._resend is not None:
            self._resend.cancel()
            self._resend = None

    def _retransmit(self, ok: Response, interval: float, elapsed: float) -> None:
        if elapsed >= 64 * DEFAULT_TIMERS.t1 or self.ended:
            return

        def fire() -> None:
            self.core.send(ok, self.dialog.dest, self.dialog.transport)
            self._retransmit(ok, min(interval * 2, DEFAULT_TIMERS.t2), elapsed + interval)

        self._resend = self.clock.call_later(interval, fire)

    def _contact(self, content_type: str) -> list[tuple[str, str]]:
        return [("Contact", self.dialog.local_contact), ("Content-Type", content_type)]

    def in_dialog(self, req: Request, tx: ServerTransaction, *, on_bye: Callable[[], None],
                  on_digit: Callable[[str], None],
                  on_offer: Callable[[bytes], bytes | None]) -> None:
        """A request inside this dialog (12.2.2)."""
        if not self.dialog.accepts(req):
            self.core.respond(tx, 500, "Out of order", extra=[("Retry-After", "1")])
            return
        if req.method == "BYE":
            self.core.respond(tx, 200)
            self.ended = True
            self.acked()
            on_bye()
        elif req.method == "INFO":
            digit = info_digit(req)
            self.core.respond(tx, 200 if digit is not None or not req.body else 415)
            if digit is not None:
                on_digit(digit)
        elif req.method in ("INVITE", "UPDATE"):
            self.dialog.update_target(req)
            answer = on_offer(req.body) if req.body else None
            if req.body and answer is None:
                self.core.respond(tx, 488)
                return
            extra = [("Contact", self.dialog.local_contact)]
            if answer:
                extra.append(("Content-Type", SDP))
            self.core.respond(tx, 200, to_tag=self.dialog.local_tag, extra=extra,
                              body=answer or b"")
        else:
            self.core.respond(tx, 405, extra=[("Allow", "INVITE, ACK, BYE, CANCEL, INFO, "
                                                        "UPDATE")])
