"""How a call ended, as the client's call history names it: a code the GUI turns into words.

Computed from what the phone saw of the call: its direction, whether it was connected or
rejected here, the SIP status it ended with and the cause of the Reason header that ended
it: the Q.850 cause of a final response (RFC 6432), which the PBX adds where one status
covers several outcomes (480 is "nobody registered" as well as "nobody answered"), or
"SIP;cause=200" of a CANCEL because another device answered (RFC 3326), with our PBX's
`answered-by` naming the colleague (or one's own other device) that took it. A server that sends
no Reason still gets its status read as RFC 3261 section 21 defines it.
"""

from __future__ import annotations

import re
from enum import StrEnum


class Outcome(StrEnum):
    ANSWERED = "answered"
    MISSED = "missed"                      # incoming, never answered here or elsewhere
    REJECTED = "rejected"                  # incoming, rejected here
    ANSWERED_ELSEWHERE = "answered_elsewhere"  # incoming, taken by another device
    BUSY = "busy"
    DECLINED = "declined"
    NO_ANSWER = "no_answer"
    NOT_REGISTERED = "not_registered"      # the callee has no phone registered
    UNAVAILABLE = "unavailable"
    UNREACHABLE = "unreachable"            # the callee's phone did not respond
    NOT_FOUND = "not_found"
    CANCELLED = "cancelled"                # outgoing, hung up before it was answered
    FAILED = "failed"


# ITU-T Q.850 causes (RFC 6432 section 3) the PBX sends, and what they say.
_CAUSES = {
    1: Outcome.NOT_FOUND, 17: Outcome.BUSY, 18: Outcome.UNREACHABLE, 19: Outcome.NO_ANSWER,
    20: Outcome.NOT_REGISTERED, 21: Outcome.DECLINED,
}
_STATUSES = {
    486: Outcome.BUSY, 600: Outcome.BUSY, 603: Outcome.DECLINED, 408: Outcome.NO_ANSWER,
    480: Outcome.UNAVAILABLE, 404: Outcome.NOT_FOUND, 484: Outcome.NOT_FOUND,
    604: Outcome.NOT_FOUND, 487: Outcome.CANCELLED,
}
# RFC 3326: Reason = "Reason" HCOLON reason-value; reason-value = protocol *(SEMI params).
_REASON = re.compile(r"^(?:Reason)[ \t]*:[ \t]*(SIP|Q\.850)[ \t]*;[^\r\n]*?\bcause[ \t]*=[ \t]*"
                     r"([0-9]{1,3})\b", re.IGNORECASE | re.MULTILINE)


# Our PBX names who answered instead (RFC 3326 reason-extension; dialer.completed_elsewhere).
_ANSWERED_BY = re.compile(
    r'^Reason[ \t]*:[^\r\n]*;[ \t]*answered-by[ \t]*=[ \t]*"?([^";\r\n]{1,64})',
    re.IGNORECASE | re.MULTILINE)


def answered_by(message: str) -> str:
    """The extension a CANCEL's Reason says answered the call elsewhere, or ""."""
    m = _ANSWERED_BY.search(message.split("\r\n\r\n", 1)[0])
    return m.group(1).strip() if m else ""


def reason_cause(message: str) -> str:
    """The first Reason of a SIP message's text as "Q.850;<cause>" or "SIP;<cause>", or ""."""
    m = _REASON.search(message.split("\r\n\r\n", 1)[0])
    return f"{m.group(1).upper()};{int(m.group(2))}" if m else ""


def call_outcome(*, incoming: bool, connected: bool, rejected: bool, code: int,
                 cause: str = "") -> Outcome:
    """`cause`: as reason_cause() gives it."""
    if connected:
        return Outcome.ANSWERED
    if incoming:
        if rejected:
            return Outcome.REJECTED
        return Outcome.ANSWERED_ELSEWHERE if cause == "SIP;200" else Outcome.MISSED
    protocol, _, number = cause.partition(";")
    if protocol == "Q.850" and number.isdigit() and int(number) in _CAUSES:
        return _CAUSES[int(number)]
    return _STATUSES.get(code, Outcome.FAILED)
