"""Short-lived links to a door's camera: tokens that name one door, one user and an expiry.

A video player (the client's PyAV reader, a browser's <img>) cannot send an Authorization
header, so the stream URL carries its own token in ``?token=``. A URL ends up in logs and
proxies, so that token must be worth little: it opens one door's camera, for a minute,
and only when the stream starts (RFC 6750 section 2.3 warns of exactly this; section 5.3
asks for short lifetimes and tight scope). It is never the hour-long API token.

Signed as the API tokens are (signing.py), but with a key derived from the daemon's secret
with a label of its own, so an API token or a SIP nonce is never a valid video token, nor
the other way round.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from softphone.pbx.api.signing import Signer, TokenError, derive_key

VIDEO_LABEL = b"softphone-pbx door video link v1"
VIDEO_TTL = 60.0          # seconds a link may be opened after it was handed out
MAX_TOKEN = 512


def derive_video_key(secret: bytes) -> bytes:
    """A key for video links only, from the daemon's secret."""
    return derive_key(secret, VIDEO_LABEL)


@dataclass(frozen=True)
class VideoClaims:
    door: str
    user: str
    expires_at: float      # epoch seconds


class VideoTokens:
    """Issues and checks video link tokens; ``clock`` is wall time (epoch seconds)."""

    def __init__(self, key: bytes, clock: Callable[[], float], ttl: float = VIDEO_TTL) -> None:
        self._signer = Signer(key, ttl, clock, MAX_TOKEN)
        self.ttl = ttl

    def issue(self, door: str, user: str) -> tuple[str, VideoClaims]:
        claims = VideoClaims(door, user, self._signer.expiry())
        token = self._signer.sign({"d": door, "u": user, "e": claims.expires_at})
        return token, claims

    def verify(self, token: str, door: str) -> VideoClaims:
        """The claims of a genuine, unexpired token for ``door``; TokenError otherwise
        (code "invalid_token", or "token_expired" for a genuine one that has expired)."""
        invalid = TokenError("invalid_token", "The video link is not valid; ask for a new one")
        data = self._signer.open(token, invalid)
        try:
            claims = VideoClaims(str(data["d"]), str(data["u"]), float(data["e"]))
        except (ValueError, KeyError, TypeError):
            raise invalid from None
        # A link for another door is invalid here, expired or not.
        if claims.door != door:
            raise invalid
        self._signer.check_expiry(claims.expires_at, TokenError(
            "token_expired", "The video link has expired; ask for a new one"))
        return claims
