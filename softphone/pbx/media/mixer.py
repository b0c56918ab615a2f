"""The conference mixer: every 20 ms each participant gets everyone else's voice.

Each tick takes one frame from every participant in the mix (from its jitter buffer,
decoded, gaps concealed), adds them up in int32 and gives each participant the sum minus
its own frame, clipped to int16: nobody hears themselves, and the sum of ten loud voices
saturates instead of wrapping around. The mix runs at 16 kHz while any participant speaks
G.722 and at 8 kHz otherwise; each participant's frames are converted to and from the
mixing rate on their way (resample.py).

A port not in the mix (a caller still typing the PIN) hears none of the room and the room
hears none of it; it only gets what is ``play``ed to it (prompts). Prompts and tones are
added on top of the mix for their port alone.

The mixer does no I/O: ``send`` callbacks take the encoded payloads, ``tick`` is called by
a Ticker (ticker.py) or by a test.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from softphone.pbx.media.codecs import FRAME_S, Codec
from softphone.pbx.media.jitter import Concealer, JitterBuffer
from softphone.pbx.media.resample import Downsampler, Upsampler
from softphone.pbx.media.talk import TalkDetector

Int16Array = npt.NDArray[np.int16]
MAX_QUEUED = 8     # prompts and tones waiting for one port; more are dropped (join storms)


def clip16(x: npt.NDArray[np.int32]) -> Int16Array:
    """int32 samples saturated to int16 (np.minimum/maximum: a third of np.clip's time on
    160-sample frames, which matters 50 times a second per participant)."""
    return np.minimum(np.maximum(x, -32768), 32767).astype(np.int16)


def mix_minus(frames: npt.NDArray[np.int16]) -> npt.NDArray[np.int16]:
    """Rows of int16 frames -> for each row, the sum of all other rows, clipped."""
    wide = frames.astype(np.int32)
    total = wide.sum(axis=0)
    return clip16(total - wide)


class MixPort:
    """One participant as the mixer sees it: audio in (RTP payloads), audio out."""

    def __init__(self, codec: Codec, send: Callable[[bytes], None],
                 on_talking: Callable[[bool], None] | None = None) -> None:
        self.codec = codec
        self.send = send
        self.in_mix = False
        self.muted = False
        self.jitter = JitterBuffer()
        self._conceal = Concealer(codec.frame_samples)
        self._up, self._down = Upsampler(), Downsampler()
        self._prompts: deque[tuple[Int16Array, Callable[[], None] | None]] = deque()
        self._offset = 0
        self.talk = TalkDetector(on_talking or (lambda talking: None))

    def receive(self, seq: int, payload: bytes) -> None:
        """An audio packet's payload (RTP sequence number ``seq``)."""
        if self.in_mix:   # nothing of a caller outside the room is kept
            self.jitter.put(seq, payload)

    def play(self, samples: Int16Array, then: Callable[[], None] | None = None) -> None:
        """Queue ``samples`` (at the codec's rate) for this port alone; ``then`` runs once
        the last of them has been sent (at once when the queue is full: dropped)."""
        if len(self._prompts) >= MAX_QUEUED:
            if then is not None:
                then()
            return
        self._prompts.append((samples, then))

    def stop_prompts(self) -> None:
        self._prompts.clear()
        self._offset = 0

    @property
    def playing(self) -> bool:
        return bool(self._prompts)

    def take(self, rate: int) -> Int16Array:
        """This tick's frame of the participant at ``rate`` (silence when muted)."""
        payload = self.jitter.pop()
        frame = self._conceal(None if payload is None else self.codec.decode(payload))
        if len(frame) != self.codec.frame_samples:     # a packet of another ptime
            frame = np.resize(frame, self.codec.frame_samples)
        if self.muted:
            frame = np.zeros(self.codec.frame_samples, dtype=np.int16)
        self.talk.feed(frame)
        if rate != self.codec.rate:
            frame = self._up(frame)   # only ever 8 -> 16 kHz: the mix is never narrower
        return frame

    def give(self, mixed: Int16Array | None, rate: int) -> None:
        """Send this tick's frame: ``mixed`` (at ``rate``; None: not in the room) plus
        any prompt."""
        n = self.codec.frame_samples
        if mixed is None:
            out = np.zeros(n, dtype=np.int32)
        else:
            if rate != self.codec.rate:
                mixed = self._down(mixed)
            out = mixed.astype(np.int32)
        done: list[Callable[[], None]] = []
        filled = 0
        while self._prompts and filled < n:
            samples, then = self._prompts[0]
            chunk = samples[self._offset:self._offset + n - filled]
            out[filled:filled + len(chunk)] += chunk
            filled += len(chunk)
            self._offset += len(chunk)
            if self._offset >= len(samples):
                self._prompts.popleft()
                self._offset = 0
                if then is not None:
                    done.append(then)
        self.send(self.codec.encode(clip16(out)))
        for then in done:
            then()


class Mixer:
    """The ports of one room; ``tick`` makes and sends one 20 ms frame for each."""

    def __init__(self) -> None:
        self.ports: list[MixPort] = []
        self.ticks = 0

    def add(self, port: MixPort) -> None:
        self.ports.append(port)

    def remove(self, port: MixPort) -> None:
        if port in self.ports:
            self.ports.remove(port)

    @property
    def rate(self) -> int:
        wide = any(p.in_mix and p.codec.wideband for p in self.ports)
        return 16000 if wide else 8000

    def tick(self) -> None:
        self.ticks += 1
        rate = self.rate
        ports = list(self.ports)      # a `then` callback may remove a port
        mixing = [p for p in ports if p.in_mix]
        if mixing:
            outs = mix_minus(np.stack([p.take(rate) for p in mixing]))
            for port, out in zip(mixing, outs, strict=True):
                port.give(out, rate)
        for port in ports:
            if not port.in_mix:
                port.give(None, rate)


__all__ = ["FRAME_S", "MixPort", "Mixer", "mix_minus"]
