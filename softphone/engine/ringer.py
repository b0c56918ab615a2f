"""The ringer: the ringtone on the ringer device while a call rings and no other is active.

A receptionist's headset is not where the ring should come from, so the ringer has its
own device (AudioStatus.ringer) and its own output stream, opened only while ringing.
The tone comes from resources/sounds/ring.wav (made by scripts/make_sounds.py) or from a
user file (set_ringtone); it is read once into memory and looped by :class:`LoopSource`,
whose read() is all that runs on the audio thread.  While another call is active the
ringer stays silent: interrupting a conversation with a full ring is what call waiting
(the knock, softphone.engine.knock) is for.
"""

from __future__ import annotations

from pathlib import Path

from softphone.engine.audio import AudioBackend
from softphone.engine.audiodev import read_wav_16k


class LoopSource:
    """16-bit PCM played in a loop; read() is called from one audio thread at a time."""

    def __init__(self, pcm: bytes) -> None:
        self.pcm = pcm or bytes(2)
        self.pos = 0

    def read(self, size: int) -> bytes:
        out = bytearray()
        while len(out) < size:
            take = self.pcm[self.pos : self.pos + size - len(out)]
            out += take
            self.pos = (self.pos + len(take)) % len(self.pcm)
        return bytes(out)


class Ringer:
    def __init__(self, backend: AudioBackend, ringtone: Path) -> None:
        self.backend = backend
        self.default_ringtone = ringtone
        self.pcm = read_wav_16k(ringtone)
        self.enabled = True
        self.device: str | None = None
        self.ringing = False
        self.error = ""

    def update(self, should_ring: bool) -> None:
        """Start or stop ringing; called after every change of any call's state."""
        should_ring = should_ring and self.enabled
        if should_ring == self.ringing:
            return
        self.ringing = should_ring
        if should_ring:
            # A fresh source per ring: every ring starts at the beginning of the tone.
            self.error = self.backend.start_ringer(self.device, LoopSource(self.pcm))
        else:
            self.backend.stop_ringer()

    def set_device(self, name: str | None) -> None:
        self.device = name
        if self.ringing:   # move the ringing to the new device at once
            self.ringing = False
            self.update(True)

    def set_ringtone(self, path: str | None, enabled: bool | None) -> None:
        """path "" or None keeps the current tone; a bad file raises ValueError/OSError."""
        if path:
            self.pcm = read_wav_16k(Path(path))
        if enabled is not None:
            was_ringing = self.ringing
            self.update(False)
            self.enabled = bool(enabled)
            self.update(was_ringing)
