"""Call transfer: REFER inside a call (RFC 3515), blind and attended (Replaces, RFC 3891).

The PBX anchors every call, so it carries a transfer out itself instead of letting the
phones call each other: the transferor (X) asks, the PBX rings the target or takes over
X's other call, puts the new peer on X's leg, takes the remaining party (Y) off hold with
a re-INVITE and leaves X's dialog for X to end (leftover.py). X hears how it went through
NOTIFYs carrying a sipfrag of the target's answer (RFC 3515 section 2.4.5), as its transfer
progress display expects.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol
from urllib.parse import unquote

from softphone.pbx.config import PbxConfig
from softphone.pbx.features.anchor import AnchorError, MediaAnchor
from softphone.pbx.features.call import Call, other
from softphone.pbx.features.dialer import Dialer, Party
from softphone.pbx.features.leftover import Leftovers
from softphone.pbx.features.location import Location
from softphone.pbx.media.sdp import OriginTracker
from softphone.pbx.sip.address import AddressError, NameAddr
from softphone.pbx.sip.clock import Clock
from softphone.pbx.sip.core import SipCore
from softphone.pbx.sip.dialog import Dialog
from softphone.pbx.sip.message import REASONS, Request, Response
from softphone.pbx.sip.transaction import ServerTransaction

log = logging.getLogger(__name__)

RING_TIMEOUT = 60.0


class DialogFinder(Protocol):
    def find_dialog(self, call_id: str, tag: str) -> tuple[Call, str] | None: ...


class Transfers:
    def __init__(self, core: SipCore, clock: Clock, config: PbxConfig, location: Location,
                 dialogs: DialogFinder, leftovers: Leftovers) -> None:
        self.core = core
        self.leftovers = leftovers
        self.clock = clock
        self.config = config
        self.location = location
        self.dialogs = dialogs

    def refer(self, call: Call, side: str, req: Request, tx: ServerTransaction) -> None:
        if not call.answered or call.ended:
            self.core.respond(tx, 403, "Only a connected call can be transferred")
            return
        try:
            target = NameAddr.parse(req.headers.get("Refer-To") or "")
        except AddressError:
            self.core.respond(tx, 400, "Bad Refer-To")
            return
        replaces = _replaces(target.uri.headers)
        number = target.uri.user or ""
        if replaces is None and self.config.extension(number) is None:
            self.core.respond(tx, 404, "Unknown transfer target")
            return
        self.core.respond(tx, 202)
        x_leg = call.legs[side]
        assert x_leg is not None
        self._notify(x_leg, 100, active=True)
        if replaces is not None:
            self._attended(call, side, x_leg, replaces)
        else:
            self._blind(call, side, x_leg, number)

    # -- blind: ring the target on behalf of the remaining party -----------------------

    def _blind(self, call: Call, x: str, x_leg: Dialog, number: str) -> None:
        bindings = self.location.bindings(number)
        if not bindings:
            self._notify(x_leg, 480)
            return
        y = other(x)
        y_number = call.info.parties[y]
        y_ext = self.config.extension(y_number)
        anchor = call.anchor
        anchor.origins[x] = OriginTracker(anchor.address)  # a new dialog, a new o= line
        anchor.reset_side(x)  # SRTP is not carried into transfers: plain RTP to the target

        def answered(dialog: Dialog, resp: Response) -> None:
            if call.ended:
                dialer.ack(dialog)
                return
            old = call.replace_leg(x, dialog, number)
            self._notify(x_leg, 200)
            if old is not None:
                self.leftovers.leave(old)   # X hangs up on the NOTIFY (RFC 5589 6.1)

            def reconnected() -> None:
                log.info("call %s: %s transferred to %s", call.info.id, y_number, number,
                         extra={"event": "transfer", "call": call.info.id, "kind": "blind",
                                "to": number})

            self._reconnect(call, y, anchor, resp.body, reconnected)

        dialer = Dialer(
            self.core, self.clock,
            caller=Party(y_number, y_ext.display_name if y_ext else y_number),
            callee=number, bindings=bindings, offer=anchor.offer_from(y, x),
            ring_timeout=RING_TIMEOUT,
            on_progress=lambda resp: self._notify(x_leg, resp.status, active=True),
            on_answer=answered,
            on_fail=lambda status, reason: self._notify(x_leg, status),
        )
        dialer.start()

    def _reconnect(self, call: Call, y: str, anchor: MediaAnchor, answer: bytes,
                   done: Callable[[], None]) -> None:
        """The new peer answered on x: give its media to y (who may still be on hold);
        `done` once y has agreed."""
        try:
            offer_y = anchor.take(other(y), answer)
        except AnchorError as exc:
            log.info("transfer: unusable SDP from the target: %s", exc)
            call.hangup()
            return

        def y_answered(body: bytes | None) -> None:
            if body is None:
                call.hangup()
                return
            try:
                anchor.take(y, body)
            except AnchorError:
                call.hangup()
                return
            done()

        call.reinvite(y, offer_y, y_answered, self._identity(call.info.parties[other(y)]))

    # -- attended: X's two calls become one between Y and Z ----------------------------

    def _attended(self, call: Call, x: str, x_leg: Dialog, replaces: tuple[str, str, str]) -> None:
        call_id, to_tag, from_tag = replaces
        found = self.dialogs.find_dialog(call_id, to_tag) or \
            self.dialogs.find_dialog(call_id, from_tag)
        if found is None or found[0] is call or not found[0].answered:
            self._notify(x_leg, 481)
            return
        second, x2 = found
        z = other(x2)
        z_leg = second.legs[z]
        x2_leg = second.legs[x2]
        assert z_leg is not None and x2_leg is not None
        y = other(x)
        # Z keeps its dialog, and with it the o= line it has seen (RFC 3264 section 8).
        call.anchor.origins[x] = second.anchor.origins[z]
        call.anchor.reset_side(x)
        second.legs[z] = None
        second.registry.unbind(z_leg)
        old = call.replace_leg(x, z_leg, second.info.parties[z])

        def joined() -> None:
            # Only now has the referred session really replaced X (RFC 3891 section 3).
            self._notify(x_leg, 200)
            if old is not None:
                self.leftovers.leave(old)
            # RFC 3891 section 3 has the PBX end the replaced dialog, but X ends both its
            # calls on the NOTIFY as well: whoever is first, it gets one BYE.
            self.leftovers.leave(x2_leg)
            log.info("call %s: attended transfer joins %s and %s", call.info.id,
                     call.info.parties[y], call.info.parties[x],
                     extra={"event": "transfer", "call": call.info.id, "kind": "attended"})

        def z_answered(body: bytes | None) -> None:
            second.end("transferred")  # its relay is no longer used by anyone
            if body is None:
                self._notify(x_leg, 500)
                call.hangup()
                return
            self._reconnect(call, y, call.anchor, body, joined)

        call.reinvite(x, call.anchor.offer_from(y, x), z_answered,
                      self._identity(call.info.parties[y]))

    def _identity(self, number: str) -> str:
        """The new party of a transferred call, for the other phone's display."""
        ext = self.config.extension(number)
        name = (ext.display_name if ext else "").replace('"', "").replace("\\", "")
        return f'"{name}" <sip:{number}@{self.core.via_host}>' if name else \
            f"<sip:{number}@{self.core.via_host}>"

    # -- progress to the transferor ------------------------------------------------------

    def _notify(self, leg: Dialog, status: int, *, active: bool = False) -> None:
        """RFC 3515 2.4.4/2.4.5: the refer subscription's NOTIFY with a sipfrag status."""
        state = "active;expires=60" if active else "terminated;reason=noresource"
        body = f"SIP/2.0 {status} {REASONS.get(status, '')}\r\n".encode()
        notify = leg.request("NOTIFY", body, "message/sipfrag;version=2.0",
                             extra=[("Event", "refer"), ("Subscription-State", state)])
        self.core.send_request(notify, leg.dest, leg.transport, lambda r: None, lambda: None)


def _replaces(uri_headers: str) -> tuple[str, str, str] | None:
    """The Replaces header embedded in a Refer-To URI (RFC 3891 section 6.1):
    (call-id, to-tag, from-tag), or None for a blind transfer."""
    for part in uri_headers.split("&"):
        name, _, value = part.partition("=")
        if name.lower() == "replaces":
            fields = unquote(value).split(";")
            params = dict(p.split("=", 1) for p in fields[1:] if "=" in p)
            return fields[0], params.get("to-tag", ""), params.get("from-tag", "")
    return None
