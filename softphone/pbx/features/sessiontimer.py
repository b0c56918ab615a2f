"""RFC 4028 session timers: calls whose phones vanished without a BYE end by themselves.

The B2BUA terminates session timers on each leg. Towards the caller it answers as UAS
(section 9): an INVITE that supports "timer" and asks for less than the PBX's Min-SE gets
422 with Min-SE (a caller without "timer" could not retry: its interval is raised to
Min-SE instead, as section 8.1 has it for proxies). The 2xx carries Session-Expires, with
the caller as refresher ("refresher=uac", Require: timer) when it supports "timer" and did
not name the PBX. Towards the callee the PBX offers Session-Expires as UAC (section 7.1),
asking the callee to refresh ("refresher=uas"). The PBX watches that each side it made
the refresher sends a re-INVITE or UPDATE within the interval, and ends the call with BYE
to both sides when one does not (section 10). A peer that leaves refreshing to the PBX
(a caller's "refresher=uas" or no "timer", a callee answering "refresher=uac") gets an
UPDATE without a body at half the interval (section 10). A transfer's new peer on a leg
negotiated nothing: that side is no longer timed (forget). The check runs periodically,
as features/mediawatch.py does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from softphone.pbx.sip.message import Request, Response

log = logging.getLogger(__name__)


def parse_session_expires(value: str | None) -> tuple[int, str | None] | None:
    """``Session-Expires: 1800;refresher=uac`` -> (1800, "uac"); None when absent or bad."""
    if not value:
        return None
    seconds, *params = (p.strip() for p in value.split(";"))
    if not (seconds.isascii() and seconds.isdigit()) or len(seconds) > 10:
        return None     # also no 4,300-digit int() (a malformed value is as if absent)
    refresher = None
    for param in params:
        name, _, val = param.partition("=")
        if name.strip().lower() == "refresher" and val.strip().lower() in ("uac", "uas"):
            refresher = val.strip().lower()
    return int(seconds), refresher


def supports_timer(msg: Request | Response) -> bool:
    """Whether Supported (or Require) lists the "timer" option tag (RFC 4028 section 3)."""
    tags = {t.strip().lower() for name in ("Supported", "Require")
            for v in msg.headers.get_all(name) for t in v.split(",")}
    return "timer" in tags


@dataclass
class CallTimer:
    """One call's negotiated session timers: per side the interval the side's refresher
    must keep, and when it was last refreshed (clock seconds)."""

    interval: dict[str, int] = field(default_factory=dict)   # side -> seconds
    refreshed_at: dict[str, float] = field(default_factory=dict)
    pbx_refreshes: dict[str, int] = field(default_factory=dict)   # side -> seconds
    sent_at: dict[str, float] = field(default_factory=dict)        # our last refresh
    answer_headers: list[tuple[str, str]] = field(default_factory=list)  # to the caller


class SessionTimers:
    def __init__(self, session_expires: int, min_se: int, now: Callable[[], float]) -> None:
        self.session_expires = session_expires
        self.min_se = min_se
        self._now = now

    @property
    def enabled(self) -> bool:
        return self.session_expires > 0

    @property
    def check_interval(self) -> float:
        return min(5.0, max(0.2, self.min_se / 10))

    def too_small(self, invite: Request) -> list[tuple[str, str]] | None:
        """The 422's headers when the caller asks for less than Min-SE (section 9)."""
        asked = parse_session_expires(invite.headers.get("Session-Expires"))
        if not self.enabled or asked is None or asked[0] >= self.min_se \
                or not supports_timer(invite):
            return None
        return [("Min-SE", str(self.min_se)), ("Supported", "timer")]

    def for_caller(self, invite: Request) -> CallTimer:
        """Section 9: the interval is the caller's, at most ours and at least Min-SE; the
        caller refreshes unless it asked the PBX to."""
        timer = CallTimer()
        asked = parse_session_expires(invite.headers.get("Session-Expires"))
        if not self.enabled or not (supports_timer(invite) or asked):
            return timer
        seconds = max(self.min_se, min(asked[0], self.session_expires)) if asked \
            else self.session_expires
        # Section 9's table: a caller without "timer" cannot refresh, the PBX must.
        refresher = (asked[1] if asked else None) or (
            "uac" if supports_timer(invite) else "uas")
        timer.answer_headers = [("Session-Expires", f"{seconds};refresher={refresher}")]
        if supports_timer(invite):
            timer.answer_headers.append(("Require", "timer"))
        (timer.interval if refresher == "uac" else timer.pbx_refreshes)["a"] = seconds
        return timer

    def offer_headers(self) -> list[tuple[str, str]]:
        """Section 7.1: what the INVITE to the callee carries."""
        if not self.enabled:
            return []
        return [("Supported", "timer"), ("Min-SE", str(self.min_se)),
                ("Session-Expires", f"{self.session_expires};refresher=uas")]

    def callee_answered(self, timer: CallTimer, ok: Response) -> None:
        """The callee's 2xx: watch it if it took the refresher role (section 7.2)."""
        agreed = parse_session_expires(ok.headers.get("Session-Expires"))
        if self.enabled and agreed is not None:
            seconds = max(agreed[0], self.min_se)
            (timer.interval if agreed[1] == "uas" else timer.pbx_refreshes)["b"] = seconds

    def started(self, timer: CallTimer) -> None:
        now = self._now()
        for side in timer.interval:
            timer.refreshed_at[side] = now
        for side in timer.pbx_refreshes:
            timer.sent_at[side] = now

    @staticmethod
    def forget(timer: CallTimer, side: str) -> None:
        """Another peer took `side` (a transfer): it negotiated no session timer."""
        for table in (timer.interval, timer.refreshed_at, timer.pbx_refreshes, timer.sent_at):
            table.pop(side, None)

    def refreshed(self, timer: CallTimer, side: str, req: Request) -> None:
        """A re-INVITE or UPDATE from `side` refreshes that side's session (section 10)."""
        if req.method in ("INVITE", "UPDATE") and side in timer.refreshed_at:
            timer.refreshed_at[side] = self._now()

    def refresh_headers(self, timer: CallTimer, side: str, req: Request) -> list[tuple[str, str]]:
        """The 2xx to `side`'s refresh keeps the interval, the sender still the refresher
        (section 9: a refresh's answer carries Session-Expires like the first one)."""
        seconds = timer.interval.get(side)
        if seconds is None or req.method not in ("INVITE", "UPDATE"):
            return []
        extra = [("Session-Expires", f"{seconds};refresher=uac")]
        return [*extra, ("Require", "timer")] if supports_timer(req) else extra

    def expired(self, timer: CallTimer) -> str | None:
        """Why the session is over, or None. Section 10 suggests a BYE slightly before
        expiry; the PBX waits the full interval, as it cannot know the refresher's clock."""
        now = self._now()
        for side, seconds in timer.interval.items():
            since = timer.refreshed_at.get(side)
            if since is not None and now - since >= seconds:
                who = "caller" if side == "a" else "callee"
                return f"session timer expired: no refresh from the {who} in {seconds} s"
        return None

    def check(self, calls: Iterable[tuple[str, CallTimer, Callable[[str], None],
                                          Callable[[str, list[tuple[str, str]]], None]]]
              ) -> None:
        """End every session whose refresher stayed silent, refresh those the PBX must:
        (call id, timer, hangup(reason), refresh(side, headers)) per call."""
        now = self._now()
        for call_id, timer, hangup, refresh in calls:
            for side, seconds in timer.pbx_refreshes.items():
                if now - timer.sent_at.get(side, now) >= seconds / 2:
                    timer.sent_at[side] = now
                    refresh(side, [("Supported", "timer"),
                                   ("Session-Expires", f"{seconds};refresher=uac")])
            reason = self.expired(timer)
            if reason is None:
                continue
            log.warning("call %s ended: %s", call_id, reason,
                        extra={"event": "session_expired", "call": call_id})
            hangup(reason)
