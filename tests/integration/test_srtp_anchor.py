"""SRTP per leg at the media anchor: SDES offers and answers (RFC 4568) and what the relay
does with real UDP sockets (SRTP from one phone arrives as plain RTP at the other)."""

from __future__ import annotations

import asyncio
import base64
import socket
import struct

import pytest

from softphone.pbx.features.anchor import AnchorError, MediaAnchor
from softphone.pbx.media.relay import RtpRelay
from softphone.pbx.media.sdes import parse_crypto
from softphone.pbx.media.sdp import parse_sdp
from softphone.pbx.media.srtp import SrtpContext
from tests.integration.test_rtp_relay import free_block

HOST = "127.0.0.1"
KEY = bytes(range(30))
CRYPTO = f"a=crypto:7 AES_CM_128_HMAC_SHA1_80 inline:{base64.b64encode(KEY).decode()}\r\n"


def sdp(port: int, proto: str = "RTP/AVP", crypto: str = "") -> bytes:
    return (f"v=0\r\no=- 1 1 IN IP4 {HOST}\r\ns=-\r\nc=IN IP4 {HOST}\r\nt=0 0\r\n"
            f"m=audio {port} {proto} 0\r\na=rtpmap:0 PCMU/8000\r\n{crypto}").encode()


async def make_anchor(srtp: str = "optional", tls_a: bool = True) -> MediaAnchor:
    base = free_block(40)
    relay = RtpRelay(HOST, base, base + 39)
    return MediaAnchor(await relay.allocate(), HOST, srtp=srtp, tls_a=tls_a)


def crypto_of(body: bytes) -> tuple[str, bytes] | None:
    audio = parse_sdp(body).first_audio()
    assert audio is not None
    value = audio.attribute("crypto")
    if value is None:
        return None
    found = parse_crypto(value)
    assert found is not None
    return audio.proto, found.key_salt


async def test_srtp_caller_over_tls_gets_the_pbx_key_and_plain_callee_gets_none() -> None:
    anchor = await make_anchor()
    offer = anchor.take("a", sdp(4000, "RTP/SAVP", CRYPTO))
    assert crypto_of(offer) is None and b"RTP/AVP" in offer       # callee over UDP: plain
    secure = anchor.secure_offer("b")
    assert secure is not None
    proto, key_b = crypto_of(secure) or ("", b"")
    assert proto == "RTP/AVP" and key_b != KEY  # optional: best-effort SRTP
    answer = anchor.take("b", sdp(5000))
    proto, key_a = crypto_of(answer) or ("", b"")
    assert proto == "RTP/SAVP" and key_a not in (KEY, key_b)
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
    phone_a.sendto(SrtpContext.from_inline(KEY).protect(plain), (HOST, anchor.leg("a").local_port))
    assert await asyncio.wait_for(loop.sock_recv(phone_b, 2048), 2) == plain
    phone_b.sendto(plain, (HOST, anchor.leg("b").local_port))
    secret = await asyncio.wait_for(loop.sock_recv(phone_a, 2048), 2)
    assert secret != plain and SrtpContext.from_inline(pbx_key).unprotect(secret) == plain
    # Forged SRTP (wrong key) is dropped, not forwarded.
    before = anchor.session.stats.dropped
    phone_a.sendto(SrtpContext.from_inline(bytes(30)).protect(plain),
                   (HOST, anchor.leg("a").local_port))
    for _ in range(50):
        if anchor.session.stats.dropped > before:
            break
        await asyncio.sleep(0.01)
    assert anchor.session.stats.dropped == before + 1
    anchor.close()
    phone_a.close()
    phone_b.close()
