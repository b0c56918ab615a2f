"""The pjsua2 objects of the test agent (tests/helpers/pjagent.py): calls and the account
hand pjsua2's callbacks to the agent, which turns them into JSON events."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pjsua2 as pj

if TYPE_CHECKING:
    from tests.helpers.pjagent import PjAgent


def op(code: int = 0, flag: int = 0) -> pj.CallOpParam:
    """Call operation parameters with default call settings, a status code and option flags."""
    prm = pj.CallOpParam(True)
    prm.statusCode = code
    prm.opt.flag |= flag
    return prm


class AgentCall(pj.Call):
    def __init__(self, agent: PjAgent, acc: pj.Account, call_id: int = pj.PJSUA_INVALID_ID):
        super().__init__(acc, call_id)
        self.agent = agent
        self.media_active = False
        self.ended = False

    def onCallState(self, prm: pj.OnCallStateParam) -> None:
        self.agent.on_call_state(self)

    def onCallMediaState(self, prm: pj.OnCallMediaStateParam) -> None:
        self.agent.on_media_state(self)

    def onCallTransferStatus(self, prm: pj.OnCallTransferStatusParam) -> None:
        # RFC 3515 NOTIFY sipfrag progress of a REFER this agent sent.
        self.agent.emit("transfer", call_id=self.getId(), code=prm.statusCode,
                        final=bool(prm.finalNotify))

    def onDtmfDigit(self, prm: pj.OnDtmfDigitParam) -> None:
        method = "rfc4733" if prm.method == pj.PJSUA_DTMF_METHOD_RFC2833 else "info"
        self.agent.emit("dtmf", digit=prm.digit, method=method, call_id=self.getId())


class AgentAccount(pj.Account):
    def __init__(self, agent: PjAgent):
        super().__init__()
        self.agent = agent
        self.transport = "udp"

    def onIncomingCall(self, prm: pj.OnIncomingCallParam) -> None:
        self.agent.on_incoming(self, prm.callId)

    def onRegState(self, prm: pj.OnRegStateParam) -> None:
        active = bool(self.getInfo().regIsActive)
        self.agent.emit(
            "reg_state", code=prm.code, active=active, reason=prm.reason, expires=prm.expiration
        )
