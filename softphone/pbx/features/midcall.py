"""Requests inside a connected call passed from one side to the other: re-INVITE, UPDATE,
INFO, NOTIFY (REFER and BYE are handled by the B2BUA itself).

Only what the other side allows is sent to it (its last Allow, RFC 3261 20.5). An UPDATE
(RFC 3311) it does not allow is not passed on to be refused with 501, as a proxy such as
Kamailio would; a B2BUA terminates it on each leg, and pjsip (the stack of Asterisk's
res_pjsip) chooses by the peer's Allow the same way, UPDATE where listed and re-INVITE
otherwise (pjproject issues 1047 and 1097):
- without a body it is a session refresh (RFC 4028) or a Contact change: the PBX's own
  dialog with the sender is what it refreshes, so the PBX answers 200 itself;
- with an SDP offer in the confirmed dialog, the offer goes on as a re-INVITE (the method
  every UA supports for it, RFC 3311 section 1) and its answer comes back in the UPDATE's
  200; while an offer is outstanding on the call the UPDATE gets 491 (RFC 3311 5.2).
Other methods the other side does not allow are answered 501 here.

An SDP offer is anchored (media.anchor) only once the other side accepted it with an answer
in a 2xx: until then, and for good if it is refused, the media keeps flowing as negotiated
before (RFC 3264 section 8, RFC 3311 section 5.2).
"""

from __future__ import annotations

from softphone.pbx.features.anchor import SDP, AnchorError
from softphone.pbx.features.call import Call, other
from softphone.pbx.sip.dialog import Dialog
from softphone.pbx.sip.message import Request, Response, make_response
from softphone.pbx.sip.transaction import ServerTransaction

_PASSED_HEADERS = ("Event", "Reason", "Info-Package")


def relay(call: Call, side: str, req: Request, tx: ServerTransaction) -> None:
    """Pass `req` from `side` to the other side of `call` and its answer back."""
    here, there = call.legs[side], call.legs[other(side)]
    if here is None or there is None:
        call.core.respond(tx, 481)
        return
    here.note_allow(req)
    if req.method in ("INVITE", "UPDATE"):
        here.update_target(req)
    ctype = req.headers.get("Content-Type")
    has_offer = bool(req.body) and ctype == SDP
    method = req.method
    if not there.allows(method):
        if method != "UPDATE":
            call.core.respond(tx, 501, f"{method} not supported by the other party")
            return
        if not has_offer:
            _reply(call, tx, req, here, 200, "OK", b"")   # a refresh of the PBX's own dialog
            return
        method = "INVITE"
    if method == "INVITE" and call.pending:
        call.core.respond(tx, 491)   # 14.1, RFC 3311 5.2: an offer is still outstanding
        return
    body, apply_offer = req.body, None
    if has_offer:
        try:
            body, apply_offer = call.anchor.offer(side, req.body)
        except AnchorError as exc:
            call.core.respond(tx, 488, f"Bad SDP: {exc}")
            return
    extra = [(n, v) for n, v in req.headers if n in _PASSED_HEADERS]
    out = there.request(method, body, ctype if body else None, extra=extra)
    if method == "INVITE":
        call.pending.add(side)

    def on_response(resp: Response) -> None:
        if resp.status < 200:
            return
        call.pending.discard(side)
        there.note_allow(resp)
        ok = resp.status < 300
        if method == "INVITE" and ok:
            there.update_target(resp)
            call.core.send(there.ack(out.cseq[0]), there.dest, there.transport)
        answer = b""
        if ok and resp.body and resp.headers.get("Content-Type") == SDP:
            if apply_offer is not None:
                apply_offer()
            try:
                answer = call.anchor.take(other(side), resp.body)
            except AnchorError:
                answer = b""
        elif resp.headers.get("Content-Type") != SDP:
            answer = resp.body   # e.g. an INFO's answer; never a peer's own media address
        _reply(call, tx, req, here, resp.status, resp.reason, answer,
               resp.headers.get("Content-Type"))

    def on_timeout() -> None:
        call.pending.discard(side)
        call.core.respond(tx, 408)

    call.core.send_request(out, there.dest, there.transport, on_response, on_timeout)


def _reply(call: Call, tx: ServerTransaction, req: Request, here: Dialog, status: int,
           reason: str, body: bytes, ctype: str | None = SDP) -> None:
    extra = [("Contact", here.local_contact)]
    if 200 <= status < 300 and call.session_timers is not None:
        side = "a" if here is call.legs["a"] else "b"
        extra += call.session_timers.refresh_headers(call.session, side, req)
    if body:
        extra.append(("Content-Type", ctype or SDP))
    tx.respond(make_response(req, status, reason, to_tag=here.local_tag, extra=extra,
                             body=body))
