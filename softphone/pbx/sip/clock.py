"""Clock abstraction for the SIP timers (RFC 3261 section 17, timers A-M of table 4).

The transaction layer never reads the wall clock or the event loop itself: it is given a
Clock, so tests drive every timer with a fake clock and no test ever sleeps.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Protocol


class TimerHandle(Protocol):
    """A scheduled callback; cancel() is idempotent and harmless after it fired."""

    def cancel(self) -> None: ...


class Clock(Protocol):
    """Monotonic time in seconds and one-shot timers."""

    def now(self) -> float: ...

    def call_later(self, delay: float, callback: Callable[[], None]) -> TimerHandle: ...


class LoopClock:
    """The real clock: an asyncio event loop's monotonic time and its timer heap."""

    __slots__ = ("_loop",)

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def now(self) -> float:
        return self._loop.time()

    def call_later(self, delay: float, callback: Callable[[], None]) -> TimerHandle:
        return self._loop.call_later(delay, callback)
