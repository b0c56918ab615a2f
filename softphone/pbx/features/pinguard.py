"""Guessing conference PINs: wrong PINs counted across calls, offenders shut out a while.

A 4-digit PIN falls to 10,000 guesses, and hanging up after three wrong ones and calling
again costs an attacker nothing. So every wrong PIN counts against the calling number (a
digest-authenticated extension: proven) and against the source address the call came
from; ``LIMIT`` wrong PINs within ``WINDOW`` seconds from one of them shut it out of PIN
rooms for ``BLOCK`` seconds (logged once, without any PIN). Other callers are untouched:
only the key that guessed is blocked. Both tables are bounded (the oldest entries go
first), so a flood of sources cannot grow them without limit.
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

    def blocked(self, *keys: str) -> bool:
        now = self.clock()
        for key in keys:
            until = self._blocked.get(key)
            if until is not None:
                if now < until:
                    return True
                del self._blocked[key]
        return False

    def wrong(self, *keys: str) -> None:
        """One wrong PIN from the caller known by ``keys`` ("number:100", "addr:...")."""
        now = self.clock()
        for key in keys:
            times = self._failures.pop(key, None) or deque(maxlen=self.limit)
            while times and now - times[0] > self.window:
                times.popleft()
            times.append(now)
            self._failures[key] = times           # most recent last
            if len(self._failures) > self.max_keys:
                self._failures.popitem(last=False)
            if len(times) >= self.limit and key not in self._blocked:
                self._blocked[key] = now + self.block
                if len(self._blocked) > self.max_keys:
                    self._blocked.popitem(last=False)
                times.clear()
                log.warning("conference PINs: %s shut out for %d s after %d wrong PINs "
                            "within %d s", key, self.block, self.limit, self.window,
                            extra={"event": "conference_pin_lockout", "key": key,
                                   "seconds": self.block})
