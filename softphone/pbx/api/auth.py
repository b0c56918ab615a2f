"""Signing in to the client API with the SIP credentials, and the tokens that follow.

The password is checked against the extension's stored HA1 (the hex digest of
"user:realm:password", RFC 7616 section 3.4.2), so the API needs nothing the SIP side does
not already hold and a plain password never has to be kept.

Tokens are stateless: ``base64url(payload) "." base64url(HMAC-SHA256(key, payload))`` with
the user, role and expiry in the payload. No session table, nothing lost on restart. The
key is derived from the daemon's secret (data_dir/nonce.key) with a label of its own, so a
token can never be mistaken for a SIP nonce or the other way round.
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

from softphone.pbx.config import Extension

TOKEN_LABEL = b"softphone-pbx client API token v1"


def derive_token_key(secret: bytes) -> bytes:
    """A key for tokens only, from the daemon's secret (HMAC as a PRF, RFC 2104)."""
    return hmac.new(secret, TOKEN_LABEL, hashlib.sha256).digest()


@dataclass(frozen=True)
class Claims:
    user: str
    role: str
    expires_at: float      # epoch seconds


class TokenError(Exception):
    """``code`` is the API error code: "invalid_token" or "token_expired"."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenSigner:
    def __init__(self, key: bytes, ttl: float, clock: Callable[[], float]) -> None:
        if len(key) < 16:
            raise ValueError("token key must be at least 16 bytes")
        if ttl <= 0:
            raise ValueError("ttl must be positive")
        self._key = key
        self.ttl = ttl
        self._clock = clock

    def now(self) -> float:
        return self._clock()

    def expires_in(self, claims: Claims) -> float:
        """Seconds left before ``claims`` expire (0 when they have)."""
        return max(0.0, claims.expires_at - self._clock())

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()

    def issue(self, user: str, role: str) -> tuple[str, Claims]:
        # Milliseconds are plenty, and rounding down never lets a token outlive its ttl.
        claims = Claims(user, role, math.floor((self._clock() + self.ttl) * 1000) / 1000)
        payload = json.dumps({"u": claims.user, "r": claims.role, "e": claims.expires_at},
                             separators=(",", ":"), sort_keys=True).encode()
        return f"{_b64encode(payload)}.{_b64encode(self._mac(payload))}", claims

    def verify(self, token: str) -> Claims:
        """The claims of a genuine, unexpired token; TokenError otherwise."""
        invalid = TokenError("invalid_token", "The sign-in token is not valid; sign in again")
        head, dot, tail = token.partition(".")
        if not dot or len(token) > 1024:
            raise invalid
        try:
            payload, mac = _b64decode(head), _b64decode(tail)
        except (binascii.Error, ValueError):
            raise invalid from None
        # Signature before anything else: an attacker learns nothing from our parser.
        if not hmac.compare_digest(mac, self._mac(payload)):
            raise invalid
        try:
            data = json.loads(payload)
            claims = Claims(str(data["u"]), str(data["r"]), float(data["e"]))
        except (ValueError, KeyError, TypeError):
            raise invalid from None
        if self._clock() >= claims.expires_at:
            raise TokenError("token_expired", "The sign-in token has expired; sign in again")
        return claims


class PasswordChecker:
    """Compares a password with the stored HA1 values of an extension."""

    def __init__(self, realm: str, lookup: Callable[[str], Extension | None]) -> None:
        self._realm = realm
        self._lookup = lookup

    def check(self, user: str, password: str) -> Extension | None:
        """The extension if ``password`` is its SIP password, else None."""
        ext = self._lookup(user)
        a1 = f"{user}:{self._realm}:{password}".encode()
        md5 = hashlib.md5(a1).hexdigest()
        sha256 = hashlib.sha256(a1).hexdigest()
        if ext is None:
            # Unknown users cost the same hashing and a comparison, so timing does not tell
            # a wrong user name from a wrong password.
            hmac.compare_digest(sha256, "0" * 64)
            return None
        stored = [(ha1, mine) for ha1, mine in ((ext.ha1_sha256, sha256), (ext.ha1_md5, md5))
                  if ha1 is not None]
        if not stored:
            return None
        # Every stored digest must agree (both derive from the one password).
        ok = True
        for ha1, mine in stored:
            ok &= hmac.compare_digest(ha1.lower().encode(), mine.encode())
        return ext if ok else None
