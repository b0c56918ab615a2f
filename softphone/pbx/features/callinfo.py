"""What is known of one call through the B2BUA, for the call history and presence."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class CallInfo:
    """What the call history and presence need to know about a call."""

    id: str
    caller: str
    caller_name: str
    callee: str
    state: str = "ringing"      # ringing -> answered -> ended
    result: str = ""
    end_reason: str = ""        # why the PBX ended it, if it did (the call history says)
    devices: list[str] = field(default_factory=list)
    parties: dict[str, str] = field(default_factory=dict)  # side -> extension on it now
    # While ringing: the extensions whose devices ring now (a group's free members, or the
    # target of a forward); the callee side is only known once one of them answers.
    ringing: list[str] = field(default_factory=list)
