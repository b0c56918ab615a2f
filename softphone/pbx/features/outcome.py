"""How a call through the PBX ended: the codes of the call history, and what the caller
is told when a call cannot be delivered.

The codes are CallInfo.result, the `result` column of the calls table and the `result` of
the call_end log line. A call that was never connected says why: nobody of the callee is
registered, the devices rang out, could not be reached at all, refused or failed. To the
caller the PBX answers with a SIP status and, because one status covers several of these
(480 is "not registered" as well as "no answer"), with an RFC 6432 Reason header carrying
the ITU-T Q.850 cause, as Asterisk and FreeSWITCH do, so the caller's phone can say which.
"""

from __future__ import annotations

ANSWERED = "answered"
BUSY = "busy"                    # 486/600, do not disturb, busy-on-busy
REJECTED = "rejected"            # the callee declined (603)
NO_ANSWER = "no-answer"          # rang until the ring timeout
NOT_REGISTERED = "not-registered"  # no device of the callee registered
UNAVAILABLE = "unavailable"      # a device or group said it cannot take calls now (480)
UNREACHABLE = "unreachable"      # no device answered at the SIP level (transaction timeout)
NOT_FOUND = "not-found"          # no such number
FAILED = "failed"                # a device or the PBX failed (5xx, bad SDP, no media ports)
CANCELLED = "cancelled"          # the caller hung up first
TRANSFERRED = "transferred"      # this call's parties went on in another call

RESULTS = (ANSWERED, BUSY, REJECTED, NO_ANSWER, NOT_REGISTERED, UNAVAILABLE, UNREACHABLE,
           NOT_FOUND, FAILED, CANCELLED, TRANSFERRED)

# Q.850 cause values (RFC 6432 section 3; the texts are Q.850's names).
_Q850 = {
    NOT_FOUND: (1, "Unallocated number"), BUSY: (17, "User busy"),
    UNREACHABLE: (18, "No user responding"), NO_ANSWER: (19, "No answer from user"),
    NOT_REGISTERED: (20, "Subscriber absent"), REJECTED: (21, "Call rejected"),
}


def failure_result(status: int, rang_out: bool = False) -> str:
    """The code of a call the callee's devices did not take, from their final `status`;
    `rang_out`: the PBX stopped ringing after the ring timeout."""
    if rang_out:
        return NO_ANSWER
    if status in (486, 600):
        return BUSY
    if status == 603:
        return REJECTED
    if status == 408:
        return UNREACHABLE
    if status in (404, 410, 480, 604):
        return UNAVAILABLE
    if status == 487:
        return CANCELLED
    return FAILED


def reason_header(result: str) -> list[tuple[str, str]]:
    """The Reason header for a final failure response to the caller (RFC 6432)."""
    cause = _Q850.get(result)
    if cause is None:
        return []
    return [("Reason", f'Q.850;cause={cause[0]};text="{cause[1]}"')]
