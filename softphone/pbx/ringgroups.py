"""Ring groups in the configuration: `[[ring_groups]]` tables, validated like the rest.

    [[ring_groups]]
    number = "200"              # 2-6 digits, not an extension's number
    name = "Hotline"
    members = ["101", "102"]    # extensions, in hunt order
    strategy = "ring-all"       # or "hunt": one member after the other
    timeout = 30                # ring-all: seconds before no_answer
    ring_time = 15              # hunt: seconds each member rings
    no_answer = "100"           # optional: extension or group to go to when nobody answers
    busy = "100"                # optional: ... when every member is busy
    busy_on_busy = false        # true: while any member talks, callers hear busy
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from softphone.pbx.config import _Validator

STRATEGIES = ("ring-all", "hunt")
KEYS = ("number", "name", "members", "strategy", "timeout", "ring_time", "no_answer", "busy",
        "busy_on_busy")


@dataclass(frozen=True)
class RingGroup:
    number: str
    name: str
    members: tuple[str, ...]
    strategy: str = "ring-all"
    timeout: float = 30.0
    ring_time: float = 15.0
    no_answer: str | None = None
    busy: str | None = None
    busy_on_busy: bool = False


def parse_ring_groups(v: _Validator, entries: object, extensions: set[str],
                      taken: frozenset[str] | set[str] = frozenset()) -> dict[str, RingGroup]:
    """``extensions`` may be members and targets; ``taken`` are other numbers (doors)."""
    if not isinstance(entries, list):
        raise v.fail("ring_groups", "expected an array of tables ([[ring_groups]])")
    groups: dict[str, RingGroup] = {}
    for index, entry in enumerate(entries):
        p = f"ring_groups[{index}]."
        if not isinstance(entry, dict):
            raise v.fail(p[:-1], "expected a table")
        v.known_keys(entry, p, KEYS)
        group = _group(v, entry, p, extensions)
        if group.number in extensions or group.number in groups or group.number in taken:
            raise v.fail(p + "number", f"'{group.number}' is already taken")
        groups[group.number] = group
    known = extensions | set(groups)
    for index, group in enumerate(groups.values()):
        for key in ("no_answer", "busy"):
            target = getattr(group, key)
            if target is not None and target not in known:
                raise v.fail(f"ring_groups[{index}].{key}",
                             f"'{target}' is neither an extension nor a ring group")
    return groups


def _group(v: _Validator, t: dict[str, Any], p: str, extensions: set[str]) -> RingGroup:
    number = v.number(t, p)
    members = v.members(t, p, extensions)
    strategy = v.get(t, "strategy", p, str, "ring-all")
    if strategy not in STRATEGIES:
        raise v.fail(p + "strategy", f"'{strategy}' is not one of 'ring-all', 'hunt'")
    return RingGroup(
        number=number, name=v.get(t, "name", p, str, number), members=tuple(members),
        strategy=strategy, timeout=float(v.ranged(t, "timeout", p, 30, 5, 600)),
        ring_time=float(v.ranged(t, "ring_time", p, 15, 5, 120)),
        no_answer=v.get(t, "no_answer", p, str, "") or None,
        busy=v.get(t, "busy", p, str, "") or None,
        busy_on_busy=v.get(t, "busy_on_busy", p, bool, False),
    )
