"""SRTP per leg at the media anchor: SDES offers and answers (RFC 4568, RFC 7714 AES-GCM)
and what the relay does with real UDP sockets (SRTP from one phone arrives as plain RTP at
the other; a tone sent with one suite is heard with another)."""

from __future__ import annotations

import asyncio
import base64
import socket
import struct

import pytest

from softphone.pbx.features.anchor import AnchorError, MediaAnchor
from softphone.pbx.media.g711 import decode, encode
from softphone.pbx.media.relay import RtpRelay
from softphone.pbx.media.sdes import Crypto, parse_crypto
from softphone.pbx.media.sdp import parse_sdp
from softphone.pbx.media.srtp import SUITES, SrtpContext
from softphone.pbx.media.tones import dominant_frequency, sine
from tests.integration.test_rtp_relay import free_block

HOST = "127.0.0.1"
KEY = bytes(range(30))
CM80 = SUITES["AES_CM_128_HMAC_SHA1_80"]


def crypto_line(tag: int, suite: str, key: bytes = KEY) -> str:
    return f"a=crypto:{tag} {suite} inline:{base64.b64encode(key).decode()}\r\n"


CRYPTO = crypto_line(7, "AES_CM_128_HMAC_SHA1_80")


def sdp(port: int, proto: str = "RTP/AVP", crypto: str = "") -> bytes:
    return (f"v=0\r\no=- 1 1 IN IP4 {HOST}\r\ns=-\r\nc=IN IP4 {HOST}\r\nt=0 0\r\n"
            f"m=audio {port} {proto} 0\r\na=rtpmap:0 PCMU/8000\r\n{crypto}").encode()


async def make_anchor(srtp: str = "optional", tls_a: bool = True) -> MediaAnchor:
    base = free_block(40)
    relay = RtpRelay(HOST, base, base + 39)
    return MediaAnchor(await relay.allocate(), HOST, srtp=srtp, tls_a=tls_a)


def cryptos_of(body: bytes) -> list[Crypto]:
    audio = parse_sdp(body).first_audio()
    assert audio is not None
    found = [parse_crypto(v or "") for name, v in audio.attributes if name == "crypto"]
    assert None not in found, f"unusable a=crypto in {body!r}"
    return [c for c in found if c is not None]


def crypto_of(body: bytes) -> tuple[str, bytes] | None:
    """The proto and key of the only a=crypto line of an answer, None without one."""
    cryptos = cryptos_of(body)
    if not cryptos:
        return None
    assert len(cryptos) == 1
    proto = (parse_sdp(body).first_audio() or pytest.fail("no audio")).proto
    return proto, cryptos[0].key_salt


async def test_srtp_caller_over_tls_gets_the_pbx_key_and_plain_callee_gets_none() -> None:
    anchor = await make_anchor()
    offer = anchor.take("a", sdp(4000, "RTP/SAVP", CRYPTO))
    assert crypto_of(offer) is None and b"RTP/AVP" in offer       # callee over UDP: plain
    secure = anchor.secure_offer("b")
    assert secure is not None
    assert b"m=audio" in secure and b"RTP/AVP" in secure  # optional: best-effort SRTP
    offered = cryptos_of(secure)                     # every suite, best first, own keys
    assert [c.suite.name for c in offered] == list(SUITES)
    assert [c.tag for c in offered] == ["1", "2", "3", "4"]
    assert len({c.key_salt for c in offered} | {KEY}) == 5
    answer = anchor.take("b", sdp(5000))
    proto, key_a = crypto_of(answer) or ("", b"")
    assert proto == "RTP/SAVP" and key_a not in {KEY} | {c.key_salt for c in offered}
    assert b"a=crypto:7 " in answer                                  # the offer's tag
    assert anchor.srtp_active("a") and not anchor.srtp_active("b")
    anchor.close()


@pytest.mark.parametrize(("mode", "tls", "error"), [
    ("optional", False, "only accepted over SIP over TLS"),
    ("off", True, "SRTP is off"),
])
async def test_savp_offer_refused_without_tls_or_when_off(mode: str, tls: bool,
                                                          error: str) -> None:
    anchor = await make_anchor(mode, tls)
    with pytest.raises(AnchorError, match=error):
        anchor.take("a", sdp(4000, "RTP/SAVP", CRYPTO))
    anchor.close()


async def test_best_effort_crypto_without_tls_is_ignored() -> None:
    anchor = await make_anchor("optional", tls_a=False)
    anchor.take("a", sdp(4000, "RTP/AVP", CRYPTO))
    answer = anchor.take("b", sdp(5000))
    assert crypto_of(answer) is None and not anchor.srtp_active("a")
    anchor.close()


async def test_mandatory_refuses_plain_rtp() -> None:
    anchor = await make_anchor("mandatory")
    with pytest.raises(AnchorError, match="mandatory"):
        anchor.take("a", sdp(4000))
    anchor.close()


async def test_relay_decrypts_srtp_from_one_leg_and_sends_plain_rtp_to_the_other() -> None:
    anchor = await make_anchor()
    phone_a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    phone_b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for s in (phone_a, phone_b):
        s.bind((HOST, 0))
        s.setblocking(False)
    anchor.take("a", sdp(phone_a.getsockname()[1], "RTP/SAVP", CRYPTO))
    answer = anchor.take("b", sdp(phone_b.getsockname()[1]))
    pbx_key = (crypto_of(answer) or ("", b""))[1]
    loop = asyncio.get_running_loop()
    plain = struct.pack("!BBHII", 0x80, 0, 1, 160, 42) + b"\x11" * 160
    phone_a.sendto(SrtpContext(CM80, KEY).protect(plain), (HOST, anchor.leg("a").local_port))
    assert await asyncio.wait_for(loop.sock_recv(phone_b, 2048), 2) == plain
    phone_b.sendto(plain, (HOST, anchor.leg("b").local_port))
    secret = await asyncio.wait_for(loop.sock_recv(phone_a, 2048), 2)
    assert secret != plain and SrtpContext(CM80, pbx_key).unprotect(secret) == plain
    # Forged SRTP (wrong key) is dropped, not forwarded.
    before = anchor.session.stats.dropped
    phone_a.sendto(SrtpContext(CM80, bytes(30)).protect(plain),
                   (HOST, anchor.leg("a").local_port))
    for _ in range(50):
        if anchor.session.stats.dropped > before:
            break
        await asyncio.sleep(0.01)
    assert anchor.session.stats.dropped == before + 1
    anchor.close()
    phone_a.close()
    phone_b.close()


@pytest.mark.parametrize(("offered", "chosen"), [
    (["AES_CM_128_HMAC_SHA1_32"], "AES_CM_128_HMAC_SHA1_32"),
    (["AES_CM_128_HMAC_SHA1_32", "AES_CM_128_HMAC_SHA1_80"], "AES_CM_128_HMAC_SHA1_80"),
    (["AES_CM_128_HMAC_SHA1_80", "AEAD_AES_128_GCM"], "AEAD_AES_128_GCM"),
    (["AEAD_AES_128_GCM", "AES_CM_128_HMAC_SHA1_80", "AEAD_AES_256_GCM"], "AEAD_AES_256_GCM"),
    # What pjsua2 2.15.1 offers: AES-256-CM first, which libsrtp's profiles do not have.
    (["AES_256_CM_HMAC_SHA1_80", "AES_256_CM_HMAC_SHA1_32", "AES_CM_128_HMAC_SHA1_80",
      "AES_CM_128_HMAC_SHA1_32"], "AES_CM_128_HMAC_SHA1_80"),
])
async def test_answer_has_the_best_suite_of_the_offer(offered: list[str], chosen: str) -> None:
    anchor = await make_anchor()
    lines = "".join(
        crypto_line(tag, name, bytes(SUITES[name].key_salt_len if name in SUITES else 46))
        for tag, name in enumerate(offered, start=1))
    anchor.take("a", sdp(4000, "RTP/SAVP", lines))
    answer = anchor.take("b", sdp(5000))
    (ours,) = cryptos_of(answer)
    assert ours.suite.name == chosen and ours.tag == str(offered.index(chosen) + 1)
    assert len(ours.key_salt) == SUITES[chosen].key_salt_len
    assert b"RTP/SAVP" in answer and anchor.srtp_active("a")
    anchor.close()


async def test_savp_offer_without_a_supported_suite_is_refused() -> None:
    anchor = await make_anchor()
    with pytest.raises(AnchorError, match="no usable a=crypto"):
        anchor.take("a", sdp(4000, "RTP/SAVP", crypto_line(1, "AES_256_CM_HMAC_SHA1_80",
                                                           bytes(46))))
    anchor.close()


def tone_packets(freq: float, ssrc: int) -> list[bytes]:
    """Half a second of a PCMU tone as 20 ms RTP packets."""
    samples = sine(freq, 0.5)
    return [struct.pack("!BBHII", 0x80, 0, seq, seq * 160, ssrc)
            + encode(samples[seq * 160:(seq + 1) * 160], 0) for seq in range(25)]


async def heard(sock: socket.socket, context: SrtpContext, count: int) -> float:
    """The dominant frequency of ``count`` SRTP packets received on ``sock``."""
    loop = asyncio.get_running_loop()
    payload = b""
    for _ in range(count):
        packet = context.unprotect(await asyncio.wait_for(loop.sock_recv(sock, 2048), 2))
        payload += packet[12:]
    return dominant_frequency(decode(payload, 0))


def rtp_rtcp_pair() -> tuple[socket.socket, socket.socket]:
    """A phone's RTP socket and its RTCP socket on the port above (RFC 3550 section 11)."""
    for _ in range(100):
        rtp_sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        rtp_sock.bind((HOST, 0))
        rtcp_sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            rtcp_sock.bind((HOST, rtp_sock.getsockname()[1] + 1))
        except OSError:
            rtp_sock.close()
            rtcp_sock.close()
            continue
        for s in (rtp_sock, rtcp_sock):
            s.setblocking(False)
        return rtp_sock, rtcp_sock
    raise RuntimeError("no two consecutive free UDP ports")


async def test_aes_gcm_on_both_legs_with_different_suites_carries_tones_both_ways() -> None:
    """Phone a offers AES-256-GCM (and AES-CM), phone b picks AES-128-GCM from the PBX's
    offer: each leg has its suite, the relay re-encrypts, each phone hears the other's tone,
    and SRTCP passes too."""
    anchor = await make_anchor()
    anchor.tls["b"] = True
    (phone_a, rtcp_a), (phone_b, rtcp_b) = rtp_rtcp_pair(), rtp_rtcp_pair()
    key_a, key_b = bytes(range(44)), bytes(range(100, 128))
    offer = anchor.take("a", sdp(phone_a.getsockname()[1], "RTP/SAVP",
                                 crypto_line(1, "AES_CM_128_HMAC_SHA1_80")
                                 + crypto_line(2, "AEAD_AES_256_GCM", key_a)))
    to_b = {c.suite.name: c for c in cryptos_of(offer)}
    pbx_to_b = to_b["AEAD_AES_128_GCM"]
    answer = anchor.take("b", sdp(phone_b.getsockname()[1], "RTP/SAVP",
                                  crypto_line(int(pbx_to_b.tag), "AEAD_AES_128_GCM", key_b)))
    (pbx_to_a,) = cryptos_of(answer)
    assert pbx_to_a.suite.name == "AEAD_AES_256_GCM" and pbx_to_a.tag == "2"
    gcm256, gcm128 = SUITES["AEAD_AES_256_GCM"], SUITES["AEAD_AES_128_GCM"]
    a_out, a_in = SrtpContext(gcm256, key_a), SrtpContext(gcm256, pbx_to_a.key_salt)
    b_out, b_in = SrtpContext(gcm128, key_b), SrtpContext(gcm128, pbx_to_b.key_salt)
    for packet in tone_packets(1000, ssrc=0xA):
        phone_a.sendto(a_out.protect(packet), (HOST, anchor.leg("a").local_port))
    assert abs(await heard(phone_b, b_in, 25) - 1000) < 10
    for packet in tone_packets(700, ssrc=0xB):
        phone_b.sendto(b_out.protect(packet), (HOST, anchor.leg("b").local_port))
    assert abs(await heard(phone_a, a_in, 25) - 700) < 10
    # SRTCP: a sender report from a reaches b under b's suite.
    report = struct.pack("!BBHI", 0x80, 200, 6, 0xA) + bytes(range(24))
    rtcp_a.sendto(a_out.protect_rtcp(report), (HOST, anchor.leg("a").local_rtcp_port))
    received = await asyncio.wait_for(asyncio.get_running_loop().sock_recv(rtcp_b, 2048), 2)
    assert b_in.unprotect_rtcp(received) == report
    anchor.close()
    for s in (phone_a, phone_b, rtcp_a, rtcp_b):
        s.close()


async def test_a_new_party_after_a_transfer_gets_fresh_keys() -> None:
    anchor = await make_anchor()
    anchor.tls["b"] = True
    first = {c.key_salt for c in cryptos_of(anchor.take("a", sdp(4000, "RTP/SAVP", CRYPTO)))}
    anchor.take("b", sdp(5000, "RTP/SAVP", crypto_line(3, "AES_CM_128_HMAC_SHA1_80")))
    assert anchor.srtp_active("b")
    anchor.reset_side("b", tls=True)
    assert not anchor.srtp_active("b")
    again = anchor.offer_from("a", "b")
    fresh = {c.key_salt for c in cryptos_of(again)}
    assert len(fresh) == 4 and not fresh & first
    anchor.close()
