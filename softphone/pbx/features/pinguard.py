"""Guessing conference PINs: wrong PINs counted across calls, offenders shut out a while.

A 4-digit PIN falls to 10,000 guesses, and hanging up after three wrong ones and calling
again costs an attacker nothing. So every wrong PIN counts against the calling number and
against the source address the call came from, over all calls: ``LIMIT`` wrong PINs
within ``WINDOW`` seconds from one calling number shut that number out of PIN rooms for
``BLOCK`` seconds (logged once, without any PIN).

Only the number is shut out, because only the number is proven (digest authentication):
an address is shared by every phone behind an office's NAT, so blocking it would lock
colleagues out, and a UDP source can be forged to lock out others on purpose. The same
count per address is logged as a warning (a guesser with several accounts), for an
administrator or fail2ban to act on. Both tables are bounded (the oldest entries go first),
so a flood of sources cannot grow them without limit.
"""

from __future__ import annotations

import logging
from collections import OrderedDict, deque
from collections.abc import Callable

log = logging.getLogger(__name__)

LIMIT = 10
WINDOW = 600.0
BLOCK = 900.0
MAX_KEYS = 10_000


class PinGuard:
    def __init__(self, clock: Callable[[], float], limit: int = LIMIT, window: float = WINDOW,
                 block: float = BLOCK, max_keys: int = MAX_KEYS) -> None:
        self.clock = clock
        self.limit = limit
        self.window = window
        self.block = block
        self.max_keys = max_keys
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._blocked: OrderedDict[str, float] = OrderedDict()

    def blocked(self, number: str) -> bool:
        until = self._blocked.get(number)
        if until is None:
            return False
        if self.clock() < until:
            return True
        del self._blocked[number]
        return False

    def wrong(self, number: str, address: str) -> None:
        """One wrong PIN from the caller ``number`` at ``address``."""
        now = self.clock()
        if self._count(f"number:{number}", now) and number not in self._blocked:
            self._blocked[number] = now + self.block
            if len(self._blocked) > self.max_keys:
                self._blocked.popitem(last=False)
            log.warning("conference PINs: %s shut out of PIN rooms for %d s after %d wrong "
                        "PINs within %d s", number, self.block, self.limit, self.window,
                        extra={"event": "conference_pin_lockout", "number": number,
                               "address": address, "seconds": self.block})
        if self._count(f"address:{address}", now):
            log.warning("conference PINs: %d wrong PINs within %d s from %s", self.limit,
                        self.window, address,
                        extra={"event": "conference_pin_guessing", "address": address})

    def _count(self, key: str, now: float) -> bool:
        """Count one failure for ``key``; True when that makes ``limit`` in the window."""
        times = self._failures.pop(key, None) or deque(maxlen=self.limit)
        while times and now - times[0] > self.window:
            times.popleft()
        times.append(now)
        self._failures[key] = times           # most recent last
        if len(self._failures) > self.max_keys:
            self._failures.popitem(last=False)
        if len(times) >= self.limit:
            times.clear()
            return True
        return False
