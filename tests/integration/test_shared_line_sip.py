"""A shared line through the real PBX daemon, with phones as hand-written SIP clients:
a call to 250 rings every member's phone naming the line and its appearance, the first
answer wins and the other phone is cancelled with "Call completed elsewhere"; with every
appearance in use the caller is busy; a member calls out as the line and the callee sees
it; anyone else asking for the line's identity is refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from softphone.pbx.sip.message import Request, Response, make_response
from tests.helpers.pbxproc import PbxProcess, free_port, write_config
from tests.helpers.sipclient import SipClient
from tests.helpers.watcher import Watcher

SDP = (b"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
       b"m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n")
LINE = """
[[shared_lines]]
number = "250"
name = "Geschäftsführung"
members = ["100", "102"]
warning_tone = "repeat"
appearances = 1
"""
PPI = [("P-Preferred-Identity", "<sip:250@softphone.test>")]


@pytest.fixture
def pbx(tmp_path: Path) -> Iterator[PbxProcess]:
    port = free_port()
    cfg = write_config(tmp_path / "pbx.toml", sip_port=port,
                       rtp_base=24000 + (port % 40) * 200, extra=LINE)
    proc = PbxProcess(cfg, tmp_path / "data", sip_port=port).start()
    yield proc
    assert proc.stop() == 0


@pytest.fixture
def phones(pbx: PbxProcess) -> Iterator[dict[str, SipClient]]:
    made = {n: SipClient(("127.0.0.1", pbx.sip_port)) for n in ("100", "101", "102", "103")}
    for number, phone in made.items():
        ok = phone.register(number, f"pw{number}")
        assert ok is not None and ok.status == 200
    yield made
    for phone in made.values():
        phone.close()


def incoming(phone: SipClient, method: str = "INVITE") -> Request:
    while True:
        msg = phone.recv()
        assert msg is not None, f"no {method} arrived"
        if isinstance(msg, Request) and msg.method == method:
            return msg


def final(phone: SipClient) -> Response:
    resp = phone.recv_final()
    assert resp is not None
    return resp


def test_a_call_to_the_line_rings_every_member_naming_line_and_appearance(
        phones: dict[str, SipClient], pbx: PbxProcess) -> None:
    phones["101"].call("101", "pw101", "250", SDP)
    invites = {n: incoming(phones[n]) for n in ("100", "102")}
    for invite in invites.values():
        assert invite.headers.get("To") == \
            f'"Geschäftsführung" <sip:250@127.0.0.1:{pbx.sip_port}>'
        assert invite.headers.get("Call-Info") == \
            "<sip:250@softphone.test>;appearance-index=1"
    for number, invite in invites.items():
        phones[number].send_raw(make_response(invite, 180, to_tag=f"t{number}").to_bytes())
    phones["100"].send_raw(make_response(
        invites["100"], 200, to_tag="t100", body=SDP,
        extra=[("Contact", f"<sip:100@127.0.0.1:{phones['100'].port}>"),
               ("Content-Type", "application/sdp")]).to_bytes())
    cancel = incoming(phones["102"], "CANCEL")
    assert cancel.headers.get("Reason") == 'SIP;cause=200;text="Call completed elsewhere"'
    assert final(phones["101"]).status == 200
    # The line's one appearance is taken: the next caller is busy.
    phones["103"].call("103", "pw103", "250", SDP)
    busy = final(phones["103"])
    assert (busy.status, busy.reason) == (486, "All appearances of the line are in use")


def test_a_member_calls_as_the_line_and_the_callee_sees_it(
        phones: dict[str, SipClient], pbx: PbxProcess) -> None:
    phones["102"].call("102", "pw102", "103", SDP, extra=PPI)
    invite = incoming(phones["103"])
    identity = f'"Geschäftsführung" <sip:250@127.0.0.1:{pbx.sip_port}>'
    assert invite.headers.get("P-Asserted-Identity") == identity
    assert (invite.headers.get("From") or "").startswith(identity + ";tag=")
    # While it rings it holds the line's only appearance: a second one is refused.
    phones["100"].call("100", "pw100", "101", SDP, extra=PPI)
    assert final(phones["100"]).status == 486


def test_a_non_member_can_not_call_as_the_line(phones: dict[str, SipClient]) -> None:
    phones["103"].call("103", "pw103", "101", SDP, extra=PPI)
    refused = final(phones["103"])
    assert (refused.status, refused.reason) == (403, "Not a member of this shared line")


def call_info(notify: Request) -> list[str]:
    return notify.headers.get_all("Call-Info")


def test_members_watch_the_line_with_call_info_notifies(
        phones: dict[str, SipClient], pbx: PbxProcess) -> None:
    watcher = Watcher(pbx.sip_port, "100")
    try:
        assert watcher.subscribe("250", "call-info").status == 200
        first = watcher.notify()
        assert first.body == b"" and first.headers.get("Event") == "call-info"
        assert call_info(first) == [
            "<sip:softphone.test>;appearance-index=1;appearance-state=idle"]
        phones["101"].call("101", "pw101", "250", SDP)
        ringing = watcher.notify()
        assert call_info(ringing) == [
            "<sip:softphone.test>;appearance-index=1;appearance-state=alerting;"
            'appearance-uri="<sip:101@softphone.test>"']
    finally:
        watcher.close()


def test_a_line_seize_has_one_winner_and_holds_the_appearance(
        phones: dict[str, SipClient], pbx: PbxProcess) -> None:
    seize = ["Call-Info: <sip:250@softphone.test>;appearance-index=1"]
    winner, loser = Watcher(pbx.sip_port, "102"), Watcher(pbx.sip_port, "100")
    try:
        won = winner.subscribe("250", "line-seize", expires=15, extra=seize)
        assert (won.status, won.headers.get("Expires")) == (200, "15")
        lost = loser.subscribe("250", "line-seize", expires=15, extra=seize)
        assert (lost.status, lost.reason) == (403, "Appearance in use")
        phones["101"].call("101", "pw101", "250", SDP)     # the only appearance is seized
        assert final(phones["101"]).status == 486
        # The seizing member's next call goes out as the line, without asking again.
        phones["102"].call("102", "pw102", "103", SDP)
        invite = incoming(phones["103"])
        assert (invite.headers.get("P-Asserted-Identity") or "").startswith(
            '"Geschäftsführung" <sip:250@')
    finally:
        winner.close()
        loser.close()


@pytest.mark.parametrize("event", ["call-info", "line-seize"])
def test_a_non_member_can_not_subscribe_to_the_line(pbx: PbxProcess, event: str) -> None:
    watcher = Watcher(pbx.sip_port, "103")
    try:
        refused = watcher.subscribe("250", event, expires=15)
        assert (refused.status, refused.reason) == (403, "Not a member of this shared line")
    finally:
        watcher.close()
