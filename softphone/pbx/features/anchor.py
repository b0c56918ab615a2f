"""Media anchoring for one call: the SDP each side sees points at the PBX's relay.

Each side of a call has a relay leg (the port that side sends its RTP to) and its own
o= line history (RFC 3264 section 8: a changed offer bumps the version, an unchanged one
keeps it). What one side offers becomes, rewritten, what the other side is offered.
"""

from __future__ import annotations

import copy

from softphone.pbx.media.relay import RelayLeg, RelaySession
from softphone.pbx.media.sdp import (
    DIRECTIONS,
    MediaDescription,
    OriginTracker,
    SdpError,
    SessionDescription,
    anchor,
    audio_endpoint,
    clone,
    parse_sdp,
)

SDP = "application/sdp"


class AnchorError(ValueError):
    """The SDP a peer sent cannot be anchored (its text is in the message)."""


class MediaAnchor:
    def __init__(self, session: RelaySession, address: str) -> None:
        self.session = session
        self.address = address
        self.origins = {"a": OriginTracker(address), "b": OriginTracker(address)}
        self._last: dict[str, SessionDescription] = {}

    def leg(self, side: str) -> RelayLeg:
        return self.session.leg_a if side == "a" else self.session.leg_b

    def has(self, side: str) -> bool:
        """Whether `side` has described its media yet."""
        return side in self._last

    def take(self, from_side: str, body: bytes) -> bytes:
        """SDP that arrived from `from_side`: learn where that side wants its RTP, and return
        the body to give the other side (pointing at the other side's relay port)."""
        try:
            sdp = parse_sdp(body)
            leg = self.leg(from_side)
            leg.set_remote(audio_endpoint(sdp))
        except (SdpError, ValueError) as exc:
            raise AnchorError(str(exc)) from exc
        # RFC 3264 section 8.4: a side that sends a=sendonly/inactive (holding) does not
        # want to receive, so nothing is relayed to it until it offers sendrecv again.
        leg.receiving = sdp.direction in ("sendrecv", "recvonly")
        self._last[from_side] = sdp
        return self._render("b" if from_side == "a" else "a", sdp)

    def offer_from(self, from_side: str, to_side: str) -> bytes:
        """A fresh offer for `to_side` made from what `from_side` last described, with the
        media direction back to sendrecv: after a transfer nobody is on hold any more."""
        sdp = clone(self._last[from_side])
        sdp.attributes = [a for a in sdp.attributes if a[0] not in DIRECTIONS]
        for media in sdp.media:
            media.attributes = [a for a in media.attributes if a[0] not in DIRECTIONS]
        return self._render(to_side, sdp)

    def answer_for(self, side: str) -> bytes:
        """An answer to `side`'s last offer when the other side made an offer too (call
        pickup): `side`'s own formats, reduced to those the other side can also use
        (RFC 3264 section 6.1), sendrecv, pointing at `side`'s relay port."""
        other = "b" if side == "a" else "a"
        return self._render(side, negotiated(self._last[side], self._last[other]))

    def _render(self, to_side: str, sdp: SessionDescription) -> bytes:
        port = self.leg(to_side).local_port
        return self.origins[to_side].render(anchor(sdp, self.address, port))

    def close(self) -> None:
        self.session.close()


# RFC 3551 section 6: the static payload types an rtpmap may leave out.
_STATIC = {"0": "pcmu/8000", "3": "gsm/8000", "8": "pcma/8000", "9": "g722/8000",
           "18": "g729/8000"}


def _encodings(media: MediaDescription) -> dict[str, str]:
    """payload type -> "name/rate" in lower case, for the formats of `media`."""
    names = {pt: _STATIC.get(pt, "") for pt in media.formats}
    names.update({pt: enc.lower() for pt, enc in media.rtpmap().items()})
    return names


def negotiated(offer: SessionDescription, other: SessionDescription) -> SessionDescription:
    """`offer` with only the audio formats `other` also lists (by encoding, since payload
    type numbers differ between phones), in `offer`'s order; sendrecv."""
    out = copy.deepcopy(offer)
    audio, theirs = out.first_audio(), other.first_audio()
    if audio is None or theirs is None:
        return out
    common = set(_encodings(theirs).values()) - {""}
    mine = _encodings(audio)
    keep = [pt for pt in audio.formats if mine.get(pt) in common] or audio.formats[:1]
    audio.formats = keep
    audio.attributes = [
        a for a in audio.attributes
        if a[0] not in DIRECTIONS and not (
            a[0] in ("rtpmap", "fmtp") and (a[1] or "").split(" ", 1)[0] not in keep)
    ]
    out.attributes = [a for a in out.attributes if a[0] not in DIRECTIONS]
    return out
