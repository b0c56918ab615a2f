"""Slowing down password guessing per account, from whatever addresses it comes.

A ban per source address (features/ban.py) does not stop a guesser who spreads guesses
over addresses, or who signs in correctly with an account of their own now and then. So
failures are also counted per account name: ``failures`` within ``window`` seconds, from
any address, make that account wait before its next sign-in is checked, ``base`` seconds
at first and twice as long with every further failure, up to ``max_delay``. A correct
password does not reset the count (only time does): otherwise the guesser interleaves one.
While an account waits, every sign-in for it is refused unchecked, right password or
not, and the callers are told how long to wait (Retry-After), except from the addresses
the account's phones are registered from now (``known``): an attacker who keeps an
account's count up would otherwise lock its owner's own desk phone and client out (and
guesses from such an address are no threat unless the guesser is on the path, since
nonces are bound to the address they were sent to).

Only failures from proven sources are reported here (a completed digest round trip or a
TCP connection), so a forged UDP packet cannot lock anyone out. Memory is bounded: at
most ``max_tracked`` accounts (least recently failing dropped first), each keeping its
last failures only.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Callable

FAILURES = 5
WINDOW = 600.0
BASE_DELAY = 2.0
MAX_DELAY = 300.0
MAX_TRACKED = 100_000


class AccountThrottle:
    def __init__(self, clock: Callable[[], float], failures: int = FAILURES,
                 window: float = WINDOW, base: float = BASE_DELAY,
                 max_delay: float = MAX_DELAY, max_tracked: int = MAX_TRACKED,
                 known: Callable[[str, str], bool] | None = None) -> None:
        if failures < 1 or window <= 0 or base <= 0 or max_delay < base:
            raise ValueError("failures, window and delays must be positive")
        self._clock = clock
        self._known = known or (lambda account, ip: False)
        self._failures, self._window = failures, window
        self._base, self._max_delay = base, max_delay
        self._max_tracked = max_tracked
        # Enough failures kept to reach max_delay by doubling (64 bounds it whatever).
        steps = 1
        while base * 2 ** (steps - 1) < max_delay and steps < 64:
            steps += 1
        self._keep = failures + steps
        # account -> times of its recent failures and the end of its current wait.
        self._recent: OrderedDict[str, tuple[deque[float], float]] = OrderedDict()

    def wait(self, account: str, ip: str) -> float:
        """Seconds ``account`` must still wait before a sign-in from ``ip`` is checked (0:
        none; always 0 from an address the account's devices are registered from)."""
        entry = self._recent.get(account)
        if entry is None or entry[1] <= self._clock() or self._known(account, ip):
            return 0.0
        return entry[1] - self._clock()

    def failed(self, account: str) -> float:
        """A proven failed sign-in for ``account``: the wait it imposes now (0: none)."""
        now = self._clock()
        times, _ = self._recent.pop(account, (deque(maxlen=self._keep), 0.0))
        times.append(now)
        while times and now - times[0] > self._window:
            times.popleft()
        over = len(times) - self._failures
        delay = min(self._max_delay, self._base * 2 ** over) if over >= 0 else 0.0
        self._recent[account] = (times, now + delay)
        while len(self._recent) > self._max_tracked:
            self._recent.popitem(last=False)
        return delay
