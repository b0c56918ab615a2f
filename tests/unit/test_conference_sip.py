"""The SIP side of a conference participant: who counts as anonymous (RFC 3323), DTMF in
SIP INFO, and the PBX's SDP answer (codec by the offerer's order, telephone-event, hold,
SRTP only over TLS)."""

from __future__ import annotations

import pytest

from softphone.pbx.features.confleg import info_digit
from softphone.pbx.features.confsdp import negotiate
from softphone.pbx.features.confservice import anonymous
from softphone.pbx.media.sdp import OriginTracker, SdpError, parse_sdp
from softphone.pbx.sip.message import Request
from softphone.pbx.sip.parser import parse_message

KEY = "inline:" + "A" * 40


def request(method: str = "INVITE", from_: str = "<sip:101@pbx>;tag=1",
            headers: str = "", body: str = "") -> Request:
    raw = (f"{method} sip:301@pbx SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK1\r\n"
           f"From: {from_}\r\nTo: <sip:301@pbx>\r\nCall-ID: c1\r\nCSeq: 1 {method}\r\n"
           f"Max-Forwards: 70\r\n{headers}Content-Length: {len(body)}\r\n\r\n{body}")
    msg = parse_message(raw.encode())
    assert isinstance(msg, Request)
    return msg


def test_who_withholds_the_number() -> None:
    assert not anonymous(request())
    assert anonymous(request(headers="Privacy: id\r\n"))
    assert anonymous(request(headers="Privacy: header;id\r\n"))
    assert not anonymous(request(headers="Privacy: none\r\n"))
    assert anonymous(request(from_='"Anonymous" <sip:anonymous@anonymous.invalid>;tag=1'))


def test_dtmf_in_sip_info() -> None:
    relay = "Content-Type: application/dtmf-relay\r\n"
    assert info_digit(request("INFO", headers=relay, body="Signal=5\r\nDuration=160\r\n")) == "5"
    assert info_digit(request("INFO", headers=relay, body="Signal= #\r\n")) == "#"
    assert info_digit(request("INFO", headers=relay, body="Signal=X\r\n")) is None
    assert info_digit(request("INFO", headers="Content-Type: text/plain\r\n",
                              body="Signal=5")) is None


def offer(formats: str, extra: str = "", proto: str = "RTP/AVP",
          direction: str = "sendrecv") -> bytes:
    return (f"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
            f"m=audio 4000 {proto} {formats}\r\n{extra}a={direction}\r\n").encode()


def answer(body: bytes, **kw: object) -> tuple[object, object]:
    params = {"srtp": "optional", "tls": False, **kw}
    got = negotiate(body, "127.0.0.1", 30000, OriginTracker("127.0.0.1"),
                    **params)  # type: ignore[arg-type]
    return got, parse_sdp(got.answer).first_audio()


def test_the_offerers_first_usable_codec_and_telephone_event() -> None:
    got, audio = answer(offer("96 9 0 101", "a=rtpmap:96 opus/48000/2\r\n"
                                           "a=rtpmap:101 telephone-event/8000\r\n"))
    assert (got.payload_type, got.dtmf_pt, got.remote) == (9, 101, ("192.0.2.1", 4000))
    assert audio.formats == ["9", "101"] and audio.port == 30000
    assert audio.direction == "sendrecv"
    got, audio = answer(offer("8 0"))
    assert (got.payload_type, got.dtmf_pt, audio.formats) == (8, None, ["8"])
    with pytest.raises(SdpError, match="G722, PCMA, PCMU"):
        answer(offer("18"))


def test_hold_is_answered_recvonly_and_nothing_is_sent() -> None:
    got, audio = answer(offer("0", direction="sendonly"))
    assert audio.direction == "recvonly" and got.sending is False


def test_srtp_only_over_tls() -> None:
    secure = offer("0", f"a=crypto:1 AES_CM_128_HMAC_SHA1_80 {KEY}\r\n", proto="RTP/SAVP")
    with pytest.raises(SdpError, match="TLS"):
        answer(secure)
    got, audio = answer(secure, tls=True)
    assert audio.proto == "RTP/SAVP" and got.inbound is not None and got.outbound is not None
    assert audio.attribute("crypto").startswith("1 AES_CM_128_HMAC_SHA1_80 inline:")
    assert KEY not in got.answer.decode()          # our own key, not theirs back
    with pytest.raises(SdpError, match="mandatory"):
        answer(offer("0"), srtp="mandatory", tls=True)
