"""Barge-in on a shared line: a member joins another member's active call, three-way.

The barging phone's INVITE (to the line, naming the appearance, linetakeover.py) is
answered with an RTP endpoint of its own; the call's two relay legs are tapped
(media/tap.py), and the three go through the conference mixer (media/mixer.py), each
hearing the other two. The parties already talking hear the line's warning tone: never,
once, or again every warning_interval seconds while the barge lasts. When the barging
phone hangs up, the taps go and the relay forwards as before; when the call ends, the
barging phone gets BYE. One barge per call at a time; SRTP calls are not tapped (their
keys end at the relay per leg, the tap would have to re-encrypt, not built).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from softphone.pbx.features.appearances import Appearance, LineState
from softphone.pbx.features.call import Call
from softphone.pbx.features.callinfo import CallInfo
from softphone.pbx.features.confleg import ConferenceLeg
from softphone.pbx.features.confsdp import negotiate
from softphone.pbx.features.warningtone import WarningTone
from softphone.pbx.linelog import LineLog, LineRecord
from softphone.pbx.media.codecs import Codec
from softphone.pbx.media.endpoint import RtpEndpoint
from softphone.pbx.media.mixer import Mixer, MixPort
from softphone.pbx.media.ports import PortPool, RelayError
from softphone.pbx.media.sdp import OriginTracker, SdpError
from softphone.pbx.media.tap import LegPort
from softphone.pbx.media.ticker import Ticker
from softphone.pbx.sip.clock import Clock
from softphone.pbx.sip.core import SipCore
from softphone.pbx.sip.message import Request
from softphone.pbx.sip.transaction import ServerTransaction

log = logging.getLogger(__name__)


@dataclass(eq=False)
class Barge:
    call: Call
    state: LineState
    index: int
    member: str
    leg: ConferenceLeg
    endpoint: RtpEndpoint
    mixer: Mixer
    ticker: Ticker | None = None
    parties: list[LegPort] = field(default_factory=list)
    tone: WarningTone | None = None


class Barges:
    def __init__(self, core: SipCore, clock: Clock, pool: PortPool, media_address: str,
                 srtp: str, spawn: Callable[[Coroutine[Any, Any, None]], object],
                 audit: LineLog | None, wall_clock: Callable[[], float]) -> None:
        self.core = core
        self.clock = clock
        self.pool = pool
        self.media_address = media_address
        self.srtp = srtp
        self.spawn = spawn
        self.audit = audit
        self.wall_clock = wall_clock
        self._by_call: dict[str, Barge] = {}
        self._legs: dict[tuple[str, str], Barge] = {}

    def start(self, req: Request, tx: ServerTransaction, member: str, call: Call,
              state: LineState, a: Appearance) -> None:
        if call.info.id in self._by_call:
            self.core.respond(tx, 486, "Someone is barged in already")
            return
        if call.anchor.srtp_active("a") or call.anchor.srtp_active("b"):
            self.core.respond(tx, 488, "Barge-in on an encrypted call is not available")
            return
        if not req.body:
            self.core.respond(tx, 488, "An SDP offer is required")
            return
        self.core.respond(tx, 100)
        self.spawn(self._start(req, tx, member, call, state, a.index))

    async def _start(self, req: Request, tx: ServerTransaction, member: str, call: Call,
                     state: LineState, index: int) -> None:
        try:
            endpoint = await RtpEndpoint.open(self.pool)
        except RelayError:
            self.core.respond(tx, 503, "No media ports", extra=[("Retry-After", "5")])
            return
        if call.ended or call.info.id in self._by_call or (
                tx.last_response is not None and tx.last_response.status >= 200):
            endpoint.close()
            if tx.last_response is None or tx.last_response.status < 200:
                self.core.respond(tx, 486, "Someone is barged in already")
            return
        try:
            media = negotiate(req.body, self.media_address, endpoint.local_port,
                              OriginTracker(self.media_address), srtp=self.srtp,
                              tls=tx.transport == "tls")
        except (SdpError, ValueError) as exc:
            endpoint.close()
            self.core.respond(tx, 488, f"Bad SDP: {exc}")
            return
        mixer = Mixer()
        b = Barge(call, state, index, member,
                  ConferenceLeg(self.core, self.clock, req, tx, state.line.number),
                  endpoint, mixer)
        port = MixPort(Codec(media.payload_type), endpoint.send)
        port.in_mix = True
        mixer.add(port)
        endpoint.set_remote(media.remote, tx.source[0])
        endpoint.inbound, endpoint.outbound = media.inbound, media.outbound
        endpoint.audio_pt, endpoint.dtmf_pt = int(media.offered_pt), media.dtmf_pt
        endpoint.on_audio = port.receive
        b.parties = [LegPort(call.anchor.leg(side), mixer) for side in ("a", "b")]
        b.ticker = Ticker(asyncio.get_running_loop(), mixer.tick)
        b.ticker.start()
        self._by_call[call.info.id] = b
        self._legs[b.leg.key] = b
        b.leg.answer(media.answer)
        line = state.line
        def warn() -> None:
            for party in b.parties:
                party.warn()

        b.tone = WarningTone(self.clock, line.warning_tone, line.warning_interval, warn)
        b.tone.start()
        previous = state.appearances[index - 1].member or ""
        party = state.appearances[index - 1].party or ""
        log.info("shared line %s appearance %d: barge by %s", line.number, index, member,
                 extra={"event": "line_barge", "line": line.number, "appearance": index,
                        "by": member, "from": previous, "call": call.info.id})
        if self.audit is not None:
            self.audit.record(LineRecord(self.wall_clock(), line.number, index, "barge",
                                         member, previous, party))

    # -- the barging phone's dialog ---------------------------------------------------------

    def in_dialog(self, req: Request, tx: ServerTransaction) -> bool:
        b = self._legs.get((req.call_id, req.to_tag or ""))
        if b is None:
            return False
        b.leg.in_dialog(req, tx, on_bye=lambda: self._end(b, bye=False),
                        on_digit=lambda digit: None, on_offer=lambda body: None)
        return True

    def ack(self, ack: Request) -> bool:
        b = self._legs.get((ack.call_id, ack.to_tag or ""))
        if b is None:
            return False
        b.leg.acked()
        return True

    def call_changed(self, info: CallInfo) -> None:
        """The barged call ended: so does the barge."""
        b = self._by_call.get(info.id)
        if b is not None and info.state == "ended":
            self._end(b, bye=True)

    def _end(self, b: Barge, bye: bool) -> None:
        if self._by_call.get(b.call.info.id) is not b:
            return
        del self._by_call[b.call.info.id]
        self._legs.pop(b.leg.key, None)
        if b.tone is not None:
            b.tone.stop()
        if b.ticker is not None:
            b.ticker.stop()
        for party in b.parties:
            party.close()
        b.endpoint.close()
        if bye:
            b.leg.bye("Call ended")
        log.info("shared line %s appearance %d: barge by %s ended", b.state.line.number,
                 b.index, b.member, extra={"event": "line_barge_end",
                                           "line": b.state.line.number, "by": b.member})

    def hangup_all(self) -> None:
        for b in list(self._by_call.values()):
            self._end(b, bye=True)
