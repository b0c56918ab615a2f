"""Generate resources/sounds/ring.wav and knock.wav (run once; the WAVs are committed).

ring.wav: an electronic telephone ringer, a 1000/800 Hz trill alternating every 50 ms
(the pattern of classic trill ringers), 0.8 s on, 0.2 s off, 0.8 s on, 2.2 s off, looped
by the engine.  knock.wav: the call-waiting "knock", two 0.15 s beeps of 440 Hz 0.1 s
apart.  8 kHz 16-bit mono keeps each file well under 100 KB; the engine resamples.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

RATE = 8000
OUT = Path(__file__).resolve().parents[1] / "resources" / "sounds"


def tone(freq: float, seconds: float, amplitude: float = 0.4) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    wave_ = amplitude * np.sin(2 * np.pi * freq * t)
    ramp = min(len(t) // 2, int(0.005 * RATE))   # 5 ms fades: no clicks at the edges
    if ramp:
        fade = np.linspace(0.0, 1.0, ramp)
        wave_[:ramp] *= fade
        wave_[-ramp:] *= fade[::-1]
    return wave_


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE))


def trill(seconds: float) -> np.ndarray:
    parts = [tone(1000 if i % 2 == 0 else 800, 0.05) for i in range(int(seconds / 0.05))]
    return np.concatenate(parts)


def write(name: str, signal: np.ndarray) -> Path:
    path = OUT / name
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes((np.clip(signal, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    ring = np.concatenate([trill(0.8), silence(0.2), trill(0.8), silence(2.2)])
    knock = np.concatenate([tone(440, 0.15), silence(0.1), tone(440, 0.15), silence(0.1)])
    for path in (write("ring.wav", ring), write("knock.wav", knock)):
        print(f"{path}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
