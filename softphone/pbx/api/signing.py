"""Stateless signed tokens, shared by the API sign-in tokens and the door video links.

Format: ``base64url(payload) "." base64url(HMAC-SHA256(key, payload))`` where the payload is
compact JSON with sorted keys. What the payload holds, how long a token lives and what its
errors say belong to the caller (auth.py, videotoken.py); each derives its key from the
daemon's secret with a label of its own (``derive_key``), so a token of one kind never
verifies as the other, nor as a SIP nonce.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
from collections.abc import Callable
from typing import Any


class TokenError(Exception):
    """``code`` is the API error code: "invalid_token" or "token_expired"."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def derive_key(secret: bytes, label: bytes) -> bytes:
    """A key for one kind of token, from the daemon's secret (HMAC as a PRF, RFC 2104)."""
    return hmac.new(secret, label, hashlib.sha256).digest()


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    """Signs payloads and opens tokens with one key; ``clock`` is wall time (epoch seconds)."""

    def __init__(self, key: bytes, ttl: float, clock: Callable[[], float],
                 max_len: int) -> None:
        if len(key) < 16:
            raise ValueError("token key must be at least 16 bytes")
        if ttl <= 0:
            raise ValueError("ttl must be positive")
        self._key = key
        self.ttl = ttl
        self._clock = clock
        self._max_len = max_len

    def now(self) -> float:
        return self._clock()

    def expiry(self) -> float:
        """Now plus the ttl, rounded down to milliseconds: a token never outlives its ttl."""
        return math.floor((self._clock() + self.ttl) * 1000) / 1000

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()

    def sign(self, fields: dict[str, Any]) -> str:
        payload = json.dumps(fields, separators=(",", ":"), sort_keys=True).encode()
        return f"{_b64encode(payload)}.{_b64encode(self._mac(payload))}"

    def open(self, token: str, invalid: TokenError) -> dict[str, Any]:
        """The payload of a token this key signed; raises ``invalid`` otherwise.

        The signature is checked before anything of the payload is parsed, so an attacker
        learns nothing from the JSON parser. Expiry is the caller's (``check_expiry``):
        some tokens must be found invalid for other reasons first.
        """
        head, dot, tail = token.partition(".")
        if not dot or len(token) > self._max_len:
            raise invalid
        try:
            payload, mac = _b64decode(head), _b64decode(tail)
        except (binascii.Error, ValueError):
            raise invalid from None
        if not hmac.compare_digest(mac, self._mac(payload)):
            raise invalid
        try:
            data = json.loads(payload)
        except ValueError:
            raise invalid from None
        if not isinstance(data, dict):
            raise invalid
        return data

    def check_expiry(self, expires_at: float, expired: TokenError) -> None:
        if self._clock() >= expires_at:
            raise expired
