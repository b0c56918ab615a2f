"""Issue 5 acceptance with sipp as the caller: busy-on-busy, and shared use with call waiting.

Extension 101 has two devices (two pjsua2 agents registered as 101); one of them talks to
102. User 101 switches busy-on-busy on and off through the client API (PATCH
/api/v1/me/settings with its own token); each change applies to the next call, without a
restart. A sipp UAC calls 101 as extension 100 and authenticates after the PBX's 407.
"""

from __future__ import annotations

import re

import pytest

from tests.helpers.agent import Agent, make_agent  # noqa: F401  (make_agent is a fixture)
from tests.helpers.selfservice import SelfService
from tests.interop.conftest import PbxUnderTest, SippRunner, extension

pytestmark = pytest.mark.interop

CALLER = extension("100")


def register(agent: Agent, pbx: PbxUnderTest, user: str) -> Agent:
    agent.send(cmd="register", server=pbx.target, user=user, password=f"pw{user}")
    agent.wait_for("reg_state", code=200, active=True)
    return agent


def test_busy_on_busy_gives_486_and_shared_use_rings_both_devices(
    pbx: PbxUnderTest, sipp: SippRunner, make_agent,  # noqa: F811
) -> None:
    busy = register(make_agent("desk101"), pbx, "101")
    idle = register(make_agent("mobile101"), pbx, "101")
    carol = register(make_agent("carol"), pbx, "102")
    # 101 talks to 102 from its desk phone.
    busy.send(cmd="call", uri=f"sip:102@{pbx.target}")
    talk = carol.wait_for("incoming")
    carol.send(cmd="answer", code=200, call_id=talk["call_id"])
    in_call = busy.wait_for("call_state", state="CONFIRMED")
    carol.wait_for("call_state", state="CONFIRMED")

    api = SelfService(pbx.process, "101")
    api.change(busy_on_busy=True)
    refused = sipp.run("uac_busy.xml", CALLER, callee="101", name="busy_on_busy")
    assert refused.ok, refused.describe()
    assert refused.logged("status") == ["486"], refused.describe()
    reason = re.findall(r"reason=(.*)$", refused.log, re.MULTILINE)
    assert reason == ["Busy Here"], refused.describe()
    assert not idle.events("incoming"), "busy-on-busy: the free device must not ring either"
    assert not busy.events("incoming"), "nor the busy one"

    # Shared use with call waiting: the next call rings the free device and, as a waiting
    # call, the busy one; the free one answers.
    api.change(busy_on_busy=False)
    assert api.settings()["call_waiting"] is True
    uac = sipp.start("uac_call.xml", CALLER, callee="101", name="shared_use")
    on_idle, waiting = idle.wait_for("incoming"), busy.wait_for("incoming")
    assert "sip:100@" in str(on_idle["from"]) and "sip:100@" in str(waiting["from"])
    idle.send(cmd="answer", code=200, call_id=on_idle["call_id"])
    answered = uac.wait()
    assert answered.ok, answered.describe()
    idle.wait_for("call_state", call_id=on_idle["call_id"], state="DISCONNECTED")  # sipp's BYE
    stopped = busy.wait_for("call_state", call_id=waiting["call_id"], state="DISCONNECTED")
    assert stopped["code"] == 487, stopped        # CANCELled: answered elsewhere
    # The desk's own call went on undisturbed.
    assert not [e for e in busy.events("call_state")
                if e["call_id"] == in_call["call_id"] and e["state"] == "DISCONNECTED"]
