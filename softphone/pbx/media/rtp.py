"""RTP packet helpers (RFC 3550 section 5.1) and RFC 4733 telephone-event payloads.

No I/O. The relay does not parse packets it forwards (it only checks the version bits,
see relay.py); these helpers are for the parts of the PBX that terminate media (tones,
prompts, the mixer) and for tests.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

RTP_VERSION = 2
RTP_HEADER_LEN = 12

_FIXED = struct.Struct("!BBHII")
_EVENT = struct.Struct("!BBH")


@dataclass(frozen=True, slots=True)
class RtpHeader:
    """The fixed header plus where the payload starts (after CSRCs and extension)."""

    version: int
    padding: bool
    marker: bool
    payload_type: int
    seq: int
    timestamp: int
    ssrc: int
    header_len: int
    csrc_count: int = 0
    extension: bool = False
    padding_len: int = 0

    @classmethod
    def parse(cls, data: bytes) -> RtpHeader | None:
        """The header of an RTP packet, or None for anything that is not RTP.

        None covers: too short, version not 2, CSRC list or extension running past the
        end, bad padding (RFC 3550 A.1 validity checks), and RTCP sent on the RTP port
        (RFC 5761 section 4: packet types 192-223 occupy payload types 64-95).
        """
        if len(data) < RTP_HEADER_LEN:
            return None
        b0, b1, seq, timestamp, ssrc = _FIXED.unpack_from(data)
        if b0 >> 6 != RTP_VERSION:
            return None
        payload_type = b1 & 0x7F
        if 64 <= payload_type <= 95:
            return None
        csrc_count = b0 & 0x0F
        header_len = RTP_HEADER_LEN + 4 * csrc_count
        extension = bool(b0 & 0x10)
        if extension:
            # RFC 3550 section 5.3.1: 16-bit profile id, 16-bit length in 32-bit words.
            if len(data) < header_len + 4:
                return None
            (words,) = struct.unpack_from("!H", data, header_len + 2)
            header_len += 4 + 4 * words
        if len(data) < header_len:
            return None
        padding = bool(b0 & 0x20)
        padding_len = 0
        if padding:
            # RFC 3550 section 5.1: the last octet counts the padding, itself included.
            padding_len = data[-1]
            if padding_len == 0 or header_len + padding_len > len(data):
                return None
        return cls(
            version=RTP_VERSION,
            padding=padding,
            marker=bool(b1 & 0x80),
            payload_type=payload_type,
            seq=seq,
            timestamp=timestamp,
            ssrc=ssrc,
            header_len=header_len,
            csrc_count=csrc_count,
            extension=extension,
            padding_len=padding_len,
        )

    def payload(self, data: bytes) -> bytes:
        """The payload of ``data`` (the packet this header was parsed from)."""
        return data[self.header_len : len(data) - self.padding_len]


def build_rtp(
    pt: int, seq: int, ts: int, ssrc: int, payload: bytes, marker: bool = False
) -> bytes:
    """An RTP packet with the 12-byte fixed header (no CSRCs, extension or padding).

    ``seq`` and ``ts`` wrap (mod 2^16 and 2^32) so callers can simply count up.
    """
    if not 0 <= pt <= 127:
        raise ValueError(f"payload type must be 0-127, got {pt}")
    if not 0 <= ssrc <= 0xFFFFFFFF:
        raise ValueError(f"SSRC must be a 32-bit unsigned value, got {ssrc}")
    b1 = pt | 0x80 if marker else pt
    return _FIXED.pack(0x80, b1, seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc) + payload


def is_rtcp(data: bytes) -> bool:
    """True for an RTCP packet (version 2, packet type 192-223; RFC 5761 section 4)."""
    return len(data) >= 8 and data[0] >> 6 == RTP_VERSION and 192 <= data[1] <= 223


@dataclass(frozen=True, slots=True)
class TelephoneEvent:
    """An RFC 4733 section 2.3 named-event payload (DTMF digits are events 0-15)."""

    event: int
    end: bool
    volume: int
    duration: int

    def to_bytes(self) -> bytes:
        if not 0 <= self.event <= 255:
            raise ValueError(f"event must be 0-255, got {self.event}")
        if not 0 <= self.volume <= 63:
            raise ValueError(f"volume must be 0-63 (-dBm0), got {self.volume}")
        flags = (0x80 if self.end else 0) | self.volume
        return _EVENT.pack(self.event, flags, self.duration & 0xFFFF)

    @classmethod
    def parse(cls, payload: bytes) -> TelephoneEvent | None:
        if len(payload) < _EVENT.size:
            return None
        event, flags, duration = _EVENT.unpack_from(payload)
        return cls(event=event, end=bool(flags & 0x80), volume=flags & 0x3F, duration=duration)
