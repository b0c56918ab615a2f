"""Where a call to a number goes: the PBX's routing decision, as office systems make it.

For an extension: forward always, do not disturb, not registered, busy (call waiting off,
or busy-on-busy: once the person talks on any device further callers hear busy), then the
devices to ring and for how long before forwarding on no answer. For a ring group:
ring-all or an ordered hunt over the members who are free, a no-answer timeout and the
next destinations for no answer and busy; shared use (new calls keep ringing at free
members while others talk) or busy-on-busy for the whole group. Members who logged out of
a group are not rung; when all have, the call goes to no_answer at once (or gets 480).

No I/O: the router reads the configuration, the user settings, the registrations and who
is in a call through functions it is given, and returns a decision.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from softphone.common.directory import UserSettings
from softphone.pbx.config import PbxConfig
from softphone.pbx.features.outcome import BUSY, FAILED, NOT_FOUND, NOT_REGISTERED, UNAVAILABLE
from softphone.pbx.ringgroups import RingGroup
from softphone.pbx.store import Binding

log = logging.getLogger(__name__)

MAX_HOPS = 5            # forwarding chains longer than this are a loop
RING_TIMEOUT = 120.0    # nobody answers: give up after this (then 480)


@dataclass(frozen=True)
class Reject:
    status: int
    reason: str
    result: str = field(default=FAILED, compare=False)   # outcome.py: for the call history


@dataclass
class Stage:
    """Devices that ring together, and for how long (None: until RING_TIMEOUT)."""

    number: str
    bindings: list[Binding]
    timeout: float | None = None


@dataclass
class Ring:
    number: str                              # the extension or group that was reached
    stages: list[Stage] = field(default_factory=list)   # one (ring-all) or one per member
    on_no_answer: str | None = None
    on_busy: str | None = None
    hops: int = 0


Decision = Reject | Ring


class Router:
    def __init__(
        self, config: PbxConfig, bindings: Callable[[str], list[Binding]],
        settings: Callable[[str], UserSettings], in_call: Callable[[str], bool],
        device_in_call: Callable[[str, str], bool],
        ring_group: Callable[[str], RingGroup | None] | None = None,
        logged_out: Callable[[str], frozenset[str]] = lambda group: frozenset(),
    ) -> None:
        """``ring_group`` gives a group as it is now (the configuration's, with run-time
        changes); ``logged_out`` the members who logged out of a group."""
        self.config = config
        self.ring_group = ring_group if ring_group is not None else config.ring_group
        self.logged_out = logged_out
        self.bindings = bindings
        self.settings = settings
        self.in_call = in_call
        self.device_in_call = device_in_call

    def route(self, number: str, caller: str, hops: int = 0) -> Decision:
        if hops > MAX_HOPS:
            return Reject(482, "Forwarding loop")
        group = self.ring_group(number)
        if group is not None:
            return self._group(group, caller, hops)
        line = self.config.shared_line(number)
        if line is not None:
            # Shared call appearance: every registered device of every member rings, busy
            # or not (the line, not the person, takes the call); the appearance count is
            # the line's limit (features/sharedline.py).
            bindings = [b for m in line.members if m != caller for b in self.bindings(m)]
            if not bindings:
                return Reject(480, "Not registered", NOT_REGISTERED)
            return Ring(number, [Stage(number, bindings)], hops=hops)
        if self.config.extension(number) is None:
            return Reject(404, "Unknown number", NOT_FOUND)
        s = self.settings(number)
        if s.forward_always and s.forward_always not in (number, caller):
            return self.route(s.forward_always, caller, hops + 1)
        if s.dnd:
            return self._next(s.forward_busy, caller, hops, Reject(486, "Do Not Disturb", BUSY))
        bindings = self.bindings(number)
        if not bindings:
            return self._next(s.forward_no_answer, caller, hops,
                              Reject(480, "Not registered", NOT_REGISTERED))
        if self.in_call(number):
            if s.busy_on_busy:
                return self._next(s.forward_busy, caller, hops, Reject(486, "Busy Here", BUSY))
            if not s.call_waiting:
                bindings = [b for b in bindings if not self.device_in_call(number, b.contact)]
                if not bindings:
                    return self._next(s.forward_busy, caller, hops, Reject(486, "Busy Here", BUSY))
        timeout = float(s.forward_no_answer_after) if s.forward_no_answer else None
        return Ring(number, [Stage(number, bindings, timeout)],
                    on_no_answer=s.forward_no_answer, on_busy=s.forward_busy, hops=hops)

    def _group(self, group: RingGroup, caller: str, hops: int) -> Decision:
        out = self.logged_out(group.number)
        available = [m for m in group.members if m not in out]
        if not available:
            target = group.no_answer if group.no_answer != caller else None
            log.info("ring group %s: every member is logged out; %s", group.number,
                     f"going on to {target}" if target else "480",
                     extra={"event": "group_all_logged_out", "group": group.number,
                            "caller": caller, "to": target})
            return self._next(group.no_answer, caller, hops,
                              Reject(480, "All members logged out", UNAVAILABLE))
        members = [m for m in available if m != caller]
        if group.busy_on_busy and any(self.in_call(m) for m in members):
            return self._next(group.busy, caller, hops, Reject(486, "Busy Here", BUSY))
        free: list[tuple[str, list[Binding]]] = []
        anyone_busy = False
        for member in members:
            s = self.settings(member)
            if s.dnd:
                continue
            if self.in_call(member):
                anyone_busy = True  # shared use: the colleague talks, the others ring
                continue
            bindings = self.bindings(member)
            if bindings:
                free.append((member, bindings))
        if not free:
            if anyone_busy:
                return self._next(group.busy, caller, hops, Reject(486, "Busy Here", BUSY))
            return self._next(group.no_answer, caller, hops,
                              Reject(480, "Nobody available", UNAVAILABLE))
        if group.strategy == "hunt":
            stages = [Stage(m, b, group.ring_time) for m, b in free]
        else:
            stages = [Stage(group.number, [b for _, bs in free for b in bs], group.timeout)]
        return Ring(group.number, stages, on_no_answer=group.no_answer, on_busy=group.busy,
                    hops=hops)

    def _next(self, target: str | None, caller: str, hops: int, otherwise: Reject) -> Decision:
        if target and target != caller:
            return self.route(target, caller, hops + 1)
        return otherwise
