"""The call-waiting knock ("Anklopfen"): knock.wav mixed into what the user hears.

While the user talks on one call and another one rings, the ringer stays silent (a full
ring in the other room, or in the headset on top of the conversation, is what desk phones
avoid) and a short double beep is mixed into the conversation instead, repeated every
KNOCK_INTERVAL_S until the waiting call is answered, rejected or gives up, or the
conversation ends.  The tone goes only to the local side: :class:`KnockPort` transmits to
the audio bridge's port (the speaker/headset), never to a call, so the other party does
not hear it.  pjmedia's conference bridge mixes it with the call's audio.

Like the bridge's port, the knock port's callback only copies bytes from memory
(DESIGN.md): the tone is read once, padded with silence to one interval and looped, so
the repetition needs no timer at all.
"""

from __future__ import annotations

from pathlib import Path

import pjsua2 as pj

from softphone.engine.audio import CLOCK_RATE, FRAME_BYTES, FRAME_MS, SAMPLE_BYTES, AudioBridge
from softphone.engine.audiodev import read_wav_16k
from softphone.engine.ringer import LoopSource

# snom desk phones repeat their call-waiting tone about every 3 s: often enough to be
# noticed within a sentence, rarely enough not to drown the conversation.
KNOCK_INTERVAL_S = 3.0


def knock_cycle(tone: bytes, interval_s: float = KNOCK_INTERVAL_S) -> bytes:
    """One period of the knock: the tone, then silence up to `interval_s` (whole frames)."""
    frames = max(1, round(interval_s * 1000 / FRAME_MS))
    size = max(frames * FRAME_BYTES, len(tone) + (-len(tone) % FRAME_BYTES))
    return tone + bytes(size - len(tone))


class KnockPort(pj.AudioMediaPort):
    """Plays its LoopSource into the conference bridge; only copies bytes.

    `source` is replaced (one reference assignment) by the engine loop when a knock
    starts, so every knock sequence begins with a beep."""

    def __init__(self, source: LoopSource) -> None:
        super().__init__()
        self.source = source

    def onFrameRequested(self, frame: pj.MediaFrame) -> None:
        frame.buf = pj.ByteVector(self.source.read(FRAME_BYTES))
        frame.size = FRAME_BYTES
        frame.type = pj.PJMEDIA_FRAME_TYPE_AUDIO


class Knocker:
    """Starts and stops the knock; only the engine loop's thread calls it."""

    def __init__(self, bridge: AudioBridge, tone: Path,
                 interval_s: float = KNOCK_INTERVAL_S) -> None:
        self.bridge = bridge
        self.cycle = knock_cycle(read_wav_16k(tone), interval_s)
        self.enabled = True
        self.knocking = False
        self.port: KnockPort | None = None

    def create_port(self) -> None:
        """After libStart: the port joins the conference bridge (not connected yet)."""
        fmt = pj.MediaFormatAudio()
        fmt.init(pj.PJMEDIA_FORMAT_PCM, CLOCK_RATE, 1, FRAME_MS * 1000, SAMPLE_BYTES * 8)
        port = KnockPort(LoopSource(self.cycle))
        port.createPort("softphone-knock", fmt)
        self.port = port

    def update(self, waiting: bool) -> None:
        """Knock or stop; called after every change of any call (CallManager.waiting())."""
        should = waiting and self.enabled and self.port is not None \
            and self.bridge.port is not None
        if should == self.knocking:
            return
        self.knocking = should
        port, sink = self.port, self.bridge.port
        if port is None or sink is None:
            return
        if should:
            port.source = LoopSource(self.cycle)
            port.startTransmit(sink)
        else:
            try:
                port.stopTransmit(sink)
            except pj.Error:
                pass   # a port already gone from the bridge (shutdown)

    def set_enabled(self, enabled: bool, waiting: bool) -> None:
        """The user's switch (set_call_waiting_tone); takes effect at once."""
        self.update(False)
        self.enabled = bool(enabled)
        self.update(waiting)

    def release(self) -> KnockPort | None:
        """Stop knocking and hand the port to the caller, who lets it linger."""
        self.update(False)
        port, self.port = self.port, None
        return port
