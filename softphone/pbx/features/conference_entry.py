"""Entering a PIN room: the dialogue between the answered caller and the door.

The caller hears "please enter the conference PIN, then hash"; digits typed while it
plays count (the prompt stops at the first one); ``#`` ends the entry. ``TIMEOUT``
seconds without a digit repeat the prompt (``MAX_PROMPTS`` times, then goodbye). A wrong
PIN is announced and the prompt repeats; after ``ATTEMPTS`` wrong ones the caller hears
"wrong PIN, goodbye" and is hung up. The moderator PIN, where the room has one, lets the
caller in as moderator. Every wrong PIN is counted (``count_wrong``: pinguard.py).

PINs are compared in constant time and never logged: the log says "wrong PIN", not which.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable

from softphone.pbx.features.conference import ConferenceRoom, Participant
from softphone.pbx.sip.clock import Clock, TimerHandle

log = logging.getLogger(__name__)

TIMEOUT = 10.0
ATTEMPTS = 3
MAX_PROMPTS = 4
MAX_DIGITS = 16


class PinEntry:
    def __init__(self, room: ConferenceRoom, p: Participant, clock: Clock,
                 count_wrong: Callable[[], None], admit: Callable[[bool], None],
                 reject: Callable[[], None]) -> None:
        self.room = room
        self.p = p
        self.clock = clock
        self.count_wrong = count_wrong
        self.admit = admit
        self.reject = reject
        self.digits = ""
        self.wrong = 0
        self.prompts = 0
        self.done = False
        self._timer: TimerHandle | None = None

    def start(self) -> None:
        self._ask()

    def close(self) -> None:
        self.done = True
        self._disarm()

    def _ask(self, before: str | None = None) -> None:
        self.prompts += 1
        self.p.port.stop_prompts()
        if before is not None:
            self.room.play(self.p, before)
        self.room.play(self.p, "enter_pin", then=self._arm)

    def _arm(self) -> None:
        self._disarm()
        if not self.done:
            self._timer = self.clock.call_later(TIMEOUT, self._timeout)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _timeout(self) -> None:
        self._timer = None
        if self.done:
            return
        if self.prompts >= MAX_PROMPTS:
            self._finish_rejected("timeout")
            return
        self._ask()

    def digit(self, digit: str) -> None:
        if self.done:
            return
        self.p.port.stop_prompts()   # typing over the prompt: the caller knows what to do
        self._arm()
        if digit != "#":
            if len(self.digits) < MAX_DIGITS:
                self.digits += digit
            return
        entered, self.digits = self.digits, ""
        settings = self.room.settings
        moderator = settings.moderator_pin is not None and _same(entered, settings.moderator_pin)
        if moderator or (settings.pin is not None and _same(entered, settings.pin)):
            self.close()
            self.p.moderator = moderator
            self.admit(moderator)
            return
        self.wrong += 1
        self.count_wrong()
        log.info("conference %s: wrong PIN from %s (%d of %d)", self.room.number,
                 self.p.number, self.wrong, ATTEMPTS,
                 extra={"event": "conference_wrong_pin", "room": self.room.number,
                        "number": self.p.number, "attempt": self.wrong,
                        "digits": len(entered)})   # how many, never which
        if self.wrong >= ATTEMPTS:
            self._finish_rejected("wrong PIN")
            self.room.play(self.p, "wrong_pin_goodbye", then=self.reject)
        else:
            self._ask(before="wrong_pin")

    def _finish_rejected(self, why: str) -> None:
        self.close()
        log.info("conference %s: %s hung up (%s)", self.room.number, self.p.number, why,
                 extra={"event": "conference_entry_failed", "room": self.room.number,
                        "number": self.p.number, "why": why})
        if why == "timeout":
            self.reject()


def _same(entered: str, pin: str) -> bool:
    return hmac.compare_digest(entered.encode(), pin.encode())
