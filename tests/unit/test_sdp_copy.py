"""The SDP fast paths: clone() instead of copy.deepcopy, one serialisation per render."""

from __future__ import annotations

import copy

from softphone.pbx.media.sdp import OriginTracker, anchor, clone, parse_sdp, serialize

OFFER = (
    b"v=0\r\no=- 1 1 IN IP4 192.168.1.20\r\ns=-\r\nb=AS:84\r\nt=0 0\r\n"
    b"m=audio 4000 RTP/AVP 8 0 101\r\nc=IN IP4 192.168.1.20\r\na=rtcp:4001\r\n"
    b"a=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n"
    b"m=video 5000 RTP/AVP 96\r\nc=IN IP4 192.168.1.20\r\nb=TIAS:1\r\n"
    b"a=rtpmap:96 H264/90000\r\n"
)


def test_clone_equals_deepcopy_and_shares_nothing_mutable() -> None:
    sdp = parse_sdp(OFFER)
    copied = clone(sdp)
    assert copied == copy.deepcopy(sdp)
    copied.origin.session_version = 9
    copied.attributes.append(("x", None))
    copied.other.append(("z", "1"))
    copied.media[0].formats.append("9")
    copied.media[0].attributes.clear()
    copied.media[1].other.clear()
    assert sdp == parse_sdp(OFFER)


def test_anchor_leaves_its_input_alone() -> None:
    sdp = parse_sdp(OFFER)
    anchor(sdp, "203.0.113.1", 30000)
    assert serialize(sdp) == serialize(parse_sdp(OFFER))


def test_render_bumps_the_version_only_on_a_change() -> None:
    tracker = OriginTracker("203.0.113.1", session_id=77)
    sdp = anchor(parse_sdp(OFFER), "203.0.113.1", 30000)
    first = parse_sdp(tracker.render(sdp))
    again = parse_sdp(tracker.render(sdp))
    assert (first.origin.session_id, first.origin.session_version) == ("77", 77)
    assert again.origin.session_version == 77
    held = anchor(parse_sdp(OFFER.replace(b"a=sendrecv", b"a=sendonly")), "203.0.113.1", 30000)
    changed = parse_sdp(tracker.render(held))
    assert changed.origin.session_version == 78
    assert changed.origin.address == "203.0.113.1" and changed.media == held.media
