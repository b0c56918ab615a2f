"""The PBX's SDP answer for media it terminates itself (a conference participant).

RFC 3264 section 6.1: the answer takes one of the offered voice codecs the mixer speaks
(G.722, PCMA, PCMU; the offerer's order decides, as it lists its preference first) and
telephone-event (RFC 4733 section 7.1.1) when offered, and points at the participant's
own endpoint. SRTP by SDES (RFC 4568) as for relayed calls (anchor.py): only over SIP over
TLS, and ``[rtp] srtp`` decides whether it is off, optional or mandatory.
"""

from __future__ import annotations

from dataclasses import dataclass

from softphone.pbx.media.codecs import ENCODINGS
from softphone.pbx.media.sdes import Crypto, new_key, pick
from softphone.pbx.media.sdp import (
    MediaDescription,
    OriginTracker,
    SdpError,
    SessionDescription,
    audio_endpoint,
    parse_sdp,
)
from softphone.pbx.media.srtp import SrtpContext

_STATIC = {"0": "pcmu/8000", "8": "pcma/8000", "9": "g722/8000"}


@dataclass
class Negotiated:
    payload_type: int                 # our codec's static type, as the offer numbered it
    offered_pt: str
    dtmf_pt: int | None
    remote: tuple[str, int] | None
    sending: bool                     # False: the participant holds (sendonly/inactive)
    inbound: SrtpContext | None
    outbound: SrtpContext | None
    answer: bytes


def negotiate(offer: bytes, address: str, port: int, origin: OriginTracker, *,
              srtp: str, tls: bool, our_key: Crypto | None = None) -> Negotiated:
    """The answer to ``offer``; SdpError when nothing in it can be used."""
    sdp = parse_sdp(offer)
    audio = sdp.first_audio()
    if audio is None or audio.port == 0:
        raise SdpError("no audio stream offered")
    names = {pt: _STATIC.get(pt, "") for pt in audio.formats}
    names.update({pt: enc.lower() for pt, enc in audio.rtpmap().items()})
    voice = next((pt for pt in audio.formats if names.get(pt) in ENCODINGS), None)
    if voice is None:
        raise SdpError("none of G722, PCMA, PCMU offered")
    dtmf = next((pt for pt in audio.formats
                 if names.get(pt, "").startswith("telephone-event/8000")), None)
    crypto, theirs = _crypto(audio, srtp, tls, our_key)
    formats = [voice] + ([dtmf] if dtmf else [])
    attributes: list[tuple[str, str | None]] = [
        ("rtpmap", f"{voice} {names[voice].upper()}")]
    if dtmf:
        attributes += [("rtpmap", f"{dtmf} telephone-event/8000"), ("fmtp", f"{dtmf} 0-15")]
    attributes.append(("ptime", "20"))
    direction = sdp.direction
    # RFC 3264 section 6.1: sendonly is answered recvonly, inactive with inactive.
    attributes.append(({"sendonly": "recvonly", "inactive": "inactive"}.get(direction,
                                                                              "sendrecv"), None))
    if crypto is not None:
        attributes.append(crypto.attribute())
    proto = audio.proto if crypto is not None else audio.proto.replace("SAVP", "AVP")
    media = MediaDescription("audio", port, proto, formats, attributes=attributes)
    answer = SessionDescription(origin=origin.origin, session_name="softphone conference",
                                connection=address, media=[media], other=[("t", "0 0")])
    return Negotiated(
        payload_type=ENCODINGS[names[voice]], offered_pt=voice,
        dtmf_pt=int(dtmf) if dtmf else None, remote=audio_endpoint(sdp),
        sending=direction in ("sendrecv", "recvonly"),
        inbound=None if theirs is None else SrtpContext(theirs.suite, theirs.key_salt),
        outbound=None if crypto is None else SrtpContext(crypto.suite, crypto.key_salt),
        answer=origin.render(answer))


def _crypto(audio: MediaDescription, srtp: str, tls: bool,
            our_key: Crypto | None) -> tuple[Crypto | None, Crypto | None]:
    """(our crypto line, theirs), both None for plain RTP; SdpError when refused."""
    secure = audio.proto.upper().startswith("RTP/SAVP")
    theirs = pick(audio.attributes) if secure or audio.attribute("crypto") is not None else None
    usable = theirs is not None and tls and srtp != "off"
    if secure and not usable:
        raise SdpError("SRTP is only answered over SIP over TLS with a suite of srtp.SUITES"
                       if srtp != "off" else "SRTP is off on this PBX ([rtp] srtp)")
    if not usable:
        if srtp == "mandatory":
            raise SdpError("plain RTP is refused: [rtp] srtp is mandatory (SRTP over TLS)")
        return None, None
    assert theirs is not None
    # The answer takes the suite the offer's best line names (sdes.pick); our key is kept
    # across re-INVITEs while the suite stays the same.
    key = our_key if our_key is not None and our_key.suite == theirs.suite \
        else new_key(theirs.suite)
    return Crypto(theirs.tag, key.suite, key.key_salt), theirs
