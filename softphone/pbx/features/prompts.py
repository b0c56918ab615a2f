"""The conference prompts (resources/prompts/{de,en}/NAME.wav, made by
scripts/make_prompts.py) and the join and leave tones, as samples for a participant.

The WAVs are 8 kHz mono 16-bit; a G.722 participant gets them upsampled. Each file is read
once per rate and kept: the prompts are small (~1 MB together) and played often.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt

from softphone.pbx.media.resample import Upsampler
from softphone.pbx.media.tones import sine

Int16Array = npt.NDArray[np.int16]
NAMES = ("enter_pin", "wrong_pin", "wrong_pin_goodbye", "full", "locked", "only_participant",
         "muted", "unmuted", "moderator", "not_listed", "anonymous", "blocked")


class Prompts:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._cache: dict[tuple[str, str, int], Int16Array] = {}

    def get(self, name: str, language: str, rate: int) -> Int16Array:
        key = (name, language, rate)
        if key not in self._cache:
            if name in ("join", "leave"):
                samples = _tone(name)
            else:
                with wave.open(str(self.directory / language / f"{name}.wav"), "rb") as wav:
                    samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
            samples = samples.astype(np.int16)
            if rate == 16000:
                samples = Upsampler()(samples)
            self._cache[key] = samples
        return self._cache[key]


def _tone(name: str) -> Int16Array:
    """Join: a rising pair of beeps; leave: a falling pair (as most conference bridges)."""
    low, high = sine(600, 0.12, 8000, 0.25), sine(900, 0.12, 8000, 0.25)
    gap = np.zeros(400, dtype=np.int16)
    return np.concatenate((low, gap, high) if name == "join" else (high, gap, low))
