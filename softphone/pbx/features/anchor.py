"""Media anchoring for one call: the SDP each side sees points at the PBX's relay.

Each side of a call has a relay leg (the port that side sends its RTP to) and its own
o= line history (RFC 3264 section 8: a changed offer bumps the version, an unchanged one
keeps it). What one side offers becomes, rewritten, what the other side is offered.
"""

from __future__ import annotations

from softphone.pbx.media.relay import RelayLeg, RelaySession
from softphone.pbx.media.sdp import (
    DIRECTIONS,
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

    def _render(self, to_side: str, sdp: SessionDescription) -> bytes:
        port = self.leg(to_side).local_port
        return self.origins[to_side].render(anchor(sdp, self.address, port))

    def close(self) -> None:
        self.session.close()
