"""A 20 ms tick from the event loop's monotonic clock, without drift.

Tick n is due at ``start + n * interval``: each timer is set for the next deadline, not
for "interval from now", so the time a tick takes and the loop's lateness do not add up
over a call (sleeping 20 ms fifty times a second drifts by the handler's run time every
tick). A tick that runs late by more than ``MAX_BEHIND`` intervals (the process was
stopped, the machine was overloaded) gives up the missed ones instead of sending a burst;
``skipped`` counts them.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable

INTERVAL = 0.02
MAX_BEHIND = 5


class Ticker:
    def __init__(self, loop: asyncio.AbstractEventLoop, callback: Callable[[], None],
                 interval: float = INTERVAL) -> None:
        self.loop = loop
        self.callback = callback
        self.interval = interval
        self.skipped = 0
        self._start = 0.0
        self._n = 0
        self._handle: asyncio.TimerHandle | None = None

    @property
    def running(self) -> bool:
        return self._handle is not None

    def start(self) -> None:
        if self._handle is None:
            self._start, self._n = self.loop.time(), 0
            self._schedule()

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _schedule(self) -> None:
        self._n += 1
        due = self._start + self._n * self.interval
        now = self.loop.time()
        if now - due > MAX_BEHIND * self.interval:
            behind = math.floor((now - self._start) / self.interval) + 1
            self.skipped += behind - self._n
            self._n = behind
            due = self._start + self._n * self.interval
        self._handle = self.loop.call_at(due, self._fire)

    def _fire(self) -> None:
        try:
            self.callback()
        finally:
            if self._handle is not None:
                self._schedule()
