"""Calls through the real PBX with sipp on both ends (RFC 3261, RFC 3264).

In every test a sipp UAS registers as the callee and then answers (or refuses) the call, and
a sipp UAC places it as extension 100, authenticating after the PBX's 407. Each test has a
PBX of its own, so no registration of another test can fork the call.
"""

from __future__ import annotations

import pytest

from tests.helpers.sipp import SippProcess, SippResult
from tests.interop.conftest import PbxUnderTest, SippRunner, extension

pytestmark = pytest.mark.interop

CALLER = extension("100")
CALLEE = extension("101")


def finish(uas: SippProcess) -> SippResult:
    result = uas.wait()
    assert result.ok, result.describe()
    return result


def rtp_address(result: SippResult, key: str) -> tuple[str, int]:
    (value,) = result.logged(key)
    host, _, port = value.rpartition(":")
    return host, int(port)


def test_call_is_set_up_and_torn_down_with_media_anchored_at_the_pbx(
    pbx: PbxUnderTest, sipp: SippRunner,
) -> None:
    uas = sipp.callee("uas_answer.xml", CALLEE)
    uac = sipp.run("uac_call.xml", CALLER, callee=CALLEE.number)

    assert uac.ok, uac.describe()
    answered = finish(uas)
    # Each side sees the PBX's relay address, never the other phone's media port.
    host, port = rtp_address(uac, "answer_rtp")
    assert host == pbx.rtp_host and port in pbx.rtp_ports, (host, port, pbx.rtp_ports)
    assert port != answered.media_port
    host, port = rtp_address(answered, "offer_rtp")
    assert host == pbx.rtp_host and port in pbx.rtp_ports, (host, port, pbx.rtp_ports)
    assert port != uac.media_port
    pbx.process.wait_for("call_end")  # the daemon writes its log in blocks
    assert len(pbx.events("call_answered")) == 1, pbx.log_tail()
    assert len(pbx.events("call_end")) == 1, pbx.log_tail()


def test_cancel_while_ringing_is_passed_to_the_callee(
    pbx: PbxUnderTest, sipp: SippRunner,
) -> None:
    uas = sipp.callee("uas_cancel.xml", CALLEE)
    uac = sipp.run("uac_cancel.xml", CALLER, callee=CALLEE.number)

    assert uac.ok, uac.describe()
    assert uac.logged("cancelled") == ["487"]
    rang = finish(uas)
    assert len(rang.logged("cancel_seen")) == 1
    assert not pbx.events("call_answered"), pbx.log_tail()


def test_busy_callee_gives_the_caller_486(pbx: PbxUnderTest, sipp: SippRunner) -> None:
    uas = sipp.callee("uas_busy.xml", CALLEE)
    uac = sipp.run("uac_reject.xml", CALLER, callee=CALLEE.number)

    assert uac.ok, uac.describe()
    assert uac.logged("status") == ["486"]
    finish(uas)


def test_hold_and_resume_by_reinvite_reach_the_callee(
    pbx: PbxUnderTest, sipp: SippRunner,
) -> None:
    uas = sipp.callee("uas_hold.xml", CALLEE)
    uac = sipp.run("uac_hold.xml", CALLER, callee=CALLEE.number, pause_ms=200)

    assert uac.ok, uac.describe()
    assert uac.logged("reinvite_3_answer") == ["recvonly"]
    assert uac.logged("reinvite_4_answer") == ["sendrecv"]
    held = finish(uas)
    assert held.logged("reinvite_offer") == ["a=sendonly", "a=sendrecv"]
    host, port = rtp_address(uac, "answer_rtp")
    assert host == pbx.rtp_host and port in pbx.rtp_ports


@pytest.mark.parametrize(
    ("callee", "status"),
    [("999", "404"), ("103", "480")],
    ids=["unknown-number-404", "known-but-unregistered-480"],
)
def test_call_that_cannot_be_delivered_is_refused(
    pbx: PbxUnderTest, sipp: SippRunner, callee: str, status: str,
) -> None:
    uac = sipp.run("uac_reject.xml", CALLER, callee=callee)

    assert uac.ok, uac.describe()
    assert uac.logged("status") == [status]
