"""Ending calls whose media stopped: the phone died, lost its network or was unplugged.

Without a BYE such a call would hold its relay ports forever and show both users busy.
Every answered call's relay counts the seconds since it last accepted RTP or RTCP from
either side (RelaySession.silent_for; strangers' packets do not count, the relay drops
them). Past ``timeout`` (rtp.media_timeout, 60 s by default, as Asterisk's rtptimeout) the
call is hung up: BYE to both sides, a warning in the log and the reason in the call
history. RTCP keeps a held call alive (RFC 3264 section 5.1: RTCP goes on while on hold).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from softphone.pbx.features.call import Call

log = logging.getLogger(__name__)


class MediaWatch:
    def __init__(self, calls: Callable[[], Iterable[Call]], timeout: float) -> None:
        self._calls = calls
        self.timeout = timeout

    @property
    def interval(self) -> float:
        """How often ``check`` should run: a tenth of the timeout, from 0.2 to 5 s."""
        return min(5.0, max(0.2, self.timeout / 10))

    def check(self) -> None:
        """Hang up every answered call silent for ``timeout`` seconds."""
        if self.timeout <= 0:
            return
        for call in [c for c in self._calls() if c.answered and not c.ended]:
            silent = call.anchor.session.silent_for()
            if silent < self.timeout:
                continue
            reason = f"no media for {int(silent)} s"
            log.warning("call %s (%s -> %s) ended: %s", call.info.id, call.info.caller,
                        call.info.callee, reason,
                        extra={"event": "media_timeout", "call": call.info.id,
                               "caller": call.info.caller, "callee": call.info.callee,
                               "seconds": round(silent, 1)})
            call.hangup(reason=reason)
