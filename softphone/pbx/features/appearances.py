"""The appearances of one shared line: which calls the line carries, and in what state.

Each appearance is one call at a time, numbered from 1 as desk phones number their line
keys (the appearance-index of the BroadWorks "Shared Call Appearance" Call-Info header).
States are those phones show: idle, seized (a member took the line to dial, line-seize),
progressing (an outgoing call is being set up), alerting (an incoming call rings), active,
held and held-private. Taking an appearance is one synchronous step on the event loop, so
two members racing for the last free one end with exactly one winner.

No I/O: the service (sharedline.py) turns changes into NOTIFYs and API events.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

from softphone.pbx.sharedlines import SharedLine

STATES = ("idle", "seized", "progressing", "alerting", "active", "held", "held-private")
SEIZE_SECONDS = 15.0   # a line-seize holds an appearance this long without a call


@dataclass
class Appearance:
    index: int
    state: str = "idle"
    member: str | None = None      # the member on it (or seizing it)
    party: str | None = None       # the other party of its call
    call: str | None = None        # the call's CallInfo.id
    seized_until: float = 0.0

    def snapshot(self) -> dict[str, object]:
        out = asdict(self)
        del out["seized_until"], out["call"]
        return out


class LineState:
    def __init__(self, line: SharedLine, now: Callable[[], float]) -> None:
        self.line = line
        self.now = now
        self.appearances = [Appearance(i + 1) for i in range(line.appearances)]

    def _free(self, a: Appearance) -> bool:
        return a.state == "idle" or (a.state == "seized" and a.call is None
                                     and a.seized_until <= self.now())

    def take(self, call: str, state: str, member: str | None, party: str | None,
             index: int | None = None) -> Appearance | None:
        """The appearance for a new call: ``index`` if free (or seized by ``member``), else
        the member's own seized one, else the lowest free; None when there is none."""
        seized = self.seized_by(member) if member is not None else None
        if index is not None:
            if not 1 <= index <= len(self.appearances):
                return None
            candidates = [self.appearances[index - 1]]
        else:
            candidates = [seized] if seized is not None else self.appearances
        for a in candidates:
            if self._free(a) or a is seized:
                a.state, a.member, a.party, a.call, a.seized_until = \
                    state, member, party, call, 0.0
                return a
        return None

    def seize(self, member: str, index: int | None = None) -> Appearance | None:
        """line-seize: reserve an appearance for ``member`` to dial on, for SEIZE_SECONDS."""
        a = self.take("", "seized", member, None, index)
        if a is not None:
            a.call = None
            a.seized_until = self.now() + SEIZE_SECONDS
        return a

    def seized_by(self, member: str) -> Appearance | None:
        now = self.now()
        return next((a for a in self.appearances if a.state == "seized" and a.call is None
                     and a.member == member and a.seized_until > now), None)

    def by_call(self, call: str) -> Appearance | None:
        return next((a for a in self.appearances if a.call == call), None)

    def release(self, a: Appearance) -> None:
        a.state, a.member, a.party, a.call, a.seized_until = "idle", None, None, None, 0.0

    def expire(self) -> list[Appearance]:
        """Seizes that ran out without a call: idle again."""
        gone = [a for a in self.appearances if a.state == "seized" and a.call is None
                and a.seized_until <= self.now()]
        for a in gone:
            self.release(a)
        return gone

    def snapshot(self) -> dict[str, object]:
        line = self.line
        return {"number": line.number, "name": line.name, "members": list(line.members),
                "barge_in": line.barge_in, "warning_tone": line.warning_tone,
                "warning_interval": line.warning_interval,
                "appearances": [a.snapshot() for a in self.appearances]}
