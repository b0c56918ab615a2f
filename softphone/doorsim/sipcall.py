"""The door station's one call: a pjsua2 Call that hands its callbacks to the phone
(softphone.doorsim.sip), and the words the station's events use for how a call went.

Who answered: a PBX may name the answering phone in P-Asserted-Identity (RFC 3325) on
its 200 OK (a ring group's member, as Asterisk's connected line does); without it, the
number the door called stands for whoever answered.
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

import pjsua2 as pj

from softphone.engine.calls import parse_remote

if TYPE_CHECKING:
    from softphone.doorsim.sip import DoorPhone

BUSY = frozenset({486, 600})
REJECTED = frozenset({403, 603})
NO_ANSWER = frozenset({408, 480, 487})
NOT_FOUND = frozenset({404, 484, 604})
IDENTITY = re.compile(r"^(?:P-Asserted-Identity|Remote-Party-ID)[ \t]*:[ \t]*(.+)$",
                      re.IGNORECASE | re.MULTILINE)


def end_reason(code: int, answered: bool, ours: str = "") -> str:
    """Why a call ended, as the station reports it: "hung up" (after an answer), "busy",
    "rejected", "no answer", "not found", "failed" - or `ours` when the door ended it."""
    if ours:
        return ours
    if answered:
        return "hung up"
    if code in BUSY:
        return "busy"
    if code in REJECTED:
        return "rejected"
    if code in NO_ANSWER:
        return "no answer"
    if code in NOT_FOUND:
        return "not found"
    return "failed"


def asserted_number(message: str) -> str:
    """The number in a SIP message's P-Asserted-Identity (or Remote-Party-ID), else ""."""
    head = message.split("\r\n\r\n", 1)[0].replace("\r\n", "\n")
    match = IDENTITY.search(head)
    if match is None:
        return ""
    number, _, _ = parse_remote(match.group(1).split(",", 1)[0].strip())
    return number


def response_text(prm: pj.OnCallStateParam) -> str:
    """The SIP response that caused a call state change, when there was one."""
    try:
        event = prm.e
        if event.type != pj.PJSIP_EVENT_TSX_STATE:
            return ""
        return str(event.body.tsxState.src.rdata.wholeMsg or "")
    except (AttributeError, pj.Error):
        return ""


class DoorCall(pj.Call):
    """The bell's call to the target, or a call to the door (``call_id`` given; target is
    then the caller). Holds what the events need; pjsua2 state is read from getInfo()."""

    def __init__(self, phone: DoorPhone, acc: pj.Account, target: str,
                 call_id: int = pj.PJSUA_INVALID_ID) -> None:
        super().__init__(acc, call_id)
        self.phone = phone
        self.target = target
        self.started = time.monotonic()
        self.rang = False
        self.answered_at: float | None = None
        self.answered_by = ""
        self.asserted = ""          # who answered, as the PBX names them on the 200
        self.ended = False
        self.our_reason = ""        # set when the door itself ends the call
        self.media: pj.AudioMedia | None = None

    def onCallState(self, prm: pj.OnCallStateParam) -> None:
        self.phone.on_call_state(self, response_text(prm))

    def onCallMediaState(self, prm: pj.OnCallMediaStateParam) -> None:
        self.phone.on_call_media(self)

    def onDtmfDigit(self, prm: pj.OnDtmfDigitParam) -> None:
        self.phone.on_dtmf(self, str(prm.digit))
