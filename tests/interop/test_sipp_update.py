"""Issue 11 item 9: UPDATE (RFC 3311) towards a peer whose Allow lacks it.

A sipp UAS registers as 101 and answers with ``Allow: INVITE, ACK, CANCEL, BYE, OPTIONS``; a
sipp UAC calls it as 100 and sends an UPDATE with an SDP offer (hold), then one without a
body (a session refresh). The callee must never see an UPDATE (sipp fails on an unexpected
message): the offer reaches it as a re-INVITE, whose answer comes back in the UPDATE's 200;
the refresh is answered by the PBX itself. When the callee refuses the re-INVITE, the caller's
UPDATE gets that refusal and the call goes on.
"""

from __future__ import annotations

import pytest

from tests.interop.conftest import PbxUnderTest, SippRunner, extension

pytestmark = pytest.mark.interop

CALLER = extension("100")
CALLEE = extension("101")


def test_update_offer_reaches_a_peer_without_update_as_reinvite(
    pbx: PbxUnderTest, sipp: SippRunner,
) -> None:
    uas = sipp.callee("uas_no_update.xml", CALLEE)
    uac = sipp.run("uac_update.xml", CALLER, callee=CALLEE.number, pause_ms=200)

    assert uac.ok, uac.describe()
    callee = uas.wait()
    assert callee.ok, callee.describe()         # no UPDATE arrived, one re-INVITE did
    assert callee.logged("reinvite_offer") == ["a=sendonly"], callee.describe()
    assert uac.logged("update_answer") == ["recvonly"], uac.describe()  # the callee's answer
    assert uac.logged("update_answer_rtp") == [pbx.rtp_host], uac.describe()  # anchored
    assert uac.logged("refresh_status") == ["200"], uac.describe()
    assert not uac.logged("update_status"), uac.describe()


def test_refused_offer_is_refused_to_the_caller_and_the_call_goes_on(
    pbx: PbxUnderTest, sipp: SippRunner,
) -> None:
    uas = sipp.callee("uas_no_update_refuse.xml", CALLEE)
    uac = sipp.run("uac_update.xml", CALLER, callee=CALLEE.number, pause_ms=200)

    assert uac.ok, uac.describe()
    assert uac.logged("update_status") == ["488"], uac.describe()
    assert uac.logged("refresh_status") == ["200"], uac.describe()
    callee = uas.wait()
    assert callee.ok, callee.describe()
    assert callee.logged("reinvite_offer") == ["a=sendonly"], callee.describe()
    assert len(pbx.events("call_end")) == 1, pbx.log_tail()
