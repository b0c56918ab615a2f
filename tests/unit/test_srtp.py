"""SRTP/SRTCP through libsrtp: the RFC 3711 appendix B test vectors, RFC 7714 AES-GCM
against an independent reference, round trips, tampering, replay, the rollover counter and
the bound on streams.

The reference (AES-CM keystream, key derivation, HMAC-SHA1, AES-GCM) is built here from the
`cryptography` package and the standard library: appendix B.2 and B.3 prove the reference,
and libsrtp's packets must equal what the reference computes from the B.3 keys."""

from __future__ import annotations

import hashlib
import hmac
import struct

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from softphone.pbx.media.srtp import MAX_SSRCS, SUITES, SrtpContext, SrtpError

MASTER_KEY = bytes.fromhex("E1F97A0D3E018BE0D64FA32C06DE4139")
MASTER_SALT = bytes.fromhex("0EC675AD498AFEEBB6960B3AABE6")
# RFC 3711 appendix B.3: the session keys libsrtp must derive from the master key and salt.
SESSION_KEY = bytes.fromhex("C61E7A93744F39EE10734AFE3FF7A087")
SESSION_SALT = bytes.fromhex("30CBBC08863D8C85D49DB34A9AE1")
AUTH_KEY = bytes.fromhex("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4")
CM80, CM32 = SUITES["AES_CM_128_HMAC_SHA1_80"], SUITES["AES_CM_128_HMAC_SHA1_32"]


def aes_cm(key: bytes, iv: int, data: bytes) -> bytes:
    """Reference: ``data`` XOR the AES counter-mode keystream from ``iv`` (RFC 3711 4.1.1)."""
    encryptor = Cipher(algorithms.AES(key), modes.CTR(iv.to_bytes(16, "big"))).encryptor()
    return encryptor.update(data) + encryptor.finalize()


def derive(key: bytes, salt: bytes, label: int, length: int) -> bytes:
    """Reference key derivation (RFC 3711 4.3.1, rate 0); a 96-bit salt (RFC 7714 section
    11) takes the high bits of the 112-bit input."""
    x = int.from_bytes(salt.ljust(14, b"\0"), "big") ^ (label << 48)
    return aes_cm(key, x << 16, bytes(length))


def test_aes_cm_keystream_rfc3711_b2() -> None:
    key = bytes.fromhex("2B7E151628AED2A6ABF7158809CF4F3C")
    iv = int.from_bytes(bytes.fromhex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000"), "big")
    assert aes_cm(key, iv, bytes(16 * 3)).hex().upper() == (
        "E03EAD0935C95E80E166B16DD92B4EB4"
        "D23513162B02D0F72A43A2FE4A5F97AB"
        "41E95B3BB0A2E8DD477901E4FCA894C0")
    assert aes_cm(key, iv + 0xFEFF, bytes(16 * 3)).hex().upper() == (
        "EC8CDF7398607CB0F2D21675EA9EA1E4"
        "362B7C3C6773516318A077D7FC5073AE"
        "6A2CC3787889374FBEB4C81B17BA6C44")


def test_key_derivation_rfc3711_b3() -> None:
    assert derive(MASTER_KEY, MASTER_SALT, 0, 16) == SESSION_KEY
    assert derive(MASTER_KEY, MASTER_SALT, 2, 14) == SESSION_SALT
    assert derive(MASTER_KEY, MASTER_SALT, 1, 20) == AUTH_KEY


def rtp(seq: int, payload: bytes = b"\x55" * 160, ssrc: int = 0x1234, ts: int = 0) -> bytes:
    return struct.pack("!BBHII", 0x80, 0, seq, ts, ssrc) + payload


def expected_srtp(plain: bytes, roc: int, tag_len: int) -> bytes:
    """What RFC 3711 says the packet must be with the B.3 session keys."""
    seq, ssrc = struct.unpack_from("!H4xI", plain, 2)
    index = (roc << 16) | seq
    iv = (int.from_bytes(SESSION_SALT, "big") << 16) ^ (ssrc << 64) ^ (index << 16)
    body = plain[:12] + aes_cm(SESSION_KEY, iv, plain[12:])
    tag = hmac.new(AUTH_KEY, body + roc.to_bytes(4, "big"), hashlib.sha1).digest()
    return body + tag[:tag_len]


@pytest.mark.parametrize(("suite", "tag_len"), [(CM80, 10), (CM32, 4)])
def test_libsrtp_packets_are_what_rfc3711_b3_keys_give(suite, tag_len: int) -> None:
    sender = SrtpContext(suite, MASTER_KEY + MASTER_SALT)
    receiver = SrtpContext(suite, MASTER_KEY + MASTER_SALT)
    # Across the sequence number wrap: the rollover counter goes to 1 and is in the tag.
    for seq, roc in ((65534, 0), (65535, 0), (0, 1), (1, 1)):
        plain = rtp(seq)
        secret = sender.protect(plain)
        assert secret == expected_srtp(plain, roc, tag_len)
        assert receiver.unprotect(secret) == plain


def test_libsrtcp_packets_are_what_rfc3711_keys_give() -> None:
    # SRTCP's keys are labels 3-5 (RFC 3711 4.3.2) of the reference proven above.
    key, auth = derive(MASTER_KEY, MASTER_SALT, 3, 16), derive(MASTER_KEY, MASTER_SALT, 4, 20)
    salt = int.from_bytes(derive(MASTER_KEY, MASTER_SALT, 5, 14), "big")
    sender = SrtpContext(CM80, MASTER_KEY + MASTER_SALT)
    # libsrtp counts before sending: its first SRTCP index is 1 (the index travels in the
    # packet, so receivers do not mind).
    for index in range(1, 4):
        plain = rtcp()
        iv = (salt << 16) ^ (0x1234 << 64) ^ (index << 16)
        body = plain[:8] + aes_cm(key, iv, plain[8:]) + (0x80000000 | index).to_bytes(4, "big")
        tag = hmac.new(auth, body, hashlib.sha1).digest()[:10]  # 80 bits even for _32
        assert sender.protect_rtcp(plain) == body + tag


@pytest.mark.parametrize("name", ["AEAD_AES_128_GCM", "AEAD_AES_256_GCM"])
def test_aes_gcm_packets_are_what_rfc7714_says(name: str) -> None:
    suite = SUITES[name]
    master = bytes(range(suite.key_len)), bytes(range(100, 100 + suite.salt_len))
    key = derive(*master, 0, suite.key_len)
    salt = derive(*master, 2, 12)
    sender = SrtpContext(suite, b"".join(master))
    for seq, roc in ((65535, 0), (0, 1)):
        plain = rtp(seq)
        # RFC 7714 section 8.1: IV = (0x0000 || SSRC || ROC || SEQ) XOR salt; the header is
        # the associated data; the 16-byte tag follows the ciphertext.
        iv = bytes(a ^ b for a, b in zip(struct.pack("!HIIH", 0, 0x1234, roc, seq), salt,
                                         strict=True))
        assert sender.protect(plain) == plain[:12] + AESGCM(key).encrypt(
            iv, plain[12:], plain[:12])


def pair(suite=CM80) -> tuple[SrtpContext, SrtpContext]:
    key_salt = bytes(range(suite.key_salt_len))
    return SrtpContext(suite, key_salt), SrtpContext(suite, key_salt)


@pytest.mark.parametrize("suite", list(SUITES.values()), ids=list(SUITES))
def test_round_trip_hides_the_payload_and_keeps_the_header(suite) -> None:
    sender, receiver = pair(suite)
    plain = rtp(1000)
    secret = sender.protect(plain)
    assert len(secret) == len(plain) + {"AES_CM_128_HMAC_SHA1_32": 4,
                                        "AES_CM_128_HMAC_SHA1_80": 10}.get(suite.name, 16)
    assert secret[:12] == plain[:12]
    assert b"\x55" * 16 not in secret
    assert receiver.unprotect(secret) == plain
    assert receiver.unprotect_rtcp(sender.protect_rtcp(rtcp())) == rtcp()


def test_header_extension_and_csrcs_stay_clear() -> None:
    sender, receiver = pair()
    header = struct.pack("!BBHII", 0x91, 0, 7, 0, 99) + b"CSRC" + b"\xbe\xde\x00\x01XXXX"
    plain = header + b"voice" * 10
    secret = sender.protect(plain)
    assert secret.startswith(header)
    assert receiver.unprotect(secret) == plain


@pytest.mark.parametrize("suite", [CM80, SUITES["AEAD_AES_128_GCM"]], ids=lambda s: s.name)
@pytest.mark.parametrize("position", [5, 20, -1, -12])
def test_tampered_packet_fails_authentication(suite, position: int) -> None:
    sender, receiver = pair(suite)
    secret = bytearray(sender.protect(rtp(1)))
    secret[position] ^= 1
    with pytest.raises(SrtpError):
        receiver.unprotect(bytes(secret))


def test_wrong_key_fails() -> None:
    sender = SrtpContext(CM80, MASTER_KEY + MASTER_SALT)
    receiver = SrtpContext(CM80, bytes(16) + MASTER_SALT)
    with pytest.raises(SrtpError, match="authentication"):
        receiver.unprotect(sender.protect(rtp(1)))


def test_replay_and_too_old_are_refused_but_reordering_is_not() -> None:
    sender, receiver = pair()
    packets = {seq: sender.protect(rtp(seq)) for seq in range(1, 201)}
    receiver.unprotect(packets[1])
    with pytest.raises(SrtpError, match="replay"):
        receiver.unprotect(packets[1])
    receiver.unprotect(packets[200])
    receiver.unprotect(packets[90])           # late but inside the 128-packet window
    with pytest.raises(SrtpError, match="replay"):
        receiver.unprotect(packets[90])
    with pytest.raises(SrtpError, match="too old"):
        receiver.unprotect(packets[2])        # 198 behind: outside the window


def test_late_packet_from_before_the_wrap_decrypts() -> None:
    sender, receiver = pair()
    out = [sender.protect(rtp(s)) for s in (65534, 65535, 0, 1)]
    for i in (0, 2, 3):
        receiver.unprotect(out[i])
    assert receiver.unprotect(out[1]) == rtp(65535)  # ROC - 1 guessed (appendix A)


def test_ssrcs_have_their_own_state() -> None:
    sender, receiver = pair()
    a = sender.protect(rtp(5, ssrc=1))
    b = sender.protect(rtp(5, ssrc=2))
    assert receiver.unprotect(a) == rtp(5, ssrc=1)
    assert receiver.unprotect(b) == rtp(5, ssrc=2)


def test_streams_are_bounded_the_oldest_is_forgotten() -> None:
    sender, receiver = pair()
    first = sender.protect(rtp(5, ssrc=0))
    receiver.unprotect(first)
    with pytest.raises(SrtpError, match="replay"):   # the sender keeps its index too
        sender.protect(rtp(5, ssrc=0))
    for ssrc in range(1, MAX_SSRCS + 1):             # one past the limit
        receiver.unprotect(sender.protect(rtp(5, ssrc=ssrc)))
    # SSRC 0's streams are gone on both sides: its packet is new to them again.
    assert receiver.unprotect(first) == rtp(5, ssrc=0)
    assert sender.protect(rtp(5, ssrc=0)) == first
    assert receiver._rx is not None and len(receiver._rx.ssrcs) == MAX_SSRCS


def rtcp(ssrc: int = 0x1234) -> bytes:
    return struct.pack("!BBHI", 0x80, 200, 6, ssrc) + bytes(range(24))


def test_srtcp_round_trip_tamper_and_replay() -> None:
    sender, receiver = pair()
    first, second = sender.protect_rtcp(rtcp()), sender.protect_rtcp(rtcp())
    assert len(first) == len(rtcp()) + 4 + 10
    assert first[:8] == rtcp()[:8] and bytes(range(24)) not in first
    assert first[-14:-10] == b"\x80\x00\x00\x01" and second[-14:-10] == b"\x80\x00\x00\x02"
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
        SrtpContext(CM80, b"short")
    with pytest.raises(ValueError, match="44 bytes"):
        SrtpContext(SUITES["AEAD_AES_256_GCM"], bytes(30))
    context = SrtpContext(CM80, MASTER_KEY + MASTER_SALT)
    with pytest.raises(SrtpError, match="version 2"):
        context.unprotect(b"\x00" * 40)
    with pytest.raises(SrtpError, match="version 2"):
        context.protect(b"\x80\x00")
    with pytest.raises(SrtpError, match="too long"):
        context.protect(rtp(1, payload=bytes(1490)))
