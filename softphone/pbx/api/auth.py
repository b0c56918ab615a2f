"""Signing in to the client API with the SIP credentials, and the tokens that follow.

The password is checked against the extension's stored HA1 (the hex digest of
"user:realm:password", RFC 7616 section 3.4.2), so the API needs nothing the SIP side does
not already hold and a plain password never has to be kept.

Tokens are stateless, signed as signing.py describes, with the user, role and expiry in
the payload. No session table, nothing lost on restart. The key is derived from the
daemon's secret (data_dir/nonce.key) with a label of its own, so a token can never be
mistaken for a SIP nonce or a door video link, or the other way round.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass

from softphone.pbx.api.signing import Signer, TokenError, derive_key
from softphone.pbx.config import Extension

__all__ = ["Claims", "PasswordChecker", "TokenError", "TokenSigner", "derive_token_key"]

TOKEN_LABEL = b"softphone-pbx client API token v1"
MAX_TOKEN = 1024


def derive_token_key(secret: bytes) -> bytes:
    """A key for API tokens only, from the daemon's secret."""
    return derive_key(secret, TOKEN_LABEL)


@dataclass(frozen=True)
class Claims:
    user: str
    role: str
    expires_at: float      # epoch seconds


class TokenSigner:
    def __init__(self, key: bytes, ttl: float, clock: Callable[[], float]) -> None:
        self._signer = Signer(key, ttl, clock, MAX_TOKEN)
        self.ttl = ttl

    def now(self) -> float:
        return self._signer.now()

    def expires_in(self, claims: Claims) -> float:
        """Seconds left before ``claims`` expire (0 when they have)."""
        return max(0.0, claims.expires_at - self._signer.now())

    def issue(self, user: str, role: str) -> tuple[str, Claims]:
        claims = Claims(user, role, self._signer.expiry())
        token = self._signer.sign({"u": claims.user, "r": claims.role, "e": claims.expires_at})
        return token, claims

    def verify(self, token: str) -> Claims:
        """The claims of a genuine, unexpired token; TokenError otherwise."""
        invalid = TokenError("invalid_token", "The sign-in token is not valid; sign in again")
        data = self._signer.open(token, invalid)
        try:
            claims = Claims(str(data["u"]), str(data["r"]), float(data["e"]))
        except (ValueError, KeyError, TypeError):
            raise invalid from None
        self._signer.check_expiry(claims.expires_at, TokenError(
            "token_expired", "The sign-in token has expired; sign in again"))
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
