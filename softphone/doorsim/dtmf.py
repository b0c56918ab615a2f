"""The door code typed on a phone's keypad during a call (RFC 4733 telephone-events), as
door stations check it: keys collect until they end with the code (the door opens), until
they can no longer become the code (a wrong code), or until the caller pauses longer than
`reset_after` seconds (the keys so far are dropped, and count as a wrong code).

Pure: no I/O, no clock of its own (the caller passes the time), so it is unit-tested alone.
"""

from __future__ import annotations

import enum
import re

CODE = re.compile(r"^[0-9*#A-D]{1,16}$")


class Outcome(enum.Enum):
    PENDING = "pending"    # more keys may make the code
    OPEN = "open"          # the keys ended with the code
    WRONG = "wrong"        # the keys cannot become the code


def check_code(code: str) -> str:
    """The code in upper case; ValueError with a clear message for an unusable one."""
    upper = code.upper()
    if not CODE.match(upper):
        raise ValueError(f"door code {code!r}: use 1-16 of the keys 0-9 * # A-D")
    return upper


class CodeMatcher:
    def __init__(self, code: str, reset_after: float = 3.0) -> None:
        self.code = check_code(code)
        self.reset_after = reset_after
        self.keys = ""
        self._last = 0.0

    def _could_become_code(self) -> bool:
        """Does some ending of the keys start the code (e.g. "5*" for the code "*1")?"""
        return any(self.code.startswith(self.keys[i:]) for i in range(len(self.keys)))

    def feed(self, key: str, now: float) -> Outcome:
        """One key pressed at time `now` (seconds, any monotonic clock)."""
        if self.keys and now - self._last > self.reset_after:
            self.keys = ""
        self._last = now
        self.keys = (self.keys + key.upper())[-2 * len(self.code):]
        if self.keys.endswith(self.code):
            self.keys = ""
            return Outcome.OPEN
        if len(self.keys) >= len(self.code) and not self._could_become_code():
            self.keys = ""
            return Outcome.WRONG
        return Outcome.PENDING

    def expire(self, now: float) -> str:
        """Drop keys older than the pause; returns the dropped keys ("" when none)."""
        if self.keys and now - self._last > self.reset_after:
            dropped, self.keys = self.keys, ""
            return dropped
        return ""

    def reset(self) -> None:
        self.keys = ""
