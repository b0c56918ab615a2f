"""A small jitter buffer per conference participant, and loss concealment.

RTP packets arrive early, late, twice or out of order (RFC 3550 section 2.2); the mixer
takes one 20 ms frame from each participant on every tick. The buffer holds payloads by
sequence number and hands them out in order once ``depth`` frames are queued (40 ms by
default: the added delay). A packet older than the one last handed out is late and
dropped (it was concealed already); one far ahead (a jump in the sender's numbering)
restarts the buffer there. Payloads stay encoded until their turn: G.722 is ADPCM, its
decoder must see the frames in order.

Concealment (``Concealer``) fills a missing frame with the last good one at half the
level each time, for at most ``MAX_CONCEALED`` frames, then silence: a repeated frame is
far less audible than a 20 ms hole (the idea of ITU-T G.711 Appendix I, much simplified).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Int16Array = npt.NDArray[np.int16]

DEPTH = 2            # frames queued before play-out starts
CAPACITY = 16        # frames held at most (320 ms); a packet further ahead restarts
IDLE_RESTART = 25    # frames (0.5 s) without any packet: start over, waiting for `depth`
MAX_CONCEALED = 4


def _delta(a: int, b: int) -> int:
    """b - a in 16-bit sequence-number space, in -32768..32767 (RFC 3550 A.1)."""
    return (b - a + 32768) % 65536 - 32768


class JitterBuffer:
    def __init__(self, depth: int = DEPTH, capacity: int = CAPACITY) -> None:
        self.depth = depth
        self.capacity = capacity
        self._frames: dict[int, bytes] = {}
        self._next: int | None = None      # the sequence number to hand out next
        self._playing = False
        self._missing = 0                   # ticks in a row without a frame
        self.late = 0
        self.lost = 0

    def __len__(self) -> int:
        return len(self._frames)

    def put(self, seq: int, payload: bytes) -> bool:
        """Queue a packet's payload; False when it is dropped (late or a duplicate)."""
        if self._next is None:
            self._next = seq
        ahead = _delta(self._next, seq)
        if ahead < 0 or seq in self._frames:
            self.late += 1
            return False
        if ahead >= self.capacity:
            # The sender jumped (a new stream, a long gap): start over from this packet.
            self._frames.clear()
            self._next, self._playing = seq, False
        self._frames[seq] = payload
        if not self._playing and len(self._frames) >= self.depth:
            self._playing = True
        return True

    def pop(self) -> bytes | None:
        """The next frame's payload, or None for a gap (or while filling up)."""
        if not self._playing or self._next is None:
            return None
        # More queued than needed (the sender's clock runs fast): drop the oldest, so the
        # delay does not creep up.
        while len(self._frames) > 2 * self.depth + 1:
            self._frames.pop(self._next, None)
            self._next = (self._next + 1) & 0xFFFF
        payload = self._frames.pop(self._next, None)
        self._next = (self._next + 1) & 0xFFFF
        if payload is not None:
            self._missing = 0
            return payload
        self.lost += 1
        self._missing += 1
        if self._missing >= IDLE_RESTART and not self._frames:
            self._playing, self._next, self._missing = False, None, 0
        return None


class Concealer:
    """Turns a stream of frames with gaps (None) into a stream of frames."""

    def __init__(self, frame_samples: int) -> None:
        self._silence = np.zeros(frame_samples, dtype=np.int16)
        self._last = self._silence
        self._gap = 0

    def __call__(self, frame: Int16Array | None) -> Int16Array:
        if frame is not None:
            self._last, self._gap = frame, 0
            return frame
        self._gap += 1
        if self._gap > MAX_CONCEALED:
            return self._silence
        return (self._last >> self._gap).astype(np.int16)   # -6 dB a frame
