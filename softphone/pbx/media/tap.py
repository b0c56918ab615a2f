"""A relayed call's two parties in the conference mixer, for a barge-in on a shared line.

While tapped, each relay leg hands the RTP its peer sends to a MixPort (relay.py, tap)
instead of forwarding it, and the mixer's frames for that party go out of the same leg
as a stream of the PBX's own (its own SSRC, sequence numbers and timestamps, RFC 3550
section 5.1). The parties keep their ports and SDP: nothing is re-negotiated. Each
party's codec is learnt from its first voice packet (the payload type, which the relay
never changes); RFC 4733 events and comfort noise are not part of the mix. Untapping
goes back to plain forwarding, where the parties see the other's own stream again.
"""

from __future__ import annotations

import secrets

from softphone.pbx.media.codecs import NAMES, TIMESTAMP_STEP, Codec
from softphone.pbx.media.mixer import Mixer, MixPort
from softphone.pbx.media.relay import RelayLeg
from softphone.pbx.media.rtp import RtpHeader, build_rtp
from softphone.pbx.media.tones import sine

# The intrusion tone: 1400 Hz (ITU-T E.180 section 7 lists 1400 Hz for it), half a second.
WARNING_HZ, WARNING_SECONDS = 1400.0, 0.5


class LegPort:
    """One relay leg as a mixer participant."""

    def __init__(self, leg: RelayLeg, mixer: Mixer) -> None:
        self.leg = leg
        self.mixer = mixer
        self.port: MixPort | None = None
        self.warn_pending = False           # a warning tone asked for before the codec
        self._pt = 0
        self._ssrc = secrets.randbits(32)
        self._seq = secrets.randbits(16)
        self._ts = secrets.randbits(32)
        leg.tap(self._received)

    def _received(self, data: bytes) -> None:
        header = RtpHeader.parse(data)
        if header is None:
            return
        if self.port is None:
            if header.payload_type not in NAMES:
                return          # telephone-event or comfort noise before any voice
            self._pt = header.payload_type
            self.port = MixPort(Codec(self._pt), self._send)
            self.port.in_mix = True
            self.mixer.add(self.port)
            if self.warn_pending:
                self.warn()
        if header.payload_type == self._pt:
            self.port.receive(header.seq, header.payload(data))

    def warn(self) -> None:
        """The warning tone to this party alone, on top of the mix."""
        if self.port is None:
            self.warn_pending = True
            return
        self.warn_pending = False
        self.port.play(sine(WARNING_HZ, WARNING_SECONDS, rate=self.port.codec.rate,
                            amplitude=0.3))

    def _send(self, payload: bytes) -> None:
        self._seq = (self._seq + 1) & 0xFFFF
        self._ts = (self._ts + TIMESTAMP_STEP) & 0xFFFFFFFF
        self.leg.send(build_rtp(self._pt, self._seq, self._ts, self._ssrc, payload))

    def close(self) -> None:
        self.leg.tap(None)
        if self.port is not None:
            self.mixer.remove(self.port)
