"""When the parties of a barged call hear the warning tone: never, once as the barge
begins, or again every interval while it lasts (the shared line's warning_tone)."""

from __future__ import annotations

from collections.abc import Callable

from softphone.pbx.sip.clock import Clock, TimerHandle


class WarningTone:
    def __init__(self, clock: Clock, mode: str, interval: float,
                 play: Callable[[], None]) -> None:
        self.clock = clock
        self.mode = mode            # "none", "once" or "repeat" (sharedlines.TONE_MODES)
        self.interval = interval
        self.play = play
        self._timer: TimerHandle | None = None
        self._stopped = False

    def start(self) -> None:
        if self.mode != "none":
            self._fire()

    def _fire(self) -> None:
        if self._stopped:
            return
        self.play()
        if self.mode == "repeat":
            self._timer = self.clock.call_later(self.interval, self._fire)

    def stop(self) -> None:
        self._stopped = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
