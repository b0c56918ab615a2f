"""A shared line through the real PBX daemon, with phones as hand-written SIP clients:
a call to 250 rings every member's phone naming the line and its appearance, the first
answer wins and the other phone is cancelled with "Call completed elsewhere"; with every
appearance in use the caller is busy; a member calls out as the line and the callee sees
it; anyone else asking for the line's identity is refused."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
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
"""
PPI = [("P-Preferred-Identity", "<sip:250@softphone.test>")]


@pytest.fixture
def pbx(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[PbxProcess]:
    """The daemon with LINE; parametrized indirectly with more keys of the line."""
    keys = {"appearances": 1, **getattr(request, "param", {})}
    more = "".join(f"{k} = {v}\n" for k, v in keys.items())
    port = free_port()
    cfg = write_config(tmp_path / "pbx.toml", sip_port=port,
                       rtp_base=24000 + (port % 40) * 200, extra=LINE + more)
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


def answer(phone: SipClient, invite: Request, number: str) -> None:
    phone.send_raw(make_response(
        invite, 200, to_tag=f"t{number}", body=SDP,
        extra=[("Contact", f"<sip:{number}@127.0.0.1:{phone.port}>"),
               ("Content-Type", "application/sdp")]).to_bytes())


def ack(phone: SipClient, invite: Request, ok: Response, user: str) -> None:
    """The caller's ACK for a 2xx (RFC 3261 13.2.2.4), so the PBX stops resending it."""
    contact = (ok.headers.get("Contact") or "").strip("<>")
    req = phone.request("ACK", contact, user, call_id=invite.call_id, cseq=invite.cseq[0])
    req.headers.set("From", invite.headers.get("From") or "")
    req.headers.set("To", ok.headers.get("To") or "")
    phone.send_raw(req.to_bytes())


def connect_101_to_100(phones: dict[str, SipClient], pbx: PbxProcess) -> Request:
    """101 calls the line, both members ring, 100 answers; returns 100's INVITE."""
    invite_101 = phones["101"].call("101", "pw101", "250", SDP)
    invites = {n: incoming(phones[n]) for n in ("100", "102")}
    for invite in invites.values():
        assert invite.headers.get("To") == \
            f'"Geschäftsführung" <sip:250@127.0.0.1:{pbx.sip_port}>'
        assert invite.headers.get("Call-Info") == \
            "<sip:250@softphone.test>;appearance-index=1"
    for number, invite in invites.items():
        phones[number].send_raw(make_response(invite, 180, to_tag=f"t{number}").to_bytes())
    answer(phones["100"], invites["100"], "100")
    cancel = incoming(phones["102"], "CANCEL")
    # RFC 3326, and who took it (an extension parameter our clients show).
    assert cancel.headers.get("Reason") == \
        'SIP;cause=200;text="Call completed elsewhere";answered-by="100"'
    ok = final(phones["101"])
    assert ok.status == 200
    ack(phones["101"], invite_101, ok, "101")
    return invites["100"]


def test_a_call_to_the_line_rings_every_member_naming_line_and_appearance(
        phones: dict[str, SipClient], pbx: PbxProcess) -> None:
    connect_101_to_100(phones, pbx)
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


def hold(phone: SipClient, invite: Request, number: str) -> None:
    """A re-INVITE from the member's side of the PBX's dialog with a=sendonly (RFC 3264
    section 8.4): the member puts the call on hold."""
    contact = (invite.headers.get("Contact") or "").strip("<>")
    req = phone.request("INVITE", contact, number, call_id=invite.call_id, cseq=10,
                        headers=[("Content-Type", "application/sdp")],
                        body=SDP.replace(b"a=sendrecv", b"a=sendonly"))
    req.headers.set("From", f"{invite.headers.get('To')};tag=t{number}")
    req.headers.set("To", invite.headers.get("From") or "")
    phone.send_raw(req.to_bytes())


def talking(sdp: bytes) -> bool:
    """No hold in the SDP: sendrecv, written or by default (RFC 4566 section 6)."""
    return not any(d in sdp for d in (b"a=sendonly", b"a=recvonly", b"a=inactive"))


def relay_reinvite(phone: SipClient) -> Request:
    """The other party answers the re-INVITE the PBX passes on, and says what it was."""
    reinvite = incoming(phone)
    phone.send_raw(make_response(reinvite, 200, body=SDP, extra=[
        ("Content-Type", "application/sdp")]).to_bytes())
    return reinvite


def test_a_held_call_is_retrieved_on_the_other_members_phone(
        phones: dict[str, SipClient], pbx: PbxProcess) -> None:
    watcher = Watcher(pbx.sip_port, "102")
    try:
        assert watcher.subscribe("250", "call-info").status == 200
        watcher.notify()
        to_100 = connect_101_to_100(phones, pbx)
        hold(phones["100"], to_100, "100")
        assert b"a=sendonly" in relay_reinvite(phones["101"]).body
        assert final(phones["100"]).status == 200
        while "appearance-state=held" not in (watcher.notify().headers.get("Call-Info") or ""):
            pass
        phones["102"].call("102", "pw102", "250", SDP,
                           extra=[("Call-Info", "<sip:250@softphone.test>;appearance-index=1")])
        ok = final(phones["102"])
        assert ok.status == 200 and talking(ok.body)
        assert incoming(phones["100"], "BYE") is not None        # the old phone's leg ends
        assert talking(relay_reinvite(phones["101"]).body)   # 101 is resumed
        done = pbx.wait_for("line_retrieve")
        assert (done["line"], done["appearance"], done["by"], done["from"]) == \
            ("250", 1, "102", "100")
    finally:
        watcher.close()


def test_a_barge_in_on_an_active_call_is_refused_when_the_line_forbids_it(
        phones: dict[str, SipClient], pbx: PbxProcess) -> None:
    connect_101_to_100(phones, pbx)
    phones["102"].call("102", "pw102", "250", SDP,
                       extra=[("Call-Info", "<sip:250@softphone.test>;appearance-index=1")])
    refused = final(phones["102"])
    assert (refused.status, refused.reason) == (403, "Barge-in is not allowed on this line")
    for number in ("100", "101"):   # undisturbed: no BYE, no re-INVITE
        assert requests_within(phones[number], 0.5) <= {"ACK"}


def requests_within(phone: SipClient, seconds: float) -> set[str]:
    """The methods of the requests that reach ``phone`` until it is quiet for ``seconds``."""
    phone.sock.settimeout(seconds)
    methods = set()
    while (msg := phone.recv()) is not None:
        if isinstance(msg, Request):
            methods.add(msg.method)
    return methods


test_a_barge_in_on_an_active_call_is_refused_when_the_line_forbids_it = pytest.mark.parametrize(
    "pbx", [{"barge_in": "false"}], indirect=True)(
    test_a_barge_in_on_an_active_call_is_refused_when_the_line_forbids_it)


def test_the_move_code_moves_the_lines_only_call_to_the_dialling_phone(
        phones: dict[str, SipClient], pbx: PbxProcess) -> None:
    connect_101_to_100(phones, pbx)
    phones["102"].call("102", "pw102", "*11", SDP)
    assert final(phones["102"]).status == 200
    assert incoming(phones["100"], "BYE") is not None
    moved = pbx.wait_for("line_move")
    assert (moved["by"], moved["from"]) == ("102", "100")


def test_a_privately_held_call_refuses_everyone_but_its_holder(
        phones: dict[str, SipClient], pbx: PbxProcess) -> None:
    to_100 = connect_101_to_100(phones, pbx)
    hold(phones["100"], to_100, "100")
    relay_reinvite(phones["101"])
    assert final(phones["100"]).status == 200
    url = pbx.api_url() + "/api/v1"
    for user, expected in (("102", 403), ("100", 200)):
        status, _ = api_put(url, user, "/shared-lines/250/appearances/1/private")
        assert status == expected
    phones["102"].call("102", "pw102", "250", SDP,
                       extra=[("Call-Info", "<sip:250@softphone.test>;appearance-index=1")])
    refused = final(phones["102"])
    assert (refused.status, refused.reason) == (403, "The call is held privately")


def api_put(url: str, user: str, path: str) -> tuple[int, dict[str, object]]:
    sign_in = urllib.request.Request(url + "/auth/token", method="POST", data=json.dumps(
        {"user": user, "password": f"pw{user}"}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(sign_in, timeout=5) as r:
        token = json.load(r)["token"]
    req = urllib.request.Request(url + path, method="PUT",
                                 headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as err:
        return err.code, json.load(err)


@pytest.mark.parametrize("pbx", [{"barge_in": "false"}], indirect=True)
def test_two_retrieves_at_once_have_one_winner(
        phones: dict[str, SipClient], pbx: PbxProcess) -> None:
    to_100 = connect_101_to_100(phones, pbx)
    hold(phones["100"], to_100, "100")
    relay_reinvite(phones["101"])
    assert final(phones["100"]).status == 200
    desk = SipClient(("127.0.0.1", pbx.sip_port))       # a second phone of 100's
    try:
        assert (ok := desk.register("100", "pw100")) is not None and ok.status == 200
        index = [("Call-Info", "<sip:250@softphone.test>;appearance-index=1")]
        phones["102"].call("102", "pw102", "250", SDP, extra=index)
        desk.call("100", "pw100", "250", SDP, extra=index)
        finals = sorted((final(phones["102"]).status, final(desk).status))
        assert finals == [200, 403]
    finally:
        desk.close()


@pytest.mark.parametrize("pbx", [{"appearances": 2}], indirect=True)
def test_two_calls_at_once_take_two_appearances(
        phones: dict[str, SipClient], pbx: PbxProcess) -> None:
    phones["101"].call("101", "pw101", "250", SDP)
    first = incoming(phones["100"])
    phones["103"].call("103", "pw103", "250", SDP)
    second = incoming(phones["100"])
    assert [first.headers.get("Call-Info"), second.headers.get("Call-Info")] == [
        "<sip:250@softphone.test>;appearance-index=1",
        "<sip:250@softphone.test>;appearance-index=2"]


def test_one_barge_at_a_time(phones: dict[str, SipClient], pbx: PbxProcess) -> None:
    connect_101_to_100(phones, pbx)
    index = [("Call-Info", "<sip:250@softphone.test>;appearance-index=1")]
    phones["102"].call("102", "pw102", "250", SDP, extra=index)
    assert final(phones["102"]).status == 200
    pbx.wait_for("line_barge", by="102")
    desk = SipClient(("127.0.0.1", pbx.sip_port))       # a second phone of 100's
    try:
        assert (ok := desk.register("100", "pw100")) is not None and ok.status == 200
        desk.call("100", "pw100", "250", SDP, extra=index)
        second = final(desk)
        assert (second.status, second.reason) == (486, "Someone is barged in already")
    finally:
        desk.close()


def test_a_non_member_can_neither_take_over_nor_move_a_call(
        phones: dict[str, SipClient], pbx: PbxProcess) -> None:
    connect_101_to_100(phones, pbx)
    phones["103"].call("103", "pw103", "250", SDP,
                       extra=[("Call-Info", "<sip:250@softphone.test>;appearance-index=1")])
    refused = final(phones["103"])
    assert (refused.status, refused.reason) == (403, "Not a member of this shared line")
    phones["103"].call("103", "pw103", "*11", SDP)
    assert final(phones["103"]).status == 404
    assert requests_within(phones["100"], 0.5) <= {"ACK"}    # 100's call undisturbed
