"""SDP parsing and the anchoring rewrite, with bodies as real phones send them."""

from __future__ import annotations

import pytest

from softphone.pbx.media.sdp import (
    OriginTracker,
    SdpError,
    anchor,
    audio_endpoint,
    parse_sdp,
    rewrite_sdp,
    serialize,
)

# The shape of a pjsua2 offer: session-level c=, RFC 4733 events, RFC 3605 a=rtcp.
PJSUA_OFFER = (
    b"v=0\r\n"
    b"o=- 3912345678 3912345678 IN IP4 192.168.1.20\r\n"
    b"s=pjmedia\r\n"
    b"b=AS:84\r\n"
    b"t=0 0\r\n"
    b"a=X-nat:0\r\n"
    b"m=audio 4000 RTP/AVP 9 8 0 101\r\n"
    b"c=IN IP4 192.168.1.20\r\n"
    b"b=TIAS:64000\r\n"
    b"a=rtcp:4001 IN IP4 192.168.1.20\r\n"
    b"a=sendrecv\r\n"
    b"a=rtpmap:9 G722/8000\r\n"
    b"a=rtpmap:8 PCMA/8000\r\n"
    b"a=rtpmap:0 PCMU/8000\r\n"
    b"a=rtpmap:101 telephone-event/8000\r\n"
    b"a=fmtp:101 0-16\r\n"
    b"a=ssrc:1234567 cname:6a3b1c2d\r\n"
)

# RFC 2543-style hold from an older phone: c=0.0.0.0, no direction attribute.
OLD_HOLD = (
    b"v=0\r\no=alice 1 2 IN IP4 10.0.0.5\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n"
    b"m=audio 5004 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
)


def body(*media_lines: str, session: str = "c=IN IP4 10.0.0.1\r\n") -> bytes:
    head = "v=0\r\no=- 10 20 IN IP4 10.0.0.1\r\ns=-\r\n" + session + "t=0 0\r\n"
    return (head + "".join(media_lines)).encode()


def test_parses_a_phone_offer() -> None:
    sdp = parse_sdp(PJSUA_OFFER)
    assert sdp.origin.session_id == "3912345678"
    assert sdp.origin.session_version == 3912345678
    assert sdp.session_name == "pjmedia"
    assert sdp.connection is None
    audio = sdp.media[0]
    assert (audio.media, audio.port, audio.proto) == ("audio", 4000, "RTP/AVP")
    assert audio.formats == ["9", "8", "0", "101"]
    assert audio.connection == "192.168.1.20"
    assert audio.rtpmap()["101"] == "telephone-event/8000"
    assert audio.attribute("fmtp") == "101 0-16"
    assert audio.attribute("sendrecv") == ""
    assert audio.attribute("ptime") is None
    assert audio_endpoint(sdp) == ("192.168.1.20", 4000)
    assert sdp.direction == "sendrecv"


def test_media_connection_overrides_session_connection() -> None:
    sdp = parse_sdp(body("m=video 6000 RTP/AVP 96\r\n", "m=audio 7000 RTP/AVP 0\r\n",
                         "c=IN IP4 10.9.9.9\r\n"))
    assert audio_endpoint(sdp) == ("10.9.9.9", 7000)  # the first *audio* stream


@pytest.mark.parametrize(
    ("media", "expected"),
    [
        ("m=audio 0 RTP/AVP 0\r\n", None),  # rejected / disabled stream
        ("m=video 5000 RTP/AVP 96\r\n", None),  # no audio at all
        ("m=audio 5000 RTP/AVP 0\r\nc=IN IP4 0.0.0.0\r\n", None),  # RFC 2543 hold
        ("m=audio 5000 RTP/AVP 0\r\nc=IN IP6 2001:db8::7\r\n", ("2001:db8::7", 5000)),
    ],
)
def test_audio_endpoint(media: str, expected: tuple[str, int] | None) -> None:
    assert audio_endpoint(parse_sdp(body(media))) == expected


@pytest.mark.parametrize(
    ("session", "media", "direction"),
    [
        ("", "", "sendrecv"),
        ("", "a=sendonly\r\n", "sendonly"),
        ("a=recvonly\r\n", "", "recvonly"),  # session level applies to every stream
        ("a=recvonly\r\n", "a=inactive\r\n", "inactive"),  # media level wins
        ("c=IN IP4 0.0.0.0\r\n", "", "sendonly"),  # RFC 3264 8.4: old-style hold
        ("c=IN IP4 0.0.0.0\r\n", "a=recvonly\r\n", "inactive"),
        ("c=IN IP4 0.0.0.0\r\n", "a=sendonly\r\n", "sendonly"),
    ],
)
def test_direction(session: str, media: str, direction: str) -> None:
    session_lines = session if session.startswith("c=") else "c=IN IP4 10.0.0.1\r\n" + session
    sdp = parse_sdp(body("m=audio 5000 RTP/AVP 0\r\n" + media, session=session_lines))
    assert sdp.direction == direction


def test_disabled_audio_is_inactive() -> None:
    assert parse_sdp(body("m=audio 0 RTP/AVP 0\r\n")).direction == "inactive"


def test_serialize_round_trips() -> None:
    sdp = parse_sdp(PJSUA_OFFER)
    assert serialize(sdp) == PJSUA_OFFER
    assert parse_sdp(serialize(sdp)) == sdp


def test_accepts_bare_line_feeds() -> None:
    sdp = parse_sdp(PJSUA_OFFER.replace(b"\r\n", b"\n"))
    assert audio_endpoint(sdp) == ("192.168.1.20", 4000)


def test_rewrite_anchors_audio_and_keeps_codecs() -> None:
    sdp = parse_sdp(PJSUA_OFFER)
    out = parse_sdp(rewrite_sdp(sdp, "203.0.113.10", 30000, session_version_bump=False))
    assert audio_endpoint(out) == ("203.0.113.10", 30000)
    assert out.connection == "203.0.113.10"
    assert out.media[0].connection is None
    assert out.media[0].formats == ["9", "8", "0", "101"]
    kept = [a for a in sdp.media[0].attributes if a[0] != "rtcp"]
    assert out.media[0].attributes == kept  # rtpmap, fmtp, telephone-event, direction...
    assert out.media[0].attribute("rtcp") is None  # described the phone's port, not ours
    assert out.origin.session_id == "3912345678"
    assert out.origin.session_version == 3912345678
    assert out.origin.address == "203.0.113.10"
    assert b"192.168.1.20" not in rewrite_sdp(sdp, "203.0.113.10", 30000,
                                              session_version_bump=False)
    assert sdp.media[0].port == 4000  # the input is not modified


def test_rewrite_bumps_version_when_asked() -> None:
    sdp = parse_sdp(PJSUA_OFFER)
    out = parse_sdp(rewrite_sdp(sdp, "203.0.113.10", 30000, session_version_bump=True))
    assert out.origin.session_version == 3912345679


def test_rewrite_disables_streams_the_relay_does_not_carry() -> None:
    sdp = parse_sdp(body("m=audio 5000 RTP/AVP 0\r\n", "m=video 5002 RTP/AVP 96\r\n",
                         "a=rtpmap:96 H264/90000\r\n"))
    out = anchor(sdp, "203.0.113.10", 30000)
    assert [(m.media, m.port) for m in out.media] == [("audio", 30000), ("video", 0)]


def test_rewrite_turns_old_style_hold_into_a_direction() -> None:
    out = parse_sdp(rewrite_sdp(parse_sdp(OLD_HOLD), "203.0.113.10", 30000,
                                session_version_bump=False))
    assert audio_endpoint(out) == ("203.0.113.10", 30000)
    assert out.media[0].direction == "sendonly"
    assert out.direction == "sendonly"  # the other phone still sees the hold


def test_rewrite_strips_ice() -> None:
    sdp = parse_sdp(body("m=audio 5000 RTP/AVP 0\r\n", "a=ice-ufrag:abcd\r\n",
                         "a=candidate:1 1 UDP 2130706431 10.0.0.1 5000 typ host\r\n",
                         "a=ptime:20\r\n",
                         session="c=IN IP4 10.0.0.1\r\na=ice-lite\r\n"))
    out = anchor(sdp, "203.0.113.10", 30000)
    assert out.attributes == []
    assert out.media[0].attributes == [("ptime", "20")]


def test_origin_tracker_versions_follow_content() -> None:
    tracker = OriginTracker("203.0.113.10", session_id=777)
    offer = anchor(parse_sdp(PJSUA_OFFER), "203.0.113.10", 30000)
    first = parse_sdp(tracker.render(offer)).origin
    assert (first.session_id, first.session_version, first.address) == ("777", 777,
                                                                        "203.0.113.10")
    # Same content again (a session refresh): version unchanged, RFC 3264 section 8.
    assert parse_sdp(tracker.render(offer)).origin.session_version == 777
    # The peer bumped its own o= but nothing else changed: still unchanged for our leg.
    offer.origin.session_version += 5
    assert parse_sdp(tracker.render(offer)).origin.session_version == 777
    # A hold changes the content: exactly one more, and it stays there while unchanged.
    offer.media[0].attributes.append(("sendonly", None))
    assert parse_sdp(tracker.render(offer)).origin.session_version == 778
    assert parse_sdp(tracker.render(offer)).origin.session_version == 778
    assert parse_sdp(tracker.render(offer)).origin.session_id == "777"


def test_origin_tracker_picks_distinct_ids() -> None:
    ids = {OriginTracker("10.0.0.1").origin.session_id for _ in range(20)}
    assert len(ids) == 20


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"o=- 1 1 IN IP4 10.0.0.1\r\n", "v=0"),
        (b"v=0\r\ns=-\r\nt=0 0\r\n", "s= before o="),
        (b"v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\n", "no t= line"),
        (b"v=0\r\no=- 1 x IN IP4 10.0.0.1\r\ns=-\r\nt=0 0\r\n", "session version"),
        (b"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n",
         "has no c="),
        (body("m=audio 70000 RTP/AVP 0\r\n"), "port must be"),
        (body("m=audio 5000 RTP/AVP\r\n"), "m= needs"),
        (body("m=audio 5000 RTP/AVP 0\r\n", "t=0 0\r\n"), "not allowed after an m="),
        (body("m=audio 5000 RTP/AVP 0\r\n", "garbage\r\n"), "line 7: expected"),
        (body("m=audio 5000 RTP/AVP 0\r\n", "c=IN ATM 1\r\n"), "c= must be"),
        (b"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=\xff\r\nt=0 0\r\n", "UTF-8"),
        (body("m=audio 5000 RTP/AVP 0\r\n", "a=x:" + "y" * 70000 + "\r\n"), "exceeds"),
    ],
)
def test_bad_sdp_is_rejected_with_a_clear_message(data: bytes, message: str) -> None:
    with pytest.raises(SdpError, match=message):
        parse_sdp(data)


def test_sdp_error_is_a_value_error() -> None:
    assert issubclass(SdpError, ValueError)
