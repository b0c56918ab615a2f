"""Issue 14 item 1: a call that rang at one's phone and was taken by a colleague (a ring
group's member, a pickup) ends with the PBX's CANCEL naming who took it (RFC 3326 Reason
with answered-by), read by the real engine: the history says "answered by ...", not
"missed"."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.test_engine import engine_with_mic, register
from tests.e2e.test_pickup import pbx  # noqa: F401  (ring group 200 "Vertrieb": 101, 102)
from tests.helpers.agent import make_agent  # noqa: F401  (make_agent is a fixture)
from tests.helpers.engineclient import make_engine  # noqa: F401  (a fixture)
from tests.helpers.pbxproc import PbxProcess

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("dialled", ["200", "101"], ids=["ring-group", "pickup"])
def test_the_engine_learns_which_colleague_answered(
        make_engine, make_agent, pbx: PbxProcess, tmp_path: Path, dialled: str  # noqa: F811
) -> None:
    engine = engine_with_mic(make_engine, tmp_path)
    register(engine, pbx, "101")
    alice = make_agent("a100").register_at(pbx.sip_port, "100")
    carol = make_agent("a102").register_at(pbx.sip_port, "102")
    alice.send(cmd="call", uri=f"sip:{dialled}@127.0.0.1:{pbx.sip_port}")
    ringing = engine.wait_event("call", state="incoming")
    if dialled == "200":        # the group rings 102 too: she answers
        carol.wait_for("incoming")
        carol.send(cmd="answer", code=200)
    else:                       # 102 picks the call to 101 up
        alice.wait_for("call_state", state="EARLY")
        carol.send(cmd="call", uri=f"sip:**101@127.0.0.1:{pbx.sip_port}")
    ended = engine.wait_event("call", call_id=ringing["call_id"], state="ended")
    assert (ended["cause"], ended["answered_by"]) == ("SIP;200", "102"), str(ended)


def test_a_pickup_shows_the_caller_not_the_feature_code(
        make_engine, make_agent, pbx: PbxProcess, tmp_path: Path) -> None:  # noqa: F811
    """Issue 14 item 10: the engine (102) dials **101 to take Alice's call to 101; the PBX's
    200 asserts who is on the line (RFC 3325), so the call shows Alice (100, "Empfang" in the
    test configuration), not "**101"."""
    engine = engine_with_mic(make_engine, tmp_path)
    register(engine, pbx, "102")
    alice = make_agent("a100").register_at(pbx.sip_port, "100")
    bob = make_agent("a101").register_at(pbx.sip_port, "101")
    alice.send(cmd="call", uri=f"sip:101@127.0.0.1:{pbx.sip_port}")
    bob.wait_for("incoming")
    alice.wait_for("call_state", state="EARLY")
    call_id = engine.request("call", target="**101")["call_id"]
    active = engine.wait_event("call", call_id=call_id, state="active")
    assert (active["remote_number"], active["remote_name"]) == ("100", "Empfang"), active


def test_after_a_transfer_the_engine_shows_the_new_party(
        make_engine, make_agent, pbx: PbxProcess, tmp_path: Path) -> None:  # noqa: F811
    """Issue 14 item 2: the engine (101) talks to Alice (100), who transfers it to 102; the
    PBX's re-INVITE that reconnects the media asserts the new party (RFC 3325), and the
    engine's call names 102, transferred from 100."""
    engine = engine_with_mic(make_engine, tmp_path)
    register(engine, pbx, "101")
    alice = make_agent("a100").register_at(pbx.sip_port, "100")
    carol = make_agent("a102").register_at(pbx.sip_port, "102")
    call_id = engine.request("call", target="100")["call_id"]
    alice_call = alice.wait_for("incoming")["call_id"]
    alice.send(cmd="answer", code=200, call_id=alice_call)
    first = engine.wait_event("call", call_id=call_id, state="active")
    assert first["remote_number"] == "100" and first["transferred_from"] == ""
    alice.send(cmd="transfer", call_id=alice_call, uri=f"sip:102@127.0.0.1:{pbx.sip_port}")
    carol.wait_for("incoming")
    carol.send(cmd="answer", code=200)
    moved = engine.wait_event("call", call_id=call_id, remote_number="102")
    assert moved["transferred_from"] == "100", moved
    assert moved["state"] in ("active", "remote_held"), moved
