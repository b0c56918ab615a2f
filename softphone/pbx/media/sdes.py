"""SDES (RFC 4568): the a=crypto attribute that carries SRTP keys in SDP.

``a=crypto:<tag> <suite> inline:<base64 key||salt>[|lifetime][|MKI:length] [params]``.
Only AES_CM_128_HMAC_SHA1_80 without MKI and without session parameters is accepted
(what the relay's SRTP supports); other lines are skipped, as RFC 4568 section 7.1.1
lets an answerer pick any one of the offered lines. Keys in SDP are readable by anyone
who sees the signalling: callers use SDES only on SIP over TLS legs.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass

from softphone.pbx.media.srtp import KEY_LEN, SALT_LEN, SUITE


@dataclass(frozen=True)
class Crypto:
    tag: str
    key_salt: bytes   # 30 bytes: master key then master salt

    def attribute(self) -> tuple[str, str]:
        """The ("crypto", value) attribute pair for an SDP media section."""
        inline = base64.b64encode(self.key_salt).decode()
        return "crypto", f"{self.tag} {SUITE} inline:{inline}"


def parse_crypto(value: str) -> Crypto | None:
    """The a=crypto value if it is a usable AES_CM_128_HMAC_SHA1_80 line, else None."""
    parts = value.split()
    if len(parts) != 3 or parts[1] != SUITE or not parts[0].isdigit():
        return None
    method, _, info = parts[2].partition(":")
    if method != "inline":
        return None
    fields = info.split("|")
    if any(":" in f for f in fields[1:]):
        return None  # MKI: the relay does not do master key identifiers
    try:
        key_salt = base64.b64decode(fields[0], validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(key_salt) != KEY_LEN + SALT_LEN:
        return None
    return Crypto(parts[0], key_salt)


def pick(attributes: list[tuple[str, str | None]]) -> Crypto | None:
    """The first usable a=crypto line of a media section."""
    for name, value in attributes:
        if name == "crypto" and value:
            crypto = parse_crypto(value)
            if crypto is not None:
                return crypto
    return None


def new_key(tag: str = "1") -> Crypto:
    """A fresh random master key and salt."""
    return Crypto(tag, os.urandom(KEY_LEN + SALT_LEN))
