"""Ban source addresses that fail authentication in bursts (Kamailio pike plus fail2ban).

A password-guessing scanner (sipvicious and friends) sends hundreds of REGISTERs a second;
a phone with a wrong password retries every few seconds. ``failures`` within ``window``
seconds tells them apart. Only failed credential checks should be reported here, never the
first unauthenticated request that is answered with a challenge (RFC 3261 section 22.2):
that one is normal.

Memory is bounded whatever the traffic: each address keeps at most ``failures`` timestamps,
at most ``max_tracked`` addresses are followed (least recently failing dropped first) and at
most ``max_banned`` bans are held (soonest to expire dropped first).

``exempt(ip)`` names addresses never banned: the PBX's own trunk providers (none are
configured yet), whose failures must not cut every outside call.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Callable


class BanList:
    def __init__(self, failures: int, window: float, ban_seconds: float,
                 clock: Callable[[], float], on_ban: Callable[[str], None] | None = None,
                 max_tracked: int = 100_000, max_banned: int = 100_000,
                 exempt: Callable[[str], bool] = lambda ip: False) -> None:
        if failures < 1 or window <= 0 or ban_seconds <= 0:
            raise ValueError("failures, window and ban_seconds must be positive")
        self._failures = failures
        self._window = window
        self._ban_seconds = ban_seconds
        self._clock = clock
        self._on_ban = on_ban
        self._max_tracked = max_tracked
        self._max_banned = max_banned
        self._exempt = exempt
        # ip -> times of its most recent failures; ordered by last failure, oldest first.
        self._recent: OrderedDict[str, deque[float]] = OrderedDict()
        # ip -> end of its ban; ordered by ban start, so (with one ban length) by expiry.
        self._banned: OrderedDict[str, float] = OrderedDict()

    def failed(self, ip: str) -> bool:
        """Record a failed authentication; True if this one got ``ip`` banned."""
        now = self._clock()
        self._prune(now)
        if self.is_banned(ip) or self._exempt(ip):
            return False
        times = self._recent.get(ip)
        if times is None:
            # Only the last `failures` times matter: the ban test looks at the oldest of them.
            times = self._recent[ip] = deque(maxlen=self._failures)
            while len(self._recent) > self._max_tracked:
                self._recent.popitem(last=False)
        else:
            self._recent.move_to_end(ip)
        times.append(now)
        if len(times) < self._failures or now - times[0] > self._window:
            return False
        del self._recent[ip]
        self._banned[ip] = now + self._ban_seconds
        while len(self._banned) > self._max_banned:
            self._banned.popitem(last=False)
        if self._on_ban is not None:
            self._on_ban(ip)
        return True

    def succeeded(self, ip: str) -> None:
        """Forget ``ip``'s failures after a successful authentication.

        This does not lift a ban. It keeps one office NAT address, where one phone has a
        stale password and the others authenticate fine, from adding up to a ban.
        """
        self._recent.pop(ip, None)

    def is_banned(self, ip: str) -> bool:
        until = self._banned.get(ip)
        if until is None:
            return False
        if self._clock() < until:
            return True
        del self._banned[ip]
        return False

    def banned(self) -> dict[str, float]:
        """Addresses banned now and when their bans end (for the admin API and logs)."""
        self._prune(self._clock())
        return dict(self._banned)

    @property
    def ban_seconds(self) -> float:
        return self._ban_seconds

    @property
    def tracked(self) -> int:
        """How many addresses with recent failures are followed."""
        return len(self._recent)

    def _prune(self, now: float) -> None:
        # Both dicts are ordered oldest first, so stale entries are popped from the front
        # and each call costs amortised O(1).
        while self._recent:
            ip, times = next(iter(self._recent.items()))
            if now - times[-1] <= self._window:
                break
            del self._recent[ip]
        while self._banned:
            ip, until = next(iter(self._banned.items()))
            if now < until:
                break
            del self._banned[ip]
