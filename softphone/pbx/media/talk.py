"""Who is talking: an energy detector with hangover, one per conference participant.

A frame louder than ``THRESHOLD_DBFS`` starts "talking" at once; it ends only after
``HANGOVER`` frames in a row below the threshold, so the pauses between words (100-300
ms) do not make the participant flicker on and off in everyone's panel.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

THRESHOLD_DBFS = -40.0
HANGOVER = 20                    # frames: 400 ms
# mean(x^2) of int16 samples at the threshold (0 dBFS: RMS of a full-scale square wave).
_THRESHOLD = (32768.0 * 10 ** (THRESHOLD_DBFS / 20)) ** 2


class TalkDetector:
    def __init__(self, on_change: Callable[[bool], None]) -> None:
        self.on_change = on_change
        self.talking = False
        self._quiet = 0

    def feed(self, frame: npt.NDArray[np.int16]) -> None:
        x = frame.astype(np.float64)
        loud = bool(x.size) and float(np.dot(x, x)) / x.size > _THRESHOLD
        if loud:
            self._quiet = 0
            if not self.talking:
                self.talking = True
                self.on_change(True)
        elif self.talking:
            self._quiet += 1
            if self._quiet >= HANGOVER:
                self.talking = False
                self.on_change(False)
