"""SDES (RFC 4568): the a=crypto attribute that carries SRTP keys in SDP.

``a=crypto:<tag> <suite> inline:<base64 key||salt>[|lifetime][|MKI:length] [params]``.
Accepted: the suites of ``srtp.SUITES`` (AES-GCM keys as RFC 7714 section 12 gives them)
without MKI and without session parameters; other lines are skipped. An answerer may pick
any one of the offered lines (RFC 4568 section 7.1.1): ``pick`` takes the best by the
PBX's preference, whatever order the offer lists them in. Keys in SDP are readable by
anyone who sees the signalling: callers use SDES only on SIP over TLS legs.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass

from softphone.pbx.media.srtp import SUITES, Suite

_RANK = {name: rank for rank, name in enumerate(SUITES)}


@dataclass(frozen=True)
class Crypto:
    tag: str
    suite: Suite
    key_salt: bytes   # master key then master salt

    def attribute(self) -> tuple[str, str]:
        """The ("crypto", value) attribute pair for an SDP media section."""
        inline = base64.b64encode(self.key_salt).decode()
        return "crypto", f"{self.tag} {self.suite.name} inline:{inline}"


def parse_crypto(value: str) -> Crypto | None:
    """The a=crypto value if it is a usable line of a supported suite, else None."""
    parts = value.split()
    if len(parts) != 3 or parts[1] not in SUITES or not parts[0].isdigit():
        return None
    suite = SUITES[parts[1]]
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
    if len(key_salt) != suite.key_salt_len:
        return None
    return Crypto(parts[0], suite, key_salt)


def pick(attributes: list[tuple[str, str | None]]) -> Crypto | None:
    """The usable a=crypto line of a media section with the best suite (the first such
    line if several have it)."""
    usable = [c for name, value in attributes
              if name == "crypto" and value and (c := parse_crypto(value)) is not None]
    return min(usable, key=lambda c: _RANK[c.suite.name], default=None)


def new_key(suite: Suite, tag: str = "1") -> Crypto:
    """A fresh random master key and salt for ``suite``."""
    return Crypto(tag, suite, os.urandom(suite.key_salt_len))


def offer_keys() -> dict[str, Crypto]:
    """One fresh key for every suite, tagged 1, 2, ... best first: what an offer lists."""
    return {name: new_key(suite, str(tag))
            for tag, (name, suite) in enumerate(SUITES.items(), start=1)}
