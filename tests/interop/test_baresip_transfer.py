"""Issue 11 item 10: a blind transfer by baresip ends each dialog with exactly one BYE.

Three baresip phones (100 alice, 101 bob, 102 carol) on the real PBX. Alice calls bob, bob
transfers her to carol with REFER (RFC 3515); baresip hangs up its call once the NOTIFY says
200 (RFC 5589 section 6.1), and the PBX must not send a BYE of its own on that dialog (they
crossed, and one was answered 481). Then alice hangs up. Every dialog is counted in the SIP
traces of the phones themselves.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.baresip import Baresip
from tests.interop.conftest import PbxUnderTest

pytestmark = pytest.mark.interop


@pytest.fixture
def phones(pbx: PbxUnderTest, tmp_path: Path) -> Iterator[dict[str, Baresip]]:
    started: dict[str, Baresip] = {}
    try:
        for name, number in (("alice", "100"), ("bob", "101"), ("carol", "102")):
            phone = Baresip(name, tmp_path).start(
                f"<sip:{number}@{pbx.target}>;auth_pass=pw{number};regint=300")
            started[name] = phone
            phone.wait_for("REGISTER_OK")
        yield started
    finally:
        for phone in started.values():
            phone.stop()


def byes(phone: Baresip) -> Counter[str]:
    """BYE requests per Call-ID in the phone's trace, sent or received (a retransmission
    repeats the CSeq, so each BYE is counted once)."""
    seen = set()
    for msg in phone.sip_messages():
        if re.search(r"^BYE ", msg, re.M):
            call_id = re.search(r"^Call-ID: *(\S+)", msg, re.M | re.I)
            cseq = re.search(r"^CSeq: *(\d+)", msg, re.M | re.I)
            assert call_id and cseq, msg
            seen.add((call_id.group(1), cseq.group(1)))
    return Counter(call_id for call_id, _ in seen)


def statuses(phone: Baresip) -> list[str]:
    return [m.group(1) for msg in phone.sip_messages()
            if (m := re.search(r"^SIP/2.0 (\d{3})", msg, re.M))]


def test_blind_transfer_ends_every_dialog_with_one_bye(
    pbx: PbxUnderTest, phones: dict[str, Baresip],
) -> None:
    alice, bob, carol = phones["alice"], phones["bob"], phones["carol"]
    alice.command("dial", "101")
    bob.wait_for("CALL_INCOMING")
    bob.command("accept")
    bob.wait_for("CALL_ESTABLISHED")
    alice.wait_for("CALL_ESTABLISHED")

    bob.command("transfer", "102")
    carol.wait_for("CALL_INCOMING")
    carol.command("accept")
    carol.wait_for("CALL_ESTABLISHED")
    closed = bob.wait_for("CALL_CLOSED")
    assert closed["param"] == "Call transfered", closed   # baresip's own words
    pbx.process.wait_for("transfer", kind="blind", to="102")

    alice.command("hangup")
    alice.wait_for("CALL_CLOSED")
    carol.wait_for("CALL_CLOSED")
    pbx.process.wait_for("call_end", result="answered")

    # bob's one dialog: his BYE, answered 200, and none from the PBX.
    assert list(byes(bob).values()) == [1], bob.sip_messages()
    sent_by_bob = [m for m in bob.sip_messages()
                   if re.match(rf"\S+ 127.0.0.1:{bob.sip_port} -> ", m) and "\nBYE " in m]
    assert len(sent_by_bob) == 1, bob.sip_messages()
    assert list(byes(alice).values()) == [1] and list(byes(carol).values()) == [1]
    for phone in (alice, bob, carol):
        assert "481" not in statuses(phone), (phone.name, phone.sip_messages())
