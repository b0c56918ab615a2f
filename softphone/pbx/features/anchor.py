"""Media anchoring for one call: the SDP each side sees points at the PBX's relay.

Each side of a call has a relay leg (the port that side sends its RTP to) and its own
o= line history (RFC 3264 section 8: a changed offer bumps the version, an unchanged one
keeps it). What one side offers becomes, rewritten, what the other side is offered.

SRTP (RFC 3711, keys by SDES, RFC 4568) is terminated per leg: a side that signals over
TLS and offers crypto gets the PBX's own key for that leg back, in the best suite the offer
has (AES-GCM, RFC 7714, before AES-CM; ``srtp.SUITES``), and the relay decrypts and
re-encrypts there, so each leg may use another suite. An offer the PBX makes lists every
suite, each with its own key; the answer's suite says which key is used. Keys never go out
over cleartext SIP: crypto from a non-TLS side is refused (488 for RTP/SAVP), and none is
offered to one. ``[rtp] srtp``: "optional", "mandatory" (plain RTP is refused) or "off".
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable

from softphone.pbx.media.relay import RelayLeg, RelaySession
from softphone.pbx.media.sdes import Crypto, offer_keys, pick
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
from softphone.pbx.media.srtp import SUITES, SrtpContext

SDP = "application/sdp"
log = logging.getLogger(__name__)


class AnchorError(ValueError):
    """The SDP a peer sent cannot be anchored (its text is in the message)."""


class MediaAnchor:
    def __init__(self, session: RelaySession, address: str, *, srtp: str = "off",
                 tls_a: bool = False) -> None:
        self.session = session
        self.address = address
        self.srtp = srtp
        self.origins = {"a": OriginTracker(address), "b": OriginTracker(address)}
        self._last: dict[str, SessionDescription] = {}
        self.tls = {"a": tls_a, "b": False}
        # The PBX's keys toward each side, one a suite; a context once a suite is agreed:
        # kept across re-INVITEs, as the stream's rollover counter must be (RFC 3711 3.3.1).
        self._keys = {"a": offer_keys(), "b": offer_keys()}
        self._out: dict[tuple[str, str], SrtpContext] = {}
        # What each side's last SDP said: its key (None: plain RTP) and its m= proto.
        self._theirs: dict[str, tuple[Crypto | None, str]] = {}
        self._in: dict[str, SrtpContext] = {}

    def leg(self, side: str) -> RelayLeg:
        return self.session.leg_a if side == "a" else self.session.leg_b

    def has(self, side: str) -> bool:
        """Whether `side` has described its media yet."""
        return side in self._last

    def take(self, from_side: str, body: bytes) -> bytes:
        """SDP that arrived from `from_side`: learn where that side wants its RTP, and return
        the body to give the other side (pointing at the other side's relay port)."""
        out, apply = self.offer(from_side, body)
        apply()
        return out

    def offer(self, from_side: str, body: bytes) -> tuple[bytes, Callable[[], None]]:
        """An offer from `from_side` to pass on: the body for the other side, and what to
        call once that side has accepted it. Until then `from_side`'s media stays as it was,
        and if the offer is refused it stays so (RFC 3264 section 8, RFC 3311 section 5.2)."""
        try:
            sdp = parse_sdp(body)
            crypto, proto = self._crypto_from(from_side, sdp)
            endpoint = audio_endpoint(sdp)
        except (SdpError, ValueError) as exc:
            raise AnchorError(str(exc)) from exc

        def apply() -> None:
            leg = self.leg(from_side)
            leg.set_remote(endpoint)
            if proto is not None:
                self._theirs[from_side] = (crypto, proto)
            self._use_srtp(from_side, crypto)
            # RFC 3264 section 8.4: a side that sends a=sendonly/inactive (holding) does
            # not want to receive, so nothing is relayed to it until it offers sendrecv.
            leg.receiving = sdp.direction in ("sendrecv", "recvonly")
            self._last[from_side] = sdp

        return self._render("b" if from_side == "a" else "a", sdp), apply

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

    def secure_offer(self, to_side: str) -> bytes | None:
        """The last offer for `to_side` as it reads toward a device signalling over TLS
        (with the PBX's key), for forking to a mix of TLS and other devices; None when
        SRTP is off. The o= version is not advanced by it."""
        if self.srtp == "off" or to_side in self._theirs or not self._last:
            return None
        origins = copy.deepcopy(self.origins[to_side])
        was, self.tls[to_side] = self.tls[to_side], True
        try:
            return self._render(to_side, self._last["b" if to_side == "a" else "a"], origins)
        finally:
            self.tls[to_side] = was

    def reset_side(self, side: str, *, tls: bool = False) -> None:
        """A new party on `side` (a transfer): nothing negotiated yet, plain RTP until its
        SDP says otherwise."""
        self.tls[side] = tls
        self._theirs.pop(side, None)
        self._in.pop(side, None)
        self.leg(side).set_srtp(None, None)
        # Fresh keys: the new party must not hold the key that protected the media sent
        # to the one before it.
        self._keys[side] = offer_keys()
        for key in [k for k in self._out if k[0] == side]:
            del self._out[key]

    def srtp_active(self, side: str) -> bool:
        return self.leg(side).srtp

    def _crypto_from(self, side: str, sdp: SessionDescription) -> tuple[Crypto | None,
                                                                          str | None]:
        """The key `side` offered or answered with, if SRTP may be used with it, and its m=
        proto (None: no audio, nothing changes); raises SdpError when its SDP cannot be
        accepted under the [rtp] srtp setting."""
        audio = sdp.first_audio()
        if audio is None or audio.port == 0:
            return self._theirs.get(side, (None, ""))[0], None
        secure = audio.proto.upper().startswith("RTP/SAVP")
        wants = secure or any(name == "crypto" for name, _ in audio.attributes)
        crypto = pick(audio.attributes) if wants else None
        refusal = None
        if wants and self.srtp == "off":
            refusal = "SRTP is off on this PBX ([rtp] srtp)"
        elif wants and not self.tls[side]:
            refusal = "SRTP keys (SDES) are only accepted over SIP over TLS"
        elif wants and crypto is None:
            refusal = f"no usable a=crypto ({', '.join(SUITES)}; without MKI)"
        if refusal is not None:
            if secure:
                raise SdpError(refusal)
            log.info("leg %s: crypto ignored, plain RTP: %s", side, refusal)
            crypto = None
        if crypto is None and self.srtp == "mandatory":
            raise SdpError("plain RTP is refused: [rtp] srtp is mandatory (SRTP over TLS)")
        return crypto, audio.proto

    def _use_srtp(self, side: str, crypto: Crypto | None) -> None:
        leg = self.leg(side)
        if crypto is None:
            if leg.srtp:
                log.info("leg %s: plain RTP", side)
            self._in.pop(side, None)
            leg.set_srtp(None, None)
            return
        suite = crypto.suite
        inbound = self._in.get(side)
        if inbound is None or (inbound.suite, inbound.key_salt) != (suite, crypto.key_salt):
            inbound = self._in[side] = SrtpContext(suite, crypto.key_salt)
            log.info("leg %s: SRTP %s", side, suite.name, extra={
                "event": "srtp", "leg": side, "port": leg.local_port, "suite": suite.name})
        outbound = self._out.get((side, suite.name))
        if outbound is None:
            outbound = self._out[side, suite.name] = SrtpContext(
                suite, self._keys[side][suite.name].key_salt)
        leg.set_srtp(inbound, outbound)

    def _secure_toward(self, side: str) -> list[Crypto]:
        """The crypto lines to give `side` (none: plain RTP): in an answer, or once `side`
        has chosen, our key of its suite under its tag (RFC 4568 section 7.1.2); in an
        offer, our key of every suite."""
        if side in self._theirs:
            theirs = self._theirs[side][0]
            if theirs is None:
                return []
            return [Crypto(theirs.tag, theirs.suite, self._keys[side][theirs.suite.name].key_salt)]
        if self.srtp != "off" and self.tls[side]:
            return list(self._keys[side].values())
        return []

    def _render(self, to_side: str, sdp: SessionDescription,
                origins: OriginTracker | None = None) -> bytes:
        port = self.leg(to_side).local_port
        out = anchor(sdp, self.address, port)
        audio = out.first_audio()
        if audio is not None:
            audio.attributes = [a for a in audio.attributes if a[0] != "crypto"]
            cryptos = self._secure_toward(to_side)
            if not cryptos:
                audio.proto = audio.proto.replace("SAVP", "AVP")
            else:
                theirs = self._theirs.get(to_side)
                # An offer: "optional" gives RTP/AVP with a=crypto (best-effort SRTP), which
                # a phone without SRTP answers plainly instead of refusing RTP/SAVP.
                default = "RTP/SAVP" if self.srtp == "mandatory" else "RTP/AVP"
                audio.proto = theirs[1] if theirs is not None else default
                audio.attributes += [crypto.attribute() for crypto in cryptos]
        return (origins or self.origins[to_side]).render(out)

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
