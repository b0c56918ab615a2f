"""Audio checks for end-to-end tests: write a tone, read a recording, find the frequency.

Audio is verified as audio (DESIGN.md, Testing): one end plays a sine tone, the other end
records, and the recording's dominant frequency is measured.  Recordings start with silence
or jitter-buffer fill, so :func:`skip_start` drops the first 0.3 s before measuring.
The signal maths is the PBX's own (softphone.pbx.media.tones); samples are int16.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from softphone.pbx.media.tones import dominant_frequency, goertzel_power, sine

__all__ = [
    "JITTER_SETTLE_S",
    "analyse_recording",
    "dominant_frequency",
    "read_wav",
    "skip_start",
    "tone_present",
    "tone_ratio",
    "write_tone_wav",
]

#: Seconds to ignore at the start of a recording: the jitter buffer fills and the
#: stream's first frames are silence or packet-loss concealment.
JITTER_SETTLE_S = 0.3
#: Goertzel block length for :func:`tone_ratio`: 50 ms gives a 20 Hz wide filter, so a
#: tone a few Hz off (another clock, a resampler) still counts fully.
BLOCK_S = 0.05


def write_tone_wav(
    path: Path | str, freq: float, seconds: float, rate: int = 16000, amplitude: float = 0.5
) -> Path:
    """Write a mono 16-bit PCM WAV of a sine tone; returns the path.

    The length is rounded to a whole number of cycles where that is exact, so a looping
    player does not click at the seam (a click spreads energy over every frequency).
    """
    path = Path(path)
    exact = max(1, round(freq * seconds)) / freq
    if abs(exact * rate - round(exact * rate)) < 1e-6:
        seconds = exact
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(sine(freq, seconds, rate, amplitude).astype("<i2").tobytes())
    return path


def read_wav(path: Path | str) -> tuple[np.ndarray, int]:
    """Read a 16-bit PCM WAV; returns (int16 samples, sample rate). Stereo is mixed to mono."""
    with wave.open(str(path), "rb") as wav:
        if wav.getsampwidth() != 2:
            raise ValueError(f"{path}: only 16-bit PCM is supported, got {wav.getsampwidth()}")
        rate, channels = wav.getframerate(), wav.getnchannels()
        raw = wav.readframes(wav.getnframes())
    samples = np.frombuffer(raw, dtype="<i2").astype(np.int16)
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1).astype(np.int16)
    return samples, rate


def skip_start(samples: np.ndarray, rate: int, seconds: float = JITTER_SETTLE_S) -> np.ndarray:
    """Drop the first `seconds` (jitter buffer start) of a recording."""
    return samples[int(seconds * rate) :]


def tone_ratio(samples: np.ndarray, rate: int, freq: float) -> float:
    """Share of the signal's power that is a tone at `freq` (0..1; ~1 for a clean tone).

    Goertzel power per 50 ms block relative to the block's mean power (both are A^2/2
    for a sine of peak A), summed over all blocks.
    """
    block = max(1, int(BLOCK_S * rate))
    x = np.asarray(samples, dtype=np.float64)
    blocks = [x[i : i + block] for i in range(0, len(x) - block + 1, block)]
    total = sum(float(np.mean((b / 32768.0) ** 2)) for b in blocks)
    if total <= 0.0:
        return 0.0
    tone = sum(goertzel_power(b, freq, rate) for b in blocks)
    return min(1.0, tone / total)


def tone_present(samples: np.ndarray, rate: int, freq: float, min_ratio: float = 0.5) -> bool:
    """True if at least `min_ratio` of the signal's power is a tone at `freq`."""
    return tone_ratio(samples, rate, freq) >= min_ratio


def analyse_recording(path: Path | str) -> tuple[np.ndarray, int]:
    """Read a recording and drop its jitter-buffer start; returns (samples, rate)."""
    samples, rate = read_wav(path)
    return skip_start(samples, rate), rate


def speaker_plays(audio_dir: Path, freq: float, seconds: float = 1.0,
                  min_ratio: float = 0.7) -> bool:
    """Whether the engine's speaker (its test-audio ``speaker.wav`` in `audio_dir`) played
    `freq` over the last `seconds`; for polling with qtbot.waitUntil."""
    try:
        samples, rate = read_wav(audio_dir / "speaker.wav")
    except (OSError, EOFError, wave.Error):
        return False            # the engine is (re)writing the header this instant
    wanted = int(seconds * rate)
    return len(samples) >= wanted and tone_present(samples[-wanted:], rate, freq, min_ratio)
