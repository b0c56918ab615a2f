"""SRTP and SRTCP (RFC 3711) with the AES_CM_128_HMAC_SHA1_80 suite, for one direction.

An ``SrtpContext`` holds one master key and salt (as SDES, RFC 4568, hands them out) and
the per-SSRC state: ``protect``/``unprotect`` RTP and ``protect_rtcp``/``unprotect_rtcp``.

- Session keys (RFC 3711 section 4.3): AES-CM as PRF, key derivation rate 0, labels 0-2
  for SRTP, 3-5 for SRTCP.
- Encryption (4.1.1): AES-128 in counter mode, IV = salt * 2^16 XOR SSRC * 2^64 XOR
  index * 2^16; the RTP header (with CSRCs and extension) stays clear.
- Authentication (4.2): HMAC-SHA1 over the packet and the rollover counter (RTP) or the
  E flag and SRTCP index (RTCP), truncated to 80 bits.
- Packet index (3.3.1, appendix A): the rollover counter is guessed from the sequence
  number against the highest one seen, and only committed once the packet authenticates;
  a 64-packet replay window (3.3.2) refuses duplicates and packets too old to judge.

The PBX relays packets it did not originate, so the sending side estimates the index the
same way from the sequence numbers it forwards. No I/O; ``SrtpError`` for a packet that
fails (too short, bad tag, replay).
"""

from __future__ import annotations

import hashlib
import hmac
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

SUITE = "AES_CM_128_HMAC_SHA1_80"
KEY_LEN = 16
SALT_LEN = 14
TAG_LEN = 10
REPLAY_WINDOW = 64
MAX_SSRCS = 64  # per context; the oldest is forgotten beyond that

_SRTCP_E = 0x80000000


class SrtpError(ValueError):
    """A packet that must be dropped; the message says why."""


def aes_cm(key: bytes, iv: int, data: bytes) -> bytes:
    """``data`` XOR the AES counter-mode keystream that starts at the 128-bit ``iv``."""
    encryptor = Cipher(algorithms.AES(key), modes.CTR(iv.to_bytes(16, "big"))).encryptor()
    return encryptor.update(data) + encryptor.finalize()


def derive(master_key: bytes, master_salt: bytes, label: int, length: int) -> bytes:
    """A session key (RFC 3711 section 4.3.1, key derivation rate 0, so r = 0)."""
    x = int.from_bytes(master_salt, "big") ^ (label << 48)
    return aes_cm(master_key, x << 16, bytes(length))


class _Keys:
    def __init__(self, master_key: bytes, master_salt: bytes, base: int) -> None:
        self.enc = derive(master_key, master_salt, base, KEY_LEN)
        self.auth = derive(master_key, master_salt, base + 1, 20)
        self.salt = int.from_bytes(derive(master_key, master_salt, base + 2, SALT_LEN), "big")

    def crypt(self, ssrc: int, index: int, data: bytes) -> bytes:
        return aes_cm(self.enc, (self.salt << 16) ^ (ssrc << 64) ^ (index << 16), data)

    def tag(self, data: bytes) -> bytes:
        return hmac.new(self.auth, data, hashlib.sha1).digest()[:TAG_LEN]


class _Stream:
    """Index state of one SSRC: highest sequence number, rollover counter, replay bits."""

    __slots__ = ("roc", "rtcp_index", "rtcp_sent", "rtcp_window", "seq", "window")

    def __init__(self, seq: int) -> None:
        self.seq = seq
        self.roc = 0
        self.window = 0          # bit i: index (highest - i) was received
        self.rtcp_index = -1
        self.rtcp_window = 0
        self.rtcp_sent = 0

    def estimate(self, seq: int) -> int:
        """The packet index for ``seq`` (RFC 3711 appendix A)."""
        v = self.roc
        if self.seq < 32768:
            if seq - self.seq > 32768 and self.roc > 0:
                v = self.roc - 1
        elif self.seq - 32768 > seq:
            v = self.roc + 1
        return (v << 16) + seq

    @property
    def highest(self) -> int:
        return (self.roc << 16) + self.seq

    def check_replay(self, index: int) -> None:
        delta = self.highest - index
        if delta >= REPLAY_WINDOW or (delta >= 0 and self.window >> delta & 1):
            raise SrtpError(f"replayed or too old SRTP packet (index {index})")

    def commit(self, index: int) -> None:
        delta = index - self.highest
        if delta > 0:
            self.window = ((self.window << delta) | 1) & ((1 << REPLAY_WINDOW) - 1)
            self.roc, self.seq = index >> 16, index & 0xFFFF
        else:
            self.window |= 1 << -delta


def _header_len(packet: bytes) -> int:
    """Length of the RTP header with CSRCs and extension (RFC 3550 section 5.1, 5.3.1)."""
    if len(packet) < 12 or packet[0] >> 6 != 2:
        raise SrtpError("not an RTP version 2 packet")
    length = 12 + 4 * (packet[0] & 0x0F)
    if packet[0] & 0x10:
        if len(packet) < length + 4:
            raise SrtpError("RTP header extension is cut short")
        length += 4 + 4 * int.from_bytes(packet[length + 2:length + 4], "big")
    if len(packet) < length:
        raise SrtpError("RTP header is cut short")
    return length


class SrtpContext:
    """One direction of one SRTP session: a master key and salt, any number of SSRCs."""

    def __init__(self, master_key: bytes, master_salt: bytes) -> None:
        if len(master_key) != KEY_LEN or len(master_salt) != SALT_LEN:
            raise ValueError(f"{SUITE} needs a {KEY_LEN}-byte key and a {SALT_LEN}-byte salt")
        self.master = master_key + master_salt
        self._rtp = _Keys(master_key, master_salt, 0)
        self._rtcp = _Keys(master_key, master_salt, 3)
        self._streams: dict[int, _Stream] = {}
        self._rtcp_streams: dict[int, _Stream] = {}

    @classmethod
    def from_inline(cls, key_salt: bytes) -> SrtpContext:
        """From SDES's ``inline:`` value: 30 bytes of key then salt (RFC 4568 6.1)."""
        if len(key_salt) != KEY_LEN + SALT_LEN:
            raise ValueError(f"{SUITE} key||salt must be 30 bytes, got {len(key_salt)}")
        return cls(key_salt[:KEY_LEN], key_salt[KEY_LEN:])

    def _stream(self, ssrc: int, seq: int, rtcp: bool = False) -> _Stream:
        table = self._rtcp_streams if rtcp else self._streams
        stream = table.get(ssrc)
        if stream is None:
            if len(table) >= MAX_SSRCS:
                del table[next(iter(table))]
            stream = table[ssrc] = _Stream(seq)
        return stream

    # -- RTP ------------------------------------------------------------------------------

    def protect(self, packet: bytes) -> bytes:
        """Encrypt and sign an RTP packet."""
        header = _header_len(packet)
        seq, ssrc = struct.unpack_from("!H4xI", packet, 2)
        stream = self._stream(ssrc, seq)
        index = stream.estimate(seq)
        if index > stream.highest:
            stream.roc, stream.seq = index >> 16, seq
        body = packet[:header] + self._rtp.crypt(ssrc, index, packet[header:])
        return body + self._rtp.tag(body + (index >> 16 & 0xFFFFFFFF).to_bytes(4, "big"))

    def unprotect(self, packet: bytes) -> bytes:
        """Check and decrypt an SRTP packet; SrtpError if it must be dropped."""
        if len(packet) < 12 + TAG_LEN:
            raise SrtpError("SRTP packet too short")
        body, tag = packet[:-TAG_LEN], packet[-TAG_LEN:]
        header = _header_len(body)
        seq, ssrc = struct.unpack_from("!H4xI", body, 2)
        stream = self._streams.get(ssrc)
        fresh = stream is None
        if stream is None:
            stream = _Stream(seq)
        index = stream.estimate(seq)
        if not fresh:
            stream.check_replay(index)
        roc = (index >> 16) & 0xFFFFFFFF
        if not hmac.compare_digest(tag, self._rtp.tag(body + roc.to_bytes(4, "big"))):
            raise SrtpError("SRTP authentication failed")
        if fresh:
            stream = self._stream(ssrc, seq)
            stream.window = 1
        else:
            stream.commit(index)
        return body[:header] + self._rtp.crypt(ssrc, index, body[header:])

    # -- RTCP -----------------------------------------------------------------------------

    def protect_rtcp(self, packet: bytes) -> bytes:
        """Encrypt and sign an RTCP compound packet with this sender's next SRTCP index."""
        if len(packet) < 8 or packet[0] >> 6 != 2:
            raise SrtpError("not an RTCP version 2 packet")
        ssrc = int.from_bytes(packet[4:8], "big")
        stream = self._stream(ssrc, 0, rtcp=True)
        index = stream.rtcp_sent
        stream.rtcp_sent = (index + 1) & 0x7FFFFFFF
        body = (packet[:8] + self._rtcp.crypt(ssrc, index, packet[8:])
                + (_SRTCP_E | index).to_bytes(4, "big"))
        return body + self._rtcp.tag(body)

    def unprotect_rtcp(self, packet: bytes) -> bytes:
        """Check and decrypt an SRTCP packet; SrtpError if it must be dropped."""
        if len(packet) < 8 + 4 + TAG_LEN or packet[0] >> 6 != 2:
            raise SrtpError("SRTCP packet too short")
        body, tag = packet[:-TAG_LEN], packet[-TAG_LEN:]
        if not hmac.compare_digest(tag, self._rtcp.tag(body)):
            raise SrtpError("SRTCP authentication failed")
        e_index = int.from_bytes(body[-4:], "big")
        index = e_index & 0x7FFFFFFF
        ssrc = int.from_bytes(body[4:8], "big")
        stream = self._stream(ssrc, 0, rtcp=True)
        delta = stream.rtcp_index - index
        if stream.rtcp_index >= 0 and (
                delta >= REPLAY_WINDOW or (delta >= 0 and stream.rtcp_window >> delta & 1)):
            raise SrtpError(f"replayed or too old SRTCP packet (index {index})")
        if index > stream.rtcp_index:
            shift = index - stream.rtcp_index
            stream.rtcp_window = ((stream.rtcp_window << shift) | 1) & ((1 << REPLAY_WINDOW) - 1)
            stream.rtcp_index = index
        else:
            stream.rtcp_window |= 1 << delta
        payload = body[8:-4]
        if e_index & _SRTCP_E:
            payload = self._rtcp.crypt(ssrc, index, payload)
        return body[:8] + payload
