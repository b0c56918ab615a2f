"""SRTP/SRTCP (RFC 3711): the appendix B test vectors, round trips, tampering, replay and
the rollover counter."""

from __future__ import annotations

import struct

import pytest

from softphone.pbx.media.srtp import SrtpContext, SrtpError, aes_cm, derive

MASTER_KEY = bytes.fromhex("E1F97A0D3E018BE0D64FA32C06DE4139")
MASTER_SALT = bytes.fromhex("0EC675AD498AFEEBB6960B3AABE6")


def test_aes_cm_keystream_rfc3711_b2() -> None:
    key = bytes.fromhex("2B7E151628AED2A6ABF7158809CF4F3C")
    iv = int.from_bytes(bytes.fromhex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000"), "big")
    stream = aes_cm(key, iv, bytes(16 * 3))
    assert stream.hex().upper() == (
        "E03EAD0935C95E80E166B16DD92B4EB4"
        "D23513162B02D0F72A43A2FE4A5F97AB"
        "41E95B3BB0A2E8DD477901E4FCA894C0")
    tail = aes_cm(key, iv + 0xFEFF, bytes(16 * 3))
    assert tail.hex().upper() == (
        "EC8CDF7398607CB0F2D21675EA9EA1E4"
        "362B7C3C6773516318A077D7FC5073AE"
        "6A2CC3787889374FBEB4C81B17BA6C44")


def test_key_derivation_rfc3711_b3() -> None:
    assert derive(MASTER_KEY, MASTER_SALT, 0, 16).hex().upper() == (
        "C61E7A93744F39EE10734AFE3FF7A087")
    assert derive(MASTER_KEY, MASTER_SALT, 2, 14).hex().upper() == (
        "30CBBC08863D8C85D49DB34A9AE1")
    assert derive(MASTER_KEY, MASTER_SALT, 1, 20).hex().upper() == (
        "CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4")


def rtp(seq: int, payload: bytes = b"\x55" * 160, ssrc: int = 0x1234, ts: int = 0) -> bytes:
    return struct.pack("!BBHII", 0x80, 0, seq, ts, ssrc) + payload


def pair() -> tuple[SrtpContext, SrtpContext]:
    return SrtpContext(MASTER_KEY, MASTER_SALT), SrtpContext(MASTER_KEY, MASTER_SALT)


def test_round_trip_hides_the_payload_and_keeps_the_header() -> None:
    sender, receiver = pair()
    plain = rtp(1000)
    secret = sender.protect(plain)
    assert len(secret) == len(plain) + 10
    assert secret[:12] == plain[:12]
    assert b"\x55" * 16 not in secret
    assert receiver.unprotect(secret) == plain


def test_header_extension_and_csrcs_stay_clear() -> None:
    sender, receiver = pair()
    header = struct.pack("!BBHII", 0x91, 0, 7, 0, 99) + b"CSRC" + b"\xbe\xde\x00\x01XXXX"
    plain = header + b"voice" * 10
    secret = sender.protect(plain)
    assert secret.startswith(header)
    assert receiver.unprotect(secret) == plain


@pytest.mark.parametrize("position", [5, 20, -1, -12])
def test_tampered_packet_fails_authentication(position: int) -> None:
    sender, receiver = pair()
    secret = bytearray(sender.protect(rtp(1)))
    secret[position] ^= 1
    with pytest.raises(SrtpError):
        receiver.unprotect(bytes(secret))


def test_wrong_key_fails() -> None:
    sender = SrtpContext(MASTER_KEY, MASTER_SALT)
    receiver = SrtpContext(bytes(16), MASTER_SALT)
    with pytest.raises(SrtpError, match="authentication"):
        receiver.unprotect(sender.protect(rtp(1)))


def test_replay_and_too_old_are_refused_but_reordering_is_not() -> None:
    sender, receiver = pair()
    packets = {seq: sender.protect(rtp(seq)) for seq in range(1, 101)}
    receiver.unprotect(packets[1])
    with pytest.raises(SrtpError, match="replay"):
        receiver.unprotect(packets[1])
    receiver.unprotect(packets[100])
    receiver.unprotect(packets[90])           # late but inside the window
    with pytest.raises(SrtpError, match="replay"):
        receiver.unprotect(packets[90])
    with pytest.raises(SrtpError, match="too old"):
        receiver.unprotect(packets[2])        # 98 behind: outside the 64-packet window


def test_rollover_counter_wraps_and_is_authenticated() -> None:
    sender, receiver = pair()
    seqs = [65530 + i for i in range(6)] + list(range(0, 6))
    for seq in seqs:
        plain = rtp(seq)
        assert receiver.unprotect(sender.protect(plain)) == plain
    # A packet from just before the wrap arrives late: ROC - 1 is guessed, and it decrypts.
    late = SrtpContext(MASTER_KEY, MASTER_SALT)
    out = [late.protect(rtp(s)) for s in (65534, 65535, 0, 1)]
    fresh = SrtpContext(MASTER_KEY, MASTER_SALT)
    fresh.unprotect(out[0])
    fresh.unprotect(out[2])
    fresh.unprotect(out[3])
    assert fresh.unprotect(out[1]) == rtp(65535)
    # The sender's ROC is in the tag: the same packet with ROC 0 after the wrap differs.
    assert out[2] != SrtpContext(MASTER_KEY, MASTER_SALT).protect(rtp(0))


def test_ssrcs_have_their_own_state() -> None:
    sender, receiver = pair()
    a = sender.protect(rtp(5, ssrc=1))
    b = sender.protect(rtp(5, ssrc=2))
    assert receiver.unprotect(a) == rtp(5, ssrc=1)
    assert receiver.unprotect(b) == rtp(5, ssrc=2)


def rtcp(ssrc: int = 0x1234) -> bytes:
    return struct.pack("!BBHI", 0x80, 200, 6, ssrc) + bytes(range(24))


def test_srtcp_round_trip_tamper_and_replay() -> None:
    sender, receiver = pair()
    first, second = sender.protect_rtcp(rtcp()), sender.protect_rtcp(rtcp())
    assert len(first) == len(rtcp()) + 4 + 10
    assert first[:8] == rtcp()[:8] and bytes(range(24)) not in first
    assert first[-14:-10] == b"\x80\x00\x00\x00" and second[-14:-10] == b"\x80\x00\x00\x01"
    assert receiver.unprotect_rtcp(second) == rtcp()
    assert receiver.unprotect_rtcp(first) == rtcp()
    with pytest.raises(SrtpError, match="replay"):
        receiver.unprotect_rtcp(first)
    bad = bytearray(sender.protect_rtcp(rtcp()))
    bad[10] ^= 0xFF
    with pytest.raises(SrtpError, match="authentication"):
        receiver.unprotect_rtcp(bytes(bad))


def test_bad_input_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="30 bytes"):
        SrtpContext.from_inline(b"short")
    with pytest.raises(SrtpError):
        SrtpContext(MASTER_KEY, MASTER_SALT).unprotect(b"\x00" * 40)
