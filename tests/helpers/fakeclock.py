"""A Clock for tests: time stands still until advance() moves it and fires what is due."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable


class FakeTimerHandle:
    __slots__ = ("callback", "done", "when")

    def __init__(self, when: float, callback: Callable[[], None]) -> None:
        self.when = when
        self.callback = callback
        self.done = False

    def cancel(self) -> None:
        self.done = True


class FakeClock:
    """Implements softphone.pbx.sip.clock.Clock.

    advance(seconds) fires every due callback in order of its due time (ties in the order
    they were scheduled), with now() equal to that due time while it runs; callbacks may
    schedule further timers, which fire in the same advance() if they fall due within it.
    """

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._heap: list[tuple[float, int, FakeTimerHandle]] = []
        self._seq = itertools.count()

    def now(self) -> float:
        return self._now

    def call_later(self, delay: float, callback: Callable[[], None]) -> FakeTimerHandle:
        handle = FakeTimerHandle(self._now + max(0.0, delay), callback)
        heapq.heappush(self._heap, (handle.when, next(self._seq), handle))
        return handle

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("time does not run backwards")
        target = self._now + seconds
        while self._heap and self._heap[0][0] <= target + 1e-9:
            when, _, handle = heapq.heappop(self._heap)
            if handle.done:
                continue
            handle.done = True
            self._now = max(self._now, when)
            handle.callback()
        self._now = target

    @property
    def pending(self) -> int:
        """Timers scheduled and neither fired nor cancelled."""
        return sum(1 for _, _, h in self._heap if not h.done)
