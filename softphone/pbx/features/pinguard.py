"""Guessing conference PINs: wrong PINs counted across calls, offenders shut out a while.

A 4-digit PIN falls to 10,000 guesses, and hanging up after three wrong ones and calling
again costs an attacker nothing. So every wrong PIN counts against the calling number and
against the source address the call came from, over all calls: ``LIMIT`` wrong PINs
within ``WINDOW`` seconds from one calling number shut that number out of PIN rooms for
``BLOCK`` seconds (logged once, without any PIN).

Only the number is shut out, because only the number is proven (digest authentication):
an address is shared by every phone behind an office's NAT, so blocking it would lock
colleagues out, and a UDP source can be forged to lock out others on purpose. The same
count per address is logged as a warning (a guesser with several accounts), for an
administrator or fail2ban to act on. The counting is ban.py's BanList, with its bounds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from softphone.pbx.features.ban import BanList

log = logging.getLogger(__name__)

LIMIT = 10
WINDOW = 600.0
BLOCK = 900.0
MAX_KEYS = 10_000


class PinGuard:
    def __init__(self, clock: Callable[[], float], limit: int = LIMIT, window: float = WINDOW,
                 block: float = BLOCK, max_keys: int = MAX_KEYS) -> None:
        self.limit, self.window, self.block = limit, window, block
        self.numbers = BanList(limit, window, block, clock, self._shut_out,
                               max_tracked=max_keys, max_banned=max_keys)
        self.addresses = BanList(limit, window, block, clock, self._guessing,
                                 max_tracked=max_keys, max_banned=max_keys)

    def blocked(self, number: str) -> bool:
        return self.numbers.is_banned(number)

    def wrong(self, number: str, address: str) -> None:
        """One wrong PIN from the caller ``number`` at ``address``."""
        self.numbers.failed(number)
        self.addresses.failed(address)

    def _shut_out(self, number: str) -> None:
        log.warning("conference PINs: %s shut out of PIN rooms for %d s after %d wrong PINs",
                    number, self.block, self.limit,
                    extra={"event": "conference_pin_lockout", "number": number})

    def _guessing(self, address: str) -> None:
        log.warning("conference PINs: %d wrong PINs within %d s from %s", self.limit,
                    self.window, address,
                    extra={"event": "conference_pin_guessing", "address": address})
