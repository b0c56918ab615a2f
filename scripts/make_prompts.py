"""Generate the conference prompts in resources/prompts/{de,en}/ (the WAVs are committed).

Run it again after changing a text: ``python scripts/make_prompts.py`` (needs the Debian
package espeak-ng). espeak-ng's 22050 Hz output is resampled to 8 kHz mono 16-bit by
band-limited FFT resampling of the whole clip and normalised to -3 dBFS peak; 8 kHz keeps
the files small, and the PBX upsamples for G.722 participants. The output is the same for
the same espeak-ng version (no randomness), so the files are reproducible.
"""

from __future__ import annotations

import io
import subprocess
import wave
from pathlib import Path

import numpy as np

RATE = 8000
OUT = Path(__file__).resolve().parents[1] / "resources" / "prompts"
# The prompt names are softphone/pbx/features/prompts.py's.
TEXTS = {
    "enter_pin": {"en": "Please enter the conference PIN, then hash.",
                  "de": "Bitte geben Sie die Konferenz-PIN ein, dann Raute."},
    "wrong_pin": {"en": "Wrong PIN.", "de": "Falsche PIN."},
    "wrong_pin_goodbye": {"en": "Wrong PIN. Goodbye.", "de": "Falsche PIN. Auf Wiederhören."},
    "full": {"en": "The conference is full.", "de": "Die Konferenz ist voll."},
    "locked": {"en": "The conference is locked.", "de": "Die Konferenz ist gesperrt."},
    "only_participant": {"en": "You are the only participant.",
                         "de": "Sie sind der einzige Teilnehmer."},
    "muted": {"en": "You are muted.", "de": "Sie sind stummgeschaltet."},
    "unmuted": {"en": "You are unmuted.", "de": "Ihr Mikrofon ist wieder an."},
    "moderator": {"en": "You are the moderator.", "de": "Sie moderieren diese Konferenz."},
    "not_listed": {"en": "Your number is not admitted to this conference. Goodbye.",
                   "de": "Ihre Nummer ist für diese Konferenz nicht zugelassen. "
                         "Auf Wiederhören."},
    "anonymous": {"en": "Callers who withhold their number are not admitted. Goodbye.",
                  "de": "Anrufer mit unterdrückter Nummer werden nicht zugelassen. "
                        "Auf Wiederhören."},
    "blocked": {"en": "Too many wrong PINs. Please try again later.",
                "de": "Zu viele falsche PINs. Bitte versuchen Sie es später noch einmal."},
}


def speak(text: str, language: str) -> tuple[np.ndarray, int]:
    wav_bytes = subprocess.run(["espeak-ng", "-v", language, "-s", "150", "--stdout", text],
                               check=True, capture_output=True).stdout
    with wave.open(io.BytesIO(wav_bytes)) as wav:
        rate = wav.getframerate()
        # espeak-ng streams to stdout with an unknown length in the header: read it all.
        samples = np.frombuffer(wav_bytes[44:], dtype="<i2").astype(np.float64)
    return samples, rate


def resample(x: np.ndarray, rate: int, to: int) -> np.ndarray:
    n = round(len(x) * to / rate)
    spectrum = np.fft.rfft(x)[: n // 2 + 1]
    return np.fft.irfft(spectrum, n) * n / len(x)


def main() -> None:
    for name, texts in TEXTS.items():
        for language, text in texts.items():
            samples, rate = speak(text, language)
            y = resample(samples, rate, RATE)
            y = y / max(1.0, float(np.abs(y).max())) * 0.7 * 32767
            path = OUT / language / f"{name}.wav"
            path.parent.mkdir(parents=True, exist_ok=True)
            with wave.open(str(path), "wb") as wav:
                wav.setnchannels(1)
                wav.setsampwidth(2)
                wav.setframerate(RATE)
                wav.writeframes(np.rint(y).astype("<i2").tobytes())
            print(f"{path}: {len(y) / RATE:.1f} s")


if __name__ == "__main__":
    main()
