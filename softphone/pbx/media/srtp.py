"""SRTP and SRTCP (RFC 3711, RFC 7714) through libsrtp (the ``pylibsrtp`` binding).

An ``SrtpContext`` holds one suite and one master key and salt (as SDES, RFC 4568, hands
them out): ``protect``/``unprotect`` RTP and ``protect_rtcp``/``unprotect_rtcp``. libsrtp
does the key derivation (RFC 3711 section 4.3), the ciphers, the per-SSRC rollover counter
(3.3.1, appendix A) and the replay window (3.3.2, 128 packets); the PBX relays packets it
did not originate, and libsrtp's sender side estimates the index from the sequence numbers
it is given in the same way, so relayed streams keep their ROC across the wrap. The sender
side refuses an index it already used (a duplicate, or a source that restarts its sequence
numbers under the same SSRC): the same keystream twice would leak both payloads.

The suites, best first (what the PBX prefers when a phone offers several):
- AEAD_AES_256_GCM, AEAD_AES_128_GCM (RFC 7714): authenticated encryption with a 128-bit
  tag, and no dearer per packet than AES-CM here (bench/srtp.py);
- AES_CM_128_HMAC_SHA1_80 (RFC 3711, RFC 4568 6.2.1): what every SRTP phone has;
- AES_CM_128_HMAC_SHA1_32: the same with a 32-bit RTP tag (SRTCP keeps 80 bits), for
  phones that offer only it.

No I/O. ``SrtpError`` for a packet that must be dropped (too short, bad tag, replay).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pylibsrtp

MAX_SSRCS = 64  # streams per context and direction; the oldest is forgotten beyond that


@dataclass(frozen=True)
class Suite:
    """An SRTP crypto suite as SDES names it (RFC 4568 section 6.2, RFC 7714 section 12)."""

    name: str
    profile: int       # libsrtp's srtp_profile_t
    key_len: int
    salt_len: int

    @property
    def key_salt_len(self) -> int:
        """Length of the SDES ``inline:`` value: master key then master salt."""
        return self.key_len + self.salt_len


_P = pylibsrtp.Policy
# In the PBX's order of preference, best first.
SUITES: dict[str, Suite] = {s.name: s for s in (
    Suite("AEAD_AES_256_GCM", _P.SRTP_PROFILE_AEAD_AES_256_GCM, 32, 12),
    Suite("AEAD_AES_128_GCM", _P.SRTP_PROFILE_AEAD_AES_128_GCM, 16, 12),
    Suite("AES_CM_128_HMAC_SHA1_80", _P.SRTP_PROFILE_AES128_CM_SHA1_80, 16, 14),
    Suite("AES_CM_128_HMAC_SHA1_32", _P.SRTP_PROFILE_AES128_CM_SHA1_32, 16, 14),
)}


class SrtpError(ValueError):
    """A packet that must be dropped; the message says why."""


class _Direction:
    """One libsrtp session (sender or receiver side) and the SSRCs it has streams for."""

    __slots__ = ("session", "ssrcs")

    def __init__(self, suite: Suite, key_salt: bytes, ssrc_type: int) -> None:
        self.session = pylibsrtp.Session(
            pylibsrtp.Policy(key=key_salt, ssrc_type=ssrc_type, srtp_profile=suite.profile))
        self.ssrcs: dict[bytes, None] = {}

    def seen(self, ssrc: bytes) -> None:
        """Count a stream libsrtp made for ``ssrc``; bounded: a peer that changes SSRC on
        every packet must not grow the PBX's memory."""
        ssrcs = self.ssrcs
        if ssrc not in ssrcs:
            ssrcs[ssrc] = None
            if len(ssrcs) > MAX_SSRCS:
                oldest = next(iter(ssrcs))
                del ssrcs[oldest]
                self.session.remove_stream(int.from_bytes(oldest, "big"))


class SrtpContext:
    """One direction of one SRTP session: a suite, a master key and salt, any SSRCs.

    A context both protects and unprotects (libsrtp keeps a sender and a receiver session,
    each made on first use): the relay uses one per leg and direction.
    """

    def __init__(self, suite: Suite, key_salt: bytes) -> None:
        if len(key_salt) != suite.key_salt_len:
            raise ValueError(f"{suite.name} key||salt must be {suite.key_salt_len} bytes, "
                             f"got {len(key_salt)}")
        self.suite = suite
        self.key_salt = key_salt
        self._tx: _Direction | None = None
        self._rx: _Direction | None = None

    def _sender(self) -> _Direction:
        if self._tx is None:
            self._tx = _Direction(self.suite, self.key_salt, _P.SSRC_ANY_OUTBOUND)
        return self._tx

    def _receiver(self) -> _Direction:
        if self._rx is None:
            self._rx = _Direction(self.suite, self.key_salt, _P.SSRC_ANY_INBOUND)
        return self._rx

    @staticmethod
    def _run(direction: _Direction, method: Callable[[bytes], bytes], packet: bytes,
             ssrc_at: int) -> bytes:
        if len(packet) < ssrc_at + 4 or packet[0] >> 6 != 2:
            raise SrtpError(f"not an RTP/RTCP version 2 packet ({len(packet)} bytes)")
        try:
            out = method(packet)
        except (pylibsrtp.Error, ValueError) as exc:
            # libsrtp's own words: "authentication failure", "replay check failed
            # (bad index)" (a replay), "... (index too old)" (behind the window);
            # ValueError: longer than pylibsrtp's 1500-byte buffer.
            raise SrtpError(f"SRTP {method.__name__}: {exc}") from None
        direction.seen(packet[ssrc_at:ssrc_at + 4])
        return out

    def protect(self, packet: bytes) -> bytes:
        """Encrypt and sign an RTP packet (the SSRC is at bytes 8-11, RFC 3550 5.1)."""
        direction = self._sender()
        return self._run(direction, direction.session.protect, packet, 8)

    def unprotect(self, packet: bytes) -> bytes:
        """Check and decrypt an SRTP packet; SrtpError if it must be dropped."""
        direction = self._receiver()
        return self._run(direction, direction.session.unprotect, packet, 8)

    def protect_rtcp(self, packet: bytes) -> bytes:
        """Encrypt and sign an RTCP compound packet (sender SSRC at bytes 4-7, 6.4.1)."""
        direction = self._sender()
        return self._run(direction, direction.session.protect_rtcp, packet, 4)

    def unprotect_rtcp(self, packet: bytes) -> bytes:
        """Check and decrypt an SRTCP packet; SrtpError if it must be dropped."""
        direction = self._receiver()
        return self._run(direction, direction.session.unprotect_rtcp, packet, 4)
