"""Calls to conference rooms: the B2BUA hands INVITEs to a room number here.

Who gets in (RFC 3261 status codes, reasons saying why):
- a PIN room answers (200) and asks for the PIN (conference_entry.py);
- a whitelist room lets in the authenticated caller whose number is on the list; a caller
  who withholds the number (``Privacy: id``, RFC 3323 section 4.2, or an anonymous From,
  section 4.1.1.3) or is not on the list hears why and gets 403;
- a full room plays "the conference is full" and gets 486; a locked room 403; a caller
  shut out for guessing PINs (pinguard.py) 403.
Refusals play their prompt as early media (183 with SDP, RFC 3960) and then send the final
response: the caller learns why in words and its phone still sees the right status code,
which answering and hanging up would hide (a 200 and BYE look like a normal call).
Nothing of the room reaches a caller before admission, nor the caller the room.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable, Coroutine
from typing import Any

from softphone.pbx.conferences import Room
from softphone.pbx.config import PbxConfig
from softphone.pbx.features.conference import ConferenceRoom, Participant
from softphone.pbx.features.conference_entry import PinEntry
from softphone.pbx.features.confleg import SDP, ConferenceLeg
from softphone.pbx.features.confsdp import Negotiated, negotiate
from softphone.pbx.features.pinguard import PinGuard
from softphone.pbx.features.prompts import Prompts
from softphone.pbx.listeners import Listeners
from softphone.pbx.media.codecs import Codec
from softphone.pbx.media.endpoint import RtpEndpoint
from softphone.pbx.media.mixer import MixPort
from softphone.pbx.media.ports import PortPool, RelayError
from softphone.pbx.media.sdp import OriginTracker, SdpError
from softphone.pbx.sip.clock import Clock
from softphone.pbx.sip.core import SipCore
from softphone.pbx.sip.message import Request
from softphone.pbx.sip.transaction import ServerTransaction

log = logging.getLogger(__name__)


def anonymous(req: Request) -> bool:
    privacy = {t.strip().lower() for t in (req.headers.get("Privacy") or "").split(";")}
    uri = req.from_.uri
    return "id" in privacy or (uri.user or "").lower() == "anonymous" or \
        (uri.host or "").lower() == "anonymous.invalid"


class Conferences:
    def __init__(self, core: SipCore, clock: Clock, config: PbxConfig, pool: PortPool,
                 rooms: Callable[[str], Room | None], prompts: Prompts,
                 spawn: Callable[[Coroutine[Any, Any, None]], object], media_address: str,
                 wall_clock: Callable[[], float], monotonic: Callable[[], float]) -> None:
        self.core = core
        self.clock = clock
        self.config = config
        self.pool = pool
        self.rooms = rooms
        self.prompts = prompts
        self.spawn = spawn
        self.media_address = media_address
        self.wall_clock = wall_clock
        self.events: Listeners[[str, str, dict[str, Any]]] = Listeners("conference listener")
        self.guard = PinGuard(monotonic)
        self.live: dict[str, ConferenceRoom] = {}
        self._legs: dict[tuple[str, str], tuple[ConferenceRoom, Participant]] = {}
        self._pending: dict[tuple[str, str], Participant] = {}    # (call-id, from tag)
        self._entries: dict[str, PinEntry] = {}

    def is_room(self, number: str) -> bool:
        return self.rooms(number) is not None

    def subscribe(self, listener: Callable[[str, str, dict[str, Any]], None]
                  ) -> Callable[[], None]:
        """``listener(room, event, fields)`` for join, leave, mute, lock and talking."""
        return self.events.subscribe(listener)

    # -- what the client API does (api/conferences.py's LiveRooms) --------------------

    def view(self, number: str) -> dict[str, Any] | None:
        room = self.live.get(number)
        return room.view() if room is not None else None

    def lock(self, number: str, locked: bool, by: str) -> bool:
        room = self.live.get(number)
        if room is None or not room.members:
            return False
        room.set_locked(locked, by)
        return True

    def mute(self, number: str, pid: str | None, muted: bool, by: str) -> bool:
        """Mute or unmute participant ``pid``, or everyone (None)."""
        room = self.live.get(number)
        if room is None or not room.members:
            return False
        if pid is None:
            room.mute_others(None, muted, by)
            return True
        p = room.participants.get(pid)
        if p is None or not p.in_room:
            return False
        room.set_muted(p, muted, by)
        return True

    def kick(self, number: str, pid: str, by: str) -> bool:
        room = self.live.get(number)
        p = room.participants.get(pid) if room is not None else None
        if room is None or p is None or not p.in_room:
            return False
        room.remove(p, by)
        self._forget(p)
        return True

    # -- a new caller -------------------------------------------------------------------

    def invite(self, req: Request, tx: ServerTransaction, caller: str, number: str) -> None:
        hidden = anonymous(req)
        if not hidden and (req.from_.uri.user or "") != caller:
            self.core.respond(tx, 403, "From does not match the authenticated user")
            return
        if not req.body or req.headers.get("Content-Type") != SDP:
            self.core.respond(tx, 488, "An SDP offer is required", extra=[("Accept", SDP)])
            return
        self.core.respond(tx, 100)
        self.spawn(self._start(req, tx, caller, number, hidden))

    async def _start(self, req: Request, tx: ServerTransaction, caller: str, number: str,
                     hidden: bool) -> None:
        settings = self.rooms(number)   # read now: a change counts from the next caller
        if settings is None:
            self.core.respond(tx, 404, "Unknown number")
            return
        try:
            endpoint = await RtpEndpoint.open(self.pool)
        except RelayError:
            log.warning("no media ports left for a conference call from %s", caller)
            self.core.respond(tx, 503, "No media ports", extra=[("Retry-After", "5")])
            return
        if tx.last_response is not None and tx.last_response.status >= 200:
            endpoint.close()   # cancelled while the port was being bound
            return
        origin = OriginTracker(self.media_address)
        try:
            media = negotiate(req.body, self.media_address, endpoint.local_port, origin,
                              srtp=self.config.rtp.srtp, tls=tx.transport == "tls")
        except (SdpError, ValueError) as exc:
            endpoint.close()
            self.core.respond(tx, 488, f"Bad SDP: {exc}")
            return
        room = self.live.get(number)
        if room is None:
            room = self.live[number] = ConferenceRoom(
                settings, self.prompts, asyncio.get_running_loop(), self.events.notify,
                self.wall_clock, on_gone=lambda gone: self._hang_up(gone, "No media", 408))
        room.settings = settings
        ext = self.config.extension(caller)
        port = MixPort(Codec(media.payload_type), endpoint.send)
        p = Participant(id=secrets.token_hex(6), number=caller,
                        name=ext.display_name if ext else caller,
                        leg=ConferenceLeg(self.core, self.clock, req, tx, number),
                        endpoint=endpoint, port=port, origin=origin, source=tx.source[0],
                        hidden=hidden)
        endpoint.audio_pt, endpoint.dtmf_pt = int(media.offered_pt), media.dtmf_pt
        self._apply(p, media)
        endpoint.on_audio = port.receive
        endpoint.on_digit = lambda digit: self._digit(room, p, digit)
        self._legs[p.leg.key] = (room, p)
        self._pending[(req.call_id, req.from_tag or "")] = p
        room.attach(p)
        refusal = self._refusal(room, p, hidden)
        if refusal is not None:
            prompt, status, reason = refusal
            log.info("conference %s refused %s: %s", number, caller, reason,
                     extra={"event": "conference_refused", "room": number, "number": caller,
                            "status": status})
            p.leg.early(media.answer)
            room.play(p, prompt, then=lambda: self._refuse(p, status, reason))
            return
        self._pending.pop((req.call_id, req.from_tag or ""), None)
        p.leg.answer(media.answer)
        if settings.access != "pin":
            room.admit(p)
            return
        entry = PinEntry(room, p, self.clock, lambda: self.guard.wrong(p.number, p.source),
                         admit=lambda moderator: self._admit_after_pin(room, p),
                         reject=lambda: self._hang_up(p, "Wrong PIN", 403))
        self._entries[p.id] = entry
        entry.start()

    def _refusal(self, room: ConferenceRoom, p: Participant,
                 hidden: bool) -> tuple[str, int, str] | None:
        """(prompt, status, reason) when ``p`` may not come in; None when it may (for now:
        a PIN room asks for the PIN first)."""
        s = room.settings
        if s.access == "pin" and self.guard.blocked(p.number):
            return "blocked", 403, "Too many wrong PINs, try again later"
        if room.locked:
            return "locked", 403, "The conference is locked"
        if s.access == "whitelist" and hidden:
            return "anonymous", 403, "Anonymous callers are not admitted"
        if s.access == "whitelist" and p.number not in s.whitelist:
            return "not_listed", 403, "Number not on the conference whitelist"
        if room.full:
            return "full", 486, "The conference is full"
        return None

    def _admit_after_pin(self, room: ConferenceRoom, p: Participant) -> None:
        self._entries.pop(p.id, None)
        if room.full:
            room.play(p, "full", then=lambda: self._hang_up(p, "The conference is full", 486))
            return
        if room.locked:
            room.play(p, "locked",
                      then=lambda: self._hang_up(p, "The conference is locked", 403))
            return
        room.admit(p)

    def _apply(self, p: Participant, media: Negotiated) -> None:
        p.endpoint.set_remote(media.remote, p.source)
        p.endpoint.sending = media.sending
        p.endpoint.inbound, p.endpoint.outbound = media.inbound, media.outbound

    # -- ending ---------------------------------------------------------------------------

    def _refuse(self, p: Participant, status: int, reason: str) -> None:
        p.leg.refuse(status, reason)
        self._forget(p)

    def _hang_up(self, p: Participant, reason: str, cause: int = 200) -> None:
        p.leg.bye(reason, cause)
        self._forget(p)

    def _forget(self, p: Participant) -> None:
        found = self._legs.pop(p.leg.key, None)
        entry = self._entries.pop(p.id, None)
        if entry is not None:
            entry.close()
        for key in [k for k, v in self._pending.items() if v is p]:
            del self._pending[key]
        if found is not None:
            room = found[0]
            room.detach(p)
            if room.empty:
                self.live.pop(room.number, None)

    def hangup_all(self) -> int:
        everyone = [p for _, p in self._legs.values()]
        for p in everyone:
            self._hang_up(p, "The PBX is shutting down")
        return len(everyone)

    # -- requests inside a participant's dialog ----------------------------------------

    def in_dialog(self, req: Request, tx: ServerTransaction) -> bool:
        """Handle ``req`` if it belongs to a participant's dialog; False if not ours."""
        found = self._legs.get((req.call_id, req.to_tag or ""))
        if found is None:
            return False
        room, p = found
        p.leg.in_dialog(req, tx, on_bye=lambda: self._forget(p),
                        on_digit=lambda digit: self._digit(room, p, digit),
                        on_offer=lambda body: self._reoffer(p, body))
        return True

    def _reoffer(self, p: Participant, body: bytes) -> bytes | None:
        try:
            media = negotiate(body, self.media_address, p.endpoint.local_port, p.origin,
                              srtp=self.config.rtp.srtp, tls=p.leg.dialog.transport == "tls")
        except (SdpError, ValueError):
            return None
        if media.payload_type != p.port.codec.payload_type:
            return None   # a codec change mid-call is not supported: keep the old one
        self._apply(p, media)
        return media.answer

    def cancel(self, req: Request) -> bool:
        p = self._pending.get((req.call_id, req.from_tag or ""))
        if p is None:
            return False
        self._refuse(p, 487, "Request Terminated")
        return True

    def ack(self, req: Request) -> bool:
        found = self._legs.get((req.call_id, req.to_tag or ""))
        if found is not None:
            found[1].leg.acked()
        return found is not None

    def _digit(self, room: ConferenceRoom, p: Participant, digit: str) -> None:
        entry = self._entries.get(p.id)
        if entry is not None:
            entry.digit(digit)
        elif p.in_room:
            room.keypad(p, digit)
