"""Tone generation and detection helpers, pure NumPy.

The PBX plays tones (ring-back, busy, beeps) with ``sine``/``dual_tone``; tests verify
audio as audio with ``dominant_frequency`` (FFT) and ``goertzel_power`` (one bin, the way
DTMF receivers do it: ITU-T Q.24 digits are found by Goertzel filters at 697-1633 Hz).

Everything works on int16 samples at 8000 Hz unless told otherwise; nothing here does I/O.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

Int16Array = npt.NDArray[np.int16]

# RFC 4733 section 3.2 events 0-15 <-> the ITU-T Q.23 frequency pairs (low, high).
DTMF_FREQUENCIES: dict[str, tuple[float, float]] = {
    "1": (697, 1209), "2": (697, 1336), "3": (697, 1477), "A": (697, 1633),
    "4": (770, 1209), "5": (770, 1336), "6": (770, 1477), "B": (770, 1633),
    "7": (852, 1209), "8": (852, 1336), "9": (852, 1477), "C": (852, 1633),
    "*": (941, 1209), "0": (941, 1336), "#": (941, 1477), "D": (941, 1633),
}


def _to_int16(signal: npt.NDArray[np.float64]) -> Int16Array:
    return np.clip(np.round(signal * 32767.0), -32768, 32767).astype(np.int16)


def _check(seconds: float, rate: int, amplitude: float) -> int:
    if rate <= 0:
        raise ValueError(f"sample rate must be positive, got {rate}")
    if seconds < 0:
        raise ValueError(f"duration must not be negative, got {seconds}")
    if not 0.0 <= amplitude <= 1.0:
        raise ValueError(f"amplitude is a fraction of full scale (0..1), got {amplitude}")
    return round(seconds * rate)


def sine(
    freq: float, seconds: float, rate: int = 8000, amplitude: float = 0.5, phase: float = 0.0
) -> Int16Array:
    """A sine tone as int16 samples; ``amplitude`` is the peak as a fraction of full scale."""
    n = _check(seconds, rate, amplitude)
    t = np.arange(n, dtype=np.float64) / rate
    return _to_int16(amplitude * np.sin(2.0 * math.pi * freq * t + phase))


def dual_tone(
    freq1: float, freq2: float, seconds: float, rate: int = 8000, amplitude: float = 0.5
) -> Int16Array:
    """Two tones of equal level (DTMF digits, ITU-T E.180 call-progress tones).

    ``amplitude`` is the peak of the sum, so the result never clips.
    """
    n = _check(seconds, rate, amplitude)
    t = np.arange(n, dtype=np.float64) / rate
    mix = np.sin(2.0 * math.pi * freq1 * t) + np.sin(2.0 * math.pi * freq2 * t)
    return _to_int16(amplitude * 0.5 * mix)


def goertzel_power(samples: npt.ArrayLike, freq: float, rate: int = 8000) -> float:
    """Power of ``samples`` at ``freq``, normalised so a full-scale sine gives about 0.5.

    The normalisation (divide by N^2, scale to +-1.0) makes the value independent of the
    block length, so a threshold means the same for 10 ms and 100 ms blocks. The frequency
    is not rounded to a DFT bin (the "generalised" Goertzel), so 1000 Hz is 1000 Hz.
    """
    x = np.asarray(samples, dtype=np.float64) / 32768.0
    n = x.size
    if n == 0:
        return 0.0
    w = 2.0 * math.pi * freq / rate
    # The recurrence s[k] = x[k] + 2cos(w)s[k-1] - s[k-2] is a linear filter; evaluating
    # its final state as a dot product with precomputed weights keeps it in NumPy:
    # s[N-1] = sum x[k] sin(w(N-k)) / sin(w), and likewise for s[N-2].
    k = np.arange(n, dtype=np.float64)
    sin_w = math.sin(w)
    if abs(sin_w) < 1e-12:
        # DC or Nyquist: the DFT sum is real, so compute it directly.
        total = float(np.dot(x, np.cos(w * k)))
        return 2.0 * (total / n) ** 2
    s1 = float(np.dot(x, np.sin(w * (n - k)))) / sin_w
    s2 = float(np.dot(x, np.sin(w * (n - 1 - k)))) / sin_w
    power = s1 * s1 + s2 * s2 - 2.0 * math.cos(w) * s1 * s2
    return 2.0 * power / (n * n)


def dominant_frequency(samples: npt.ArrayLike, rate: int = 8000) -> float:
    """The strongest frequency in ``samples`` (Hz), from a Hann-windowed FFT.

    The peak bin is refined by parabolic interpolation of the log magnitudes, so the result
    is accurate to a few Hz even for short (20-100 ms) blocks. DC is ignored.
    """
    x = np.asarray(samples, dtype=np.float64)
    n = x.size
    if n < 4:
        raise ValueError(f"need at least 4 samples to find a frequency, got {n}")
    x = x - x.mean()
    spectrum = np.abs(np.fft.rfft(x * np.hanning(n)))
    spectrum[0] = 0.0
    peak = int(np.argmax(spectrum))
    if spectrum[peak] == 0.0:
        return 0.0
    offset = 0.0
    if 0 < peak < spectrum.size - 1:
        a, b, c = np.log(spectrum[peak - 1 : peak + 2] + 1e-12)
        denom = a - 2.0 * b + c
        if denom != 0.0:
            offset = 0.5 * (a - c) / denom
    return (peak + offset) * rate / n


def level_dbfs(samples: npt.ArrayLike) -> float:
    """RMS level relative to a full-scale square wave (dBFS); silence gives -inf."""
    x = np.asarray(samples, dtype=np.float64) / 32768.0
    if x.size == 0:
        return -math.inf
    rms = math.sqrt(float(np.mean(x * x)))
    return 20.0 * math.log10(rms) if rms > 0 else -math.inf
