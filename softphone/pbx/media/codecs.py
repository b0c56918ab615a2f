"""Voice codecs of the media the PBX terminates (conference rooms): PCMU, PCMA and G.722.

One ``Codec`` per participant and direction pair: G.722 is an ADPCM codec with state, so
each stream needs its own encoder and decoder. G.711 is the project's own NumPy code
(g711.py); G.722 is the ``G722`` package (libg722, bit-exact to ITU-T G.722).

Each codec works in 20 ms frames at its own audio rate (``rate``): 8000 Hz for G.711,
16000 Hz for G.722. Its RTP clock rate is 8000 for all three: RFC 3551 section 4.5.2 keeps
G.722's RTP clock at 8000 Hz by an error in RFC 1890 that cannot be fixed any more, so a
20 ms G.722 packet advances the timestamp by 160 although it holds 320 samples.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from softphone.pbx.media import g711

Int16Array = npt.NDArray[np.int16]

PT_PCMU, PT_PCMA, PT_G722 = 0, 8, 9
FRAME_S = 0.02
RTP_CLOCK = 8000
TIMESTAMP_STEP = int(RTP_CLOCK * FRAME_S)      # 160 for all three codecs
# "name/clock" as in an SDP rtpmap (lower case) -> static payload type (RFC 3551 table 4).
ENCODINGS = {"pcmu/8000": PT_PCMU, "pcma/8000": PT_PCMA, "g722/8000": PT_G722}
NAMES = {PT_PCMU: "PCMU", PT_PCMA: "PCMA", PT_G722: "G722"}


class Codec:
    """Decode and encode one participant's 20 ms frames."""

    def __init__(self, payload_type: int) -> None:
        if payload_type not in NAMES:
            raise ValueError(f"payload type {payload_type} is not PCMU, PCMA or G.722")
        self.payload_type = payload_type
        self.name = NAMES[payload_type]
        self.rate = 16000 if payload_type == PT_G722 else 8000
        self.frame_samples = int(self.rate * FRAME_S)
        self.wideband = payload_type == PT_G722
        if self.wideband:
            import G722

            # 64 kbit/s, the only mode RTP carries (RFC 3551 section 4.5.2).
            self._encoder = G722.G722(16000, 64000)
            self._decoder = G722.G722(16000, 64000)

    def decode(self, payload: bytes) -> Int16Array:
        if self.wideband:
            return np.frombuffer(self._decoder.decode(payload), dtype=np.int16)
        return g711.decode(payload, self.payload_type)

    def encode(self, samples: Int16Array) -> bytes:
        if self.wideband:
            return bytes(self._encoder.encode(np.ascontiguousarray(samples, dtype=np.int16)))
        return g711.encode(samples, self.payload_type)
