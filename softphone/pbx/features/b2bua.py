"""Calls between extensions: the B2BUA's request handlers.

New INVITEs become Call objects (call.py); requests inside a call are found by their
dialog (Call-ID + our tag, RFC 3261 12.2.2) and passed to it. Every call's media is
anchored at the PBX's relay, and every call lands in the call history, also one that is
refused at once, with why (outcome.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from functools import partial
from typing import Any

from softphone.common.directory import UserSettings
from softphone.pbx.api.calls import PickupResult
from softphone.pbx.config import PbxConfig
from softphone.pbx.features import midcall
from softphone.pbx.features.anchor import SDP, AnchorError, MediaAnchor
from softphone.pbx.features.authgate import AuthGate
from softphone.pbx.features.barge import Barges
from softphone.pbx.features.call import Call
from softphone.pbx.features.callinfo import CallInfo
from softphone.pbx.features.confservice import Conferences
from softphone.pbx.features.leftover import Leftovers
from softphone.pbx.features.linetakeover import LineTakeover
from softphone.pbx.features.location import Location
from softphone.pbx.features.outcome import BUSY, FAILED, reason_header
from softphone.pbx.features.routing import Decision, Reject, Ring, Router
from softphone.pbx.features.sessiontimer import SessionTimers
from softphone.pbx.features.sharedline import SharedLines
from softphone.pbx.features.transfer import Transfers
from softphone.pbx.linelog import LineLog
from softphone.pbx.media.relay import RelayError, RtpRelay
from softphone.pbx.ringgroups import RingGroup
from softphone.pbx.sip.clock import Clock
from softphone.pbx.sip.core import SipCore
from softphone.pbx.sip.dialog import Dialog
from softphone.pbx.sip.message import Request, Response
from softphone.pbx.sip.transaction import ServerTransaction
from softphone.pbx.sip.transport import Addr
from softphone.pbx.store import CallRecord, Store

log = logging.getLogger(__name__)



class B2bua:
    def __init__(
        self, core: SipCore, config: PbxConfig, auth: AuthGate, location: Location,
        relay: RtpRelay, store: Store, clock: Clock, wall_clock: Callable[[], float],
        spawn: Callable[[Coroutine[Any, Any, None]], object], media_address: str,
        on_call_change: Callable[[CallInfo], None] | None = None,
        settings: Callable[[str], UserSettings] = lambda number: UserSettings(),
        ring_group: Callable[[str], RingGroup | None] | None = None,
        logged_out: Callable[[str], frozenset[str]] = lambda group: frozenset(),
        conferences: Conferences | None = None,
        lines: SharedLines | None = None, line_log: LineLog | None = None,
    ) -> None:
        self.core = core
        self.lines = lines
        self.conferences = conferences
        self.config = config
        self.auth = auth
        self.location = location
        self.relay = relay
        self.store = store
        self.clock = clock
        self.wall_clock = wall_clock
        self.spawn = spawn
        self.media_address = media_address
        self.on_call_change = on_call_change
        self.leftovers = Leftovers(core, clock)
        self.transfers = Transfers(core, clock, config, location, self, self.leftovers)
        self.router = Router(config, location.bindings, settings, self.in_call,
                             self.device_in_call, ring_group, logged_out)
        self.calls: dict[str, Call] = {}                         # by CallInfo.id
        self._dialogs: dict[tuple[str, str], Call] = {}          # (call-id, our tag)
        self._by_invite: dict[tuple[str, str], Call] = {}        # (call-id, from tag) while ringing
        self.barges = Barges(core, clock, relay.pool, media_address, config.rtp.srtp, spawn,
                             line_log, wall_clock) if lines is not None else None
        self.takeover = LineTakeover(core, lines, self.calls.get, self.barges, line_log,
                                     wall_clock) if lines is not None and self.barges else None
        self._starting: dict[str, int] = {}      # caller -> calls binding their ports now
        self.session_timers = SessionTimers(config.sip.session_expires, config.sip.min_se,
                                            clock.now)

    # -- new calls ------------------------------------------------------------------------

    def handle_INVITE(self, req: Request, tx: ServerTransaction) -> None:
        if req.to_tag:
            self._in_dialog(req, tx)
            return
        caller = self.auth.user(req, tx, proxy=True)
        if caller is None:
            return
        callee = _dialled_number(req)
        limit = self.config.security.max_calls
        if len(self._talking(caller)) + self._starting.get(caller, 0) >= limit:
            # One account must not take every relay port (security.max_calls).
            self._refuse(req, tx, caller, callee, 486,
                         f"Too many calls at once (at most {limit} per extension)", BUSY)
            return
        if self.conferences is not None and self.conferences.is_room(callee):
            # Before the From check: a caller may withhold its number (RFC 3323).
            self.conferences.invite(req, tx, caller, callee)
            return
        if (req.from_.uri.user or "") != caller:
            self.core.respond(tx, 403, "From does not match the authenticated user")
            return
        if self.takeover is not None and self.takeover.wanted(req, callee):
            self.takeover.invite(req, tx, caller, callee)
            return
        if callee == PICKUP_GROUP or callee.startswith(PICKUP_DIRECTED):
            self._pickup(req, tx, caller, callee)
            return
        too_small = self.session_timers.too_small(req)
        if too_small is not None:   # RFC 4028 section 9: the caller retries with Min-SE
            self.core.respond(tx, 422, "Session Interval Too Small", extra=too_small)
            return
        # Who asks first (issue 15): a non-member claiming a shared line's identity is
        # refused whatever the callee's state.
        plan: Decision = self._claim_refused(req, caller) or self.router.route(callee, caller)
        if not isinstance(plan, Reject) and (
                not req.body or req.headers.get("Content-Type") != SDP):
            # Offerless INVITEs (RFC 3261 13.2.1 late offer) are not anchored yet.
            self.core.respond(tx, 488, "An SDP offer is required", extra=[("Accept", SDP)])
            return
        if self.lines is not None and not isinstance(plan, Reject):
            plan = self._line_appearance(req, caller, callee, plan)
        if isinstance(plan, Reject):
            self._refuse(req, tx, caller, callee, plan.status, plan.reason, plan.result)
            return
        max_forwards = int(req.headers.get("Max-Forwards") or "70") - 1
        self.core.respond(tx, 100)
        # Counted at once: calls still binding their ports count towards max_calls too.
        self._starting[caller] = self._starting.get(caller, 0) + 1
        self.spawn(self._start_call(req, tx, caller, callee, plan, max_forwards))

    def _claim_refused(self, req: Request, caller: str) -> Reject | None:
        """403 for a caller who claims a shared line's identity (RFC 3325 section 9.2)
        without being one of its members."""
        claimed = self.lines.claimed(req) if self.lines is not None else None
        if claimed is None or caller in claimed.members:
            return None
        log.info("%s may not call as shared line %s", caller, claimed.number,
                 extra={"event": "line_refused", "line": claimed.number, "caller": caller})
        return Reject(403, "Not a member of this shared line")

    def _line_appearance(self, req: Request, caller: str, callee: str, plan: Ring) -> Decision:
        """Calls to a shared line and calls made as one take an appearance of it
        (features/sharedline.py); with none free the caller is busy."""
        assert self.lines is not None
        call_id = f"{req.call_id}/{req.from_tag}"
        # RFC 3325 section 9.2, or a line-seize the caller holds (lineevents.py).
        claimed = self.lines.claimed(req) or self.lines.seized_line(caller)
        if claimed is not None and self.lines.take(call_id, claimed, incoming=False,
                                                   member=caller, party=callee) is None:
            return Reject(486, "All appearances of the line are in use", BUSY)
        line = self.lines.line(callee)
        if line is not None and self.lines.take(call_id, line, incoming=True, member=None,
                                                party=caller) is None:
            if line.busy and line.busy != caller:
                return self.router.route(line.busy, caller, plan.hops + 1)
            return Reject(486, "All appearances of the line are in use", BUSY)
        return plan

    async def _start_call(self, req: Request, tx: ServerTransaction, caller: str, callee: str,
                          plan: Ring, max_forwards: int) -> None:
        try:
            await self._set_up_call(req, tx, caller, callee, plan, max_forwards)
        finally:
            left = self._starting.pop(caller, 1) - 1
            if left:
                self._starting[caller] = left

    async def _set_up_call(self, req: Request, tx: ServerTransaction, caller: str,
                           callee: str, plan: Ring, max_forwards: int) -> None:
        try:
            session = await self.relay.allocate()
        except RelayError:
            log.warning("no media ports left for a call from %s", caller)
            self._refuse(req, tx, caller, callee, 503, "No media ports", FAILED,
                         [("Retry-After", "5")])
            return
        if tx.last_response is not None and tx.last_response.status >= 200:
            session.close()  # cancelled while the ports were being bound
            self._release_line(req)
            return
        anchor = MediaAnchor(session, self.media_address, srtp=self.config.rtp.srtp,
                             tls_a=tx.transport == "tls")
        ext = self.config.extension(caller)
        info = CallInfo(id=f"{req.call_id}/{req.from_tag}", caller=caller,
                        caller_name=ext.display_name if ext else caller, callee=callee)
        try:
            offer = anchor.take("a", req.body)
        except AnchorError as exc:
            anchor.close()
            self.core.respond(tx, 488, f"Bad SDP: {exc}")
            self._release_line(req)
            return
        call = Call(self.core, self.clock, anchor, req, tx, info, self,
                    session_timers=self.session_timers)
        device = next((b.contact for b in self.location.bindings(caller) if b.source == tx.source),
                      None)
        if device is not None:
            call.devices["a"] = device
        if self.lines is not None:
            self.lines.prepare(call)
        self.calls[info.id] = call
        self._by_invite[(req.call_id, req.from_tag or "")] = call
        self.store.call_started(CallRecord(
            id=info.id, started_at=self.wall_clock(), caller=caller,
            caller_name=info.caller_name, callee=callee, answered_at=None, ended_at=None,
            result="ringing",
        ))
        # DEBUG: three INFO lines per call were 10 % of the CPU of a call setup (py-spy at
        # 300 calls/s); call_end says who called whom, call_answered when it was answered.
        log.debug("call %s -> %s", caller, callee,
                  extra={"event": "call_start", "call": info.id, "caller": caller,
                         "callee": callee})
        call.ring(plan, offer, max_forwards,
                  lambda number, hops: self.router.route(number, caller, hops))
        self.changed(call)

    def _refuse(self, req: Request, tx: ServerTransaction, caller: str, callee: str,
                status: int, reason: str, result: str,
                extra: list[tuple[str, str]] | None = None) -> None:
        """A call that is not delivered at all: refused at once, and in the call history
        all the same, saying why."""
        self.core.respond(tx, status, reason, extra=[*reason_header(result), *(extra or [])])
        self._release_line(req)
        call_id, now = f"{req.call_id}/{req.from_tag}", self.wall_clock()
        ext = self.config.extension(caller)
        self.store.call_started(CallRecord(
            id=call_id, started_at=now, caller=caller,
            caller_name=ext.display_name if ext else caller, callee=callee, answered_at=None,
            ended_at=now, result=result, end_reason=reason))
        log.info("call %s -> %s not delivered: %s", caller, callee, result,
                 extra={"event": "call_end", "call": call_id, "result": result,
                        "caller": caller, "callee": callee})

    def _release_line(self, req: Request) -> None:
        if self.lines is not None:
            self.lines.release(f"{req.call_id}/{req.from_tag}")

    # -- who is on the phone (for call waiting and busy-on-busy) ------------------------

    def _talking(self, number: str) -> list[tuple[Call, str]]:
        """(call, side) where `number` talks: answered calls, and calls it is placing."""
        return [(c, s) for c in self.calls.values() if not c.ended
                for s, n in c.info.parties.items()
                if n == number and (c.answered or s == "a")]

    def in_call(self, number: str) -> bool:
        return bool(self._talking(number))

    def device_in_call(self, number: str, contact: str) -> bool:
        return any(c.devices.get(s) == contact for c, s in self._talking(number))

    # -- CallRegistry: the calls keep this index current -------------------------------

    def bind(self, dialog: Dialog, call: Call) -> None:
        self._dialogs[(dialog.call_id, dialog.local_tag)] = call

    def unbind(self, dialog: Dialog) -> None:
        self._dialogs.pop((dialog.call_id, dialog.local_tag), None)

    def find_dialog(self, call_id: str, tag: str) -> tuple[Call, str] | None:
        """The call and side of the PBX's dialog (Call-ID, our tag)."""
        call = self._dialogs.get((call_id, tag))
        if call is None:
            return None
        for side, leg in call.legs.items():
            if leg is not None and leg.call_id == call_id and leg.local_tag == tag:
                return call, side
        return None

    def changed(self, call: Call) -> None:
        info = call.info
        if info.state == "answered":
            call.anchor.session.watch()      # silence counts from here (mediawatch.py)
            self.session_timers.started(call.session)
            self.store.call_answered(info.id, self.wall_clock())
            log.info("call %s answered", info.id, extra={"event": "call_answered", "call": info.id})
        elif info.state == "ended":
            self.store.call_ended(info.id, self.wall_clock(), info.result, info.end_reason)
            log.info("call %s ended: %s", info.id, info.result,
                     extra={"event": "call_end", "call": info.id, "result": info.result,
                            "caller": info.caller, "callee": info.callee})
            self._forget(call)
        if self.lines is not None:
            self.lines.call_changed(info)
        if self.barges is not None:
            self.barges.call_changed(info)
        if self.on_call_change is not None:
            self.on_call_change(info)

    def _forget(self, call: Call) -> None:
        self.calls.pop(call.info.id, None)
        for key in [k for k, c in self._by_invite.items() if c is call]:
            del self._by_invite[key]

    # -- requests inside a call ---------------------------------------------------------

    def _find(self, req: Request) -> tuple[Call, str] | None:
        return self.find_dialog(req.call_id, req.to_tag or "")

    def _in_dialog(self, req: Request, tx: ServerTransaction) -> None:
        if self.conferences is not None and self.conferences.in_dialog(req, tx):
            return
        if self.barges is not None and self.barges.in_dialog(req, tx):
            return
        found = self._find(req)
        if found is None:
            if not self.leftovers.handle(req, tx):
                self.core.respond(tx, 481)
            return
        call, side = found
        dialog = call.dialog(side)
        if dialog is not None and not self._from_party(req, tx, call, side, dialog.dest):
            return
        if dialog is None or not dialog.accepts(req):
            self.core.respond(tx, 500, "Out of order", extra=[("Retry-After", "1")])
            return
        if self.lines is not None and req.method in ("INVITE", "UPDATE") and req.body:
            self.lines.media(call.info.id, side, req.body)   # hold and resume on a line
        self.session_timers.refreshed(call.session, side, req)
        if req.method == "BYE":
            self.core.respond(tx, 200)
            call.hangup(side)
        elif req.method == "REFER":
            self.transfers.refer(call, side, req, tx)
        else:
            midcall.relay(call, side, req, tx)

    def _from_party(self, req: Request, tx: ServerTransaction, call: Call, side: str,
                    peer: tuple[str, int]) -> bool:
        """Whether an in-dialog request may act on the call: it comes from the address the
        dialog's peer sends from, or authenticates as the party on that side. Else anyone
        who learnt the Call-ID and tags could hang up, transfer or re-route the call
        (RFC 3261 section 22.1: a UAS may challenge any request)."""
        if tx.source[0] == peer[0]:
            return True
        user = self.auth.user(req, tx, proxy=True)
        if user is None:
            return False
        if user != call.info.parties.get(side):
            self.core.respond(tx, 403, "Not a party of this call")
            return False
        return True

    handle_UPDATE = _in_dialog
    handle_INFO = _in_dialog
    handle_BYE = _in_dialog
    handle_REFER = _in_dialog
    handle_NOTIFY = _in_dialog

    def handle_CANCEL(self, req: Request, tx: ServerTransaction) -> None:
        invite_tx = self.core.transactions.find_invite_server(req)
        if invite_tx is None:
            self.core.respond(tx, 481)  # 9.2: nothing to cancel
            return
        self.core.respond(tx, 200)
        call = self._by_invite.get((req.call_id, req.from_tag or ""))
        if call is not None:
            call.caller_cancelled()
            return
        if self.conferences is not None and self.conferences.cancel(req):
            return   # a caller hearing a refusal prompt: 487 from the room
        if invite_tx.last_response is None or invite_tx.last_response.status < 200:
            self.core.respond(invite_tx, 487)

    def handle_ack_2xx(self, ack: Request, source: Addr, transport: str) -> None:
        if self.conferences is not None and self.conferences.ack(ack):
            return
        if self.barges is not None and self.barges.ack(ack):
            return
        found = self._find(ack)
        if found is not None:
            found[0].acked(found[1])

    # -- call pickup ----------------------------------------------------------------------

    def _pickup(self, req: Request, tx: ServerTransaction, picker: str, code: str) -> None:
        """`*8`: the oldest call ringing at a member of a ring group the picker is in (or
        ringing the group itself); `**<ext>`: the oldest call ringing at that extension."""
        target = None if code == PICKUP_GROUP else code[len(PICKUP_DIRECTED):]
        for call in self._ringing_for(picker, target):
            if call.picked_up(req, tx, picker):
                return
        self.core.respond(tx, 404, "No call to pick up")

    def pickup_for(self, picker: str, target: str | None) -> PickupResult:
        """Pickup through the client API: ring the picker's phones into the oldest call."""
        bindings = self.location.bindings(picker)
        if not bindings:
            return PickupResult.NO_DEVICE
        for call in self._ringing_for(picker, target):
            if call.ring_picker(picker, bindings):
                return PickupResult.RINGING
        return PickupResult.NOTHING

    def _ringing_for(self, picker: str, target: str | None) -> list[Call]:
        """Ringing calls `picker` may take: at `target`, or in one of the picker's groups."""
        if target is None:
            groups = [g for g in self.config.ring_groups.values() if picker in g.members]
            wanted = {m for g in groups for m in g.members} | {g.number for g in groups}
        else:
            wanted = {target}
        wanted.discard(picker)
        return [c for c in self.calls.values()
                if c.info.caller != picker and not c.answered
                and (set(c.info.ringing) | {c.info.callee}) & wanted]

    def handle_stray_response(self, resp: Response, source: Addr, transport: str) -> None:
        """A 2xx retransmission after its transaction ended: the device missed our ACK."""
        if resp.status < 200 or resp.status >= 300 or resp.cseq[1] != "INVITE":
            return
        found = self.find_dialog(resp.call_id, resp.from_tag or "")
        if found is not None:
            leg = found[0].legs[found[1]]
            if leg is not None:
                self.core.send(leg.ack(resp.cseq[0]), leg.dest, leg.transport)

    def check_session_timers(self) -> None:
        """End the calls whose refresher stopped refreshing (sessiontimer.py)."""
        self.session_timers.check(
            (c.info.id, c.session, partial(c.hangup, None), c.refresh_session)
            for c in list(self.calls.values()) if c.answered and not c.ended)

    # -- shutdown -------------------------------------------------------------------------

    def hangup_all(self) -> int:
        """SIGTERM: end every call with BYE (answered) or 480 (ringing)."""
        calls = list(self.calls.values())
        for call in calls:
            call.hangup(reason="shutdown")
        self.leftovers.hang_up_all()
        if self.barges is not None:
            self.barges.hangup_all()
        rooms = self.conferences.hangup_all() if self.conferences is not None else 0
        return len(calls) + rooms


PICKUP_GROUP = "*8"       # feature codes as on most office PBXs
PICKUP_DIRECTED = "**"


def _dialled_number(req: Request) -> str:
    uri = req.uri
    if uri.lower().startswith("tel:"):
        return uri[4:].split(";")[0]
    from softphone.pbx.sip.address import AddressError, SipUri

    try:
        return SipUri.parse(uri).user or ""
    except AddressError:
        return ""
