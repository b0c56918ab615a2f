"""Shared lines in the configuration: `[[shared_lines]]` tables, validated like the rest.

A shared line ("Shared Call Appearance" of business telephone services) is one number
carried by several extensions: a call to it rings every member's phones, every member may
call out as the line, and the line holds several calls at once, each on an appearance
(numbered from 1, as desk phones' line keys are).

    [[shared_lines]]
    number = "250"                  # 2-6 digits, not an extension's, group's, door's or room's
    name = "Geschäftsführung"       # shown to callers and callees
    members = ["100", "102"]        # extensions carrying the line
    barge_in = true                 # members may join each other's calls on the line
    warning_tone = "repeat"         # heard by the talking parties on a barge: "none",
                                    # "once" or "repeat" (every warning_interval seconds)
    warning_interval = 30           # 5-600 seconds
    appearances = 4                 # calls at once: 1-35
    busy = "100"                    # optional: extension or group for callers when every
                                    # appearance is in use (otherwise 486)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from softphone.pbx.validate import Validator

TONE_MODES = ("none", "once", "repeat")
# BroadWorks desk phones have at most 35 line keys for one shared line; beyond it the
# appearance-index would not fit their display.
MIN_APPEARANCES, MAX_APPEARANCES = 1, 35
KEYS = ("number", "name", "members", "barge_in", "warning_tone", "warning_interval",
        "appearances", "busy")


@dataclass(frozen=True)
class SharedLine:
    number: str
    name: str
    members: tuple[str, ...]
    barge_in: bool = True
    warning_tone: str = "once"
    warning_interval: float = 30.0
    appearances: int = 2
    busy: str | None = None


def parse_shared_lines(v: Validator, entries: object, extensions: set[str],
                       taken: set[str], targets: set[str]) -> dict[str, SharedLine]:
    """``extensions`` may be members, ``taken`` are numbers already used (extensions,
    groups, doors, rooms), ``targets`` the numbers a busy line may send callers to."""
    if not isinstance(entries, list):
        raise v.fail("shared_lines", "expected an array of tables ([[shared_lines]])")
    lines: dict[str, SharedLine] = {}
    for index, entry in enumerate(entries):
        p = f"shared_lines[{index}]."
        if not isinstance(entry, dict):
            raise v.fail(p[:-1], "expected a table")
        v.known_keys(entry, p, KEYS)
        line = _line(v, entry, p, extensions)
        if line.number in taken or line.number in lines:
            raise v.fail(p + "number", f"'{line.number}' is already taken")
        if line.busy is not None and line.busy not in targets:
            raise v.fail(p + "busy", f"'{line.busy}' is neither an extension nor a ring group")
        lines[line.number] = line
    return lines


def _line(v: Validator, t: dict[str, Any], p: str, extensions: set[str]) -> SharedLine:
    number = v.number(t, p)
    members = v.members(t, p, extensions)
    tone = v.get(t, "warning_tone", p, str, "once")
    if tone not in TONE_MODES:
        raise v.fail(p + "warning_tone", f"'{tone}' is not one of 'none', 'once', 'repeat'")
    return SharedLine(
        number=number, name=v.get(t, "name", p, str, number).strip() or number,
        members=tuple(dict.fromkeys(members)), barge_in=v.get(t, "barge_in", p, bool, True),
        warning_tone=tone,
        warning_interval=float(v.ranged(t, "warning_interval", p, 30, 5, 600)),
        appearances=v.ranged(t, "appearances", p, 2, MIN_APPEARANCES, MAX_APPEARANCES),
        busy=v.get(t, "busy", p, str, "") or None,
    )
