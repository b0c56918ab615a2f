"""Short-lived links to a door's camera: tokens that name one door, one user and an expiry.

A video player (the client's PyAV reader, a browser's <img>) cannot send an Authorization
header, so the stream URL carries its own token in ``?token=``. A URL ends up in logs and
proxies, so that token must be worth little: it opens one door's camera, for a minute,
and only when the stream starts (RFC 6750 section 2.3 warns of exactly this; section 5.3
asks for short lifetimes and tight scope). It is never the hour-long API token.

Format as in auth.py: ``base64url(payload) "." base64url(HMAC-SHA256(key, payload))``. The
key is derived from the daemon's secret with a label of its own, so an API token or a SIP
nonce is never a valid video token, nor the other way round.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
from collections.abc import Callable
from dataclasses import dataclass

from softphone.pbx.api.auth import TokenError

VIDEO_LABEL = b"softphone-pbx door video link v1"
VIDEO_TTL = 60.0          # seconds a link may be opened after it was handed out
MAX_TOKEN = 512


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def derive_video_key(secret: bytes) -> bytes:
    """A key for video links only, from the daemon's secret (HMAC as a PRF, RFC 2104)."""
    return hmac.new(secret, VIDEO_LABEL, hashlib.sha256).digest()


@dataclass(frozen=True)
class VideoClaims:
    door: str
    user: str
    expires_at: float      # epoch seconds


class VideoTokens:
    """Issues and checks video link tokens; ``clock`` is wall time (epoch seconds)."""

    def __init__(self, key: bytes, clock: Callable[[], float], ttl: float = VIDEO_TTL) -> None:
        if len(key) < 16:
            raise ValueError("video token key must be at least 16 bytes")
        if ttl <= 0:
            raise ValueError("ttl must be positive")
        self._key = key
        self._clock = clock
        self.ttl = ttl

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()

    def issue(self, door: str, user: str) -> tuple[str, VideoClaims]:
        # Rounded down to milliseconds: a link never outlives its ttl.
        claims = VideoClaims(door, user, math.floor((self._clock() + self.ttl) * 1000) / 1000)
        payload = json.dumps({"d": door, "u": user, "e": claims.expires_at},
                             separators=(",", ":"), sort_keys=True).encode()
        return f"{_b64encode(payload)}.{_b64encode(self._mac(payload))}", claims

    def verify(self, token: str, door: str) -> VideoClaims:
        """The claims of a genuine, unexpired token for ``door``; TokenError otherwise
        (code "invalid_token", or "token_expired" for a genuine one that has expired)."""
        invalid = TokenError("invalid_token", "The video link is not valid; ask for a new one")
        head, dot, tail = token.partition(".")
        if not dot or len(token) > MAX_TOKEN:
            raise invalid
        try:
            payload, mac = _b64decode(head), _b64decode(tail)
        except (binascii.Error, ValueError):
            raise invalid from None
        # The signature first: nothing of an unsigned payload is parsed.
        if not hmac.compare_digest(mac, self._mac(payload)):
            raise invalid
        try:
            data = json.loads(payload)
            claims = VideoClaims(str(data["d"]), str(data["u"]), float(data["e"]))
        except (ValueError, KeyError, TypeError):
            raise invalid from None
        if claims.door != door:
            raise invalid
        if self._clock() >= claims.expires_at:
            raise TokenError("token_expired", "The video link has expired; ask for a new one")
        return claims
