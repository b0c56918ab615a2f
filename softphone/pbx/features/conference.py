"""One conference room while people are in it: who is in, who waits at the door, the mix.

A participant is attached to the room's mixer as soon as the PBX answers (or sends early
media), but stays out of the mix until admitted: before the right PIN it hears only its
prompts and the room hears nothing of it. Admitted, the others hear a join tone, and a
participant alone hears "you are the only participant". Keypad in the room (RFC 4733 or
SIP INFO): ``*6`` mutes and unmutes oneself; moderators also have ``*5`` (lock and unlock),
``*7`` (mute everyone else) and ``*8`` (unmute everyone else). Admins do the same and
remove people through the client API.

Events go up through ``emit(room, event, fields)``: join, leave, mute, lock and talking.
Talking changes are gathered and sent at most every ``TALK_INTERVAL`` seconds (5 a second
per room at most), each event carrying every change since the last, so none is lost.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from softphone.pbx.conferences import Room
from softphone.pbx.features.confleg import ConferenceLeg
from softphone.pbx.features.prompts import Prompts
from softphone.pbx.media.endpoint import RtpEndpoint
from softphone.pbx.media.mixer import Mixer, MixPort
from softphone.pbx.media.sdp import OriginTracker
from softphone.pbx.media.ticker import Ticker

log = logging.getLogger(__name__)
TALK_INTERVAL = 0.2
# A participant whose phone sent no RTP for this long (and is not holding) is gone without
# a BYE (crashed, lost its network): the PBX hangs up so the seat is free again.
RTP_TIMEOUT = 60.0
CHECK_EVERY = 50       # ticks (1 s) between checks for such participants
Emit = Callable[[str, str, dict[str, Any]], None]


@dataclass(eq=False)
class Participant:
    id: str
    number: str
    name: str
    leg: ConferenceLeg
    endpoint: RtpEndpoint
    port: MixPort
    origin: OriginTracker
    source: str = ""
    joined_at: float | None = None
    moderator: bool = False
    hidden: bool = False        # withheld its number (RFC 3323): others see "anonymous"
    keys: str = field(default="", repr=False)

    @property
    def in_room(self) -> bool:
        return self.port.in_mix

    def view(self) -> dict[str, Any]:
        number, name = ("anonymous", "") if self.hidden else (self.number, self.name)
        return {"id": self.id, "number": number, "name": name,
                "joined_at": self.joined_at, "muted": self.port.muted,
                "talking": self.port.talk.talking, "moderator": self.moderator}


class ConferenceRoom:
    def __init__(self, settings: Room, prompts: Prompts, loop: asyncio.AbstractEventLoop,
                 emit: Emit, wall_clock: Callable[[], float],
                 on_gone: Callable[[Participant], None] = lambda p: None,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.number = settings.number
        self.prompts = prompts
        self.emit = emit
        self.wall_clock = wall_clock
        self.mixer = Mixer()
        self.ticker = Ticker(loop, self._tick)
        self.participants: dict[str, Participant] = {}
        self.locked = False
        self._talk_changes: dict[str, bool] = {}
        self._talk_sent = 0.0
        self._loop = loop
        self.on_gone = on_gone
        self.monotonic = monotonic

    # -- who is here ------------------------------------------------------------------

    @property
    def members(self) -> list[Participant]:
        return [p for p in self.participants.values() if p.in_room]

    @property
    def full(self) -> bool:
        return len(self.members) >= self.settings.max_participants

    @property
    def empty(self) -> bool:
        return not self.participants

    def attach(self, p: Participant) -> None:
        """``p``'s media runs from now on, outside the mix."""
        self.participants[p.id] = p
        self.mixer.add(p.port)
        p.port.talk.on_change = lambda talking: self._talking(p, talking)
        self.ticker.start()

    def admit(self, p: Participant) -> None:
        others = self.members
        p.port.in_mix = True
        p.joined_at = self.wall_clock()
        for other in others:
            self.play(other, "join")
        if p.moderator:
            self.play(p, "moderator")
        if not others:
            self.play(p, "only_participant")
        log.info("conference %s: %s joined (%d in the room)", self.number, p.number,
                 len(others) + 1, extra={"event": "conference_join", "room": self.number,
                                         "number": p.number, "participant": p.id,
                                         "count": len(others) + 1})
        self.emit(self.number, "join", {"participant": p.view(), "count": len(others) + 1})

    def detach(self, p: Participant) -> None:
        """``p`` is gone (hung up, removed, refused): its media stops."""
        if self.participants.pop(p.id, None) is None:
            return
        self.mixer.remove(p.port)
        p.endpoint.close()
        if p.in_room:
            p.port.in_mix = False
            for other in self.members:
                self.play(other, "leave")
            log.info("conference %s: %s left", self.number, p.number,
                     extra={"event": "conference_leave", "room": self.number,
                            "number": p.number, "participant": p.id})
            self.emit(self.number, "leave", {"participant": p.id, "number": p.view()["number"],
                                             "count": len(self.members)})
        if not self.participants:
            self.ticker.stop()

    def play(self, p: Participant, name: str, then: Callable[[], None] | None = None) -> None:
        p.port.play(self.prompts.get(name, self.settings.language, p.port.codec.rate), then)

    # -- what participants and moderators do --------------------------------------------

    def set_muted(self, p: Participant, muted: bool, by: str) -> None:
        if p.port.muted == muted:
            return
        p.port.muted = muted
        self.play(p, "muted" if muted else "unmuted")
        log.info("conference %s: %s %s by %s", self.number, p.number,
                 "muted" if muted else "unmuted", by,
                 extra={"event": "conference_mute", "room": self.number, "number": p.number,
                        "muted": muted, "by": by})
        self.emit(self.number, "mute", {"participant": p.id, "number": p.view()["number"],
                                        "muted": muted, "by": by})

    def mute_others(self, keep: Participant | None, muted: bool, by: str) -> None:
        for other in self.members:
            if other is not keep:
                self.set_muted(other, muted, by)

    def set_locked(self, locked: bool, by: str) -> None:
        if self.locked != locked:
            self.locked = locked
            log.info("conference %s %s by %s", self.number,
                     "locked" if locked else "unlocked", by,
                     extra={"event": "conference_lock", "room": self.number, "locked": locked})
            self.emit(self.number, "lock", {"locked": locked, "by": by})

    def remove(self, p: Participant, by: str) -> None:
        log.info("conference %s: %s removed by %s", self.number, p.number, by,
                 extra={"event": "conference_remove", "room": self.number, "number": p.number})
        p.leg.bye("Removed from the conference")
        self.detach(p)

    def keypad(self, p: Participant, digit: str) -> None:
        """A key pressed in the room: ``*`` starts a two-key command."""
        if digit == "*":
            p.keys = "*"
            return
        command, p.keys = p.keys + digit, ""
        if command == "*6":
            self.set_muted(p, not p.port.muted, by=p.number)
        elif p.moderator and command == "*5":
            self.set_locked(not self.locked, by=p.number)
            # "The conference is locked"; unlocking is acknowledged with the join tone.
            self.play(p, "locked" if self.locked else "join")
        elif p.moderator and command in ("*7", "*8"):
            self.mute_others(p, command == "*7", by=p.number)

    def view(self) -> dict[str, Any]:
        return {"number": self.number, "name": self.settings.name, "locked": self.locked,
                "participants": [p.view() for p in self.members]}

    # -- the tick ----------------------------------------------------------------------

    def _tick(self) -> None:
        self.mixer.tick()
        if self.mixer.ticks % CHECK_EVERY == 0:
            now = self.monotonic()
            for p in [p for p in self.members
                      if p.endpoint.sending and now - p.endpoint.last_rx > RTP_TIMEOUT]:
                log.info("conference %s: no RTP from %s for %d s; hanging up", self.number,
                         p.number, RTP_TIMEOUT, extra={"event": "conference_rtp_timeout",
                                                      "room": self.number,
                                                      "number": p.number})
                self.on_gone(p)
        if self._talk_changes:
            now = self._loop.time()
            if now - self._talk_sent >= TALK_INTERVAL:
                changes, self._talk_changes = self._talk_changes, {}
                self._talk_sent = now
                self.emit(self.number, "talking", {"talking": changes})

    def _talking(self, p: Participant, talking: bool) -> None:
        self._talk_changes[p.id] = talking
