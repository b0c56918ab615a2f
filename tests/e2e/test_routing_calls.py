"""Issue 5 acceptance: call routing with real pjsua2 agents through the real PBX daemon.

Each agent is one device; two agents registered as the same extension are that person's two
phones. The self-service settings are changed as the user would, through the client API
(PATCH /api/v1/me/settings), and take effect on the next call. Timers (forward on no answer,
ring group timeout, hunt ring time) are configured at 5 s, the least the API and the
configuration accept, and are awaited through the agents' events, never slept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.helpers.agent import Agent, make_agent  # noqa: F401  (make_agent is a fixture)
from tests.helpers.pbxproc import PbxProcess, free_port, write_config
from tests.helpers.selfservice import SelfService

pytestmark = pytest.mark.e2e

TIMER = 5.0          # forward_no_answer_after, ring group timeout and hunt ring_time
LATE = TIMER + 3.0   # how long to wait for what a timer sets off
EARLY = TIMER - 0.5  # what a timer sets off must not happen before this

RING_GROUPS = f"""
[[ring_groups]]
number = "200"
name = "Hotline"
members = ["101", "102"]
timeout = {TIMER:g}
no_answer = "103"

[[ring_groups]]
number = "201"
name = "Hunt"
members = ["101", "102"]
strategy = "hunt"
ring_time = {TIMER:g}
"""


@pytest.fixture
def pbx(tmp_path: Path) -> Iterator[PbxProcess]:
    """The real daemon (extensions 100-103) with ring groups 200 (ring-all) and 201 (hunt)."""
    port = free_port()
    cfg = write_config(tmp_path / "pbx.toml", sip_port=port,
                       rtp_base=24000 + (port % 40) * 200, extra=RING_GROUPS)
    proc = PbxProcess(cfg, tmp_path / "data", sip_port=port).start()
    yield proc
    assert proc.stop() == 0


Phones = Callable[[str, str], Agent]


@pytest.fixture
def phone(make_agent, pbx: PbxProcess) -> Phones:  # noqa: F811
    """``phone(name, extension)``: an agent registered at the PBX as that extension."""

    def make(name: str, user: str) -> Agent:
        return make_agent(name).register_at(pbx.sip_port, user)

    return make


def dial(caller: Agent, pbx: PbxProcess, number: str) -> int:
    """Call `number`; returns the caller's event mark taken just before."""
    mark = caller.mark()
    caller.send(cmd="call", uri=f"sip:{number}@127.0.0.1:{pbx.sip_port}")
    return mark


def connect(caller: Agent, callee: Agent, pbx: PbxProcess, number: str) -> None:
    """A call from `caller` to `number` that `callee` answers."""
    mark_a, mark_b = caller.mark(), callee.mark()
    dial(caller, pbx, number)
    incoming = callee.wait_for("incoming", since=mark_b)
    callee.send(cmd="answer", code=200, call_id=incoming["call_id"])
    caller.wait_for("call_state", since=mark_a, state="CONFIRMED")
    callee.wait_for("call_state", since=mark_b, state="CONFIRMED")


def answer_and_connect(caller: Agent, mark: int, callee: Agent,
                       incoming: dict[str, object]) -> None:
    """`callee` answers `incoming`; the caller must get there without a final response
    before (it heard ringing all along, whoever the call went on to)."""
    callee.send(cmd="answer", code=200, call_id=incoming["call_id"])
    callee.wait_for("call_state", call_id=incoming["call_id"], state="CONFIRMED")
    caller.wait_for("call_state", since=mark, state="CONFIRMED")
    states = [(e["state"], e["code"]) for e in caller.events()[mark:]
              if e["event"] == "call_state"]
    before = states[:[s for s, _ in states].index("CONFIRMED")]
    assert all(s in ("CALLING", "EARLY", "CONNECTING") for s, _ in before), states
    assert ("EARLY", 180) in before, f"the caller never heard ringing: {states}"


def rings(agent: Agent, since: int) -> list[dict[str, object]]:
    """The calls that reached `agent` since the mark."""
    return [e for e in agent.events()[since:] if e["event"] == "incoming"]


# -- several devices of one person -----------------------------------------------------------


@pytest.mark.parametrize("code", [603, 486], ids=["decline-603", "busy-486"])
def test_one_device_refusing_does_not_stop_the_other_ringing(
    phone: Phones, pbx: PbxProcess, code: int,
) -> None:
    """DND on the desk phone (it answers the INVITE with 603 or 486 itself): the mobile of the
    same person keeps ringing and can take the call."""
    alice = phone("alice", "100")
    desk, mobile = phone("desk101", "101"), phone("mobile101", "101")
    mark = dial(alice, pbx, "101")
    on_desk, on_mobile = desk.wait_for("incoming"), mobile.wait_for("incoming")
    alice.wait_for("call_state", since=mark, state="EARLY", code=180)
    desk.send(cmd="hangup", code=code, call_id=on_desk["call_id"])
    desk.wait_for("call_state", call_id=on_desk["call_id"], state="DISCONNECTED", code=code)
    # The mobile answers only after the desk's refusal went out, on the same PBX socket:
    # the PBX has read the refusal first.
    answer_and_connect(alice, mark, mobile, on_mobile)
    assert not [e for e in mobile.events("call_state") if e["state"] == "DISCONNECTED"]


def test_user_level_dnd_gives_busy_or_the_forward_busy_target(
    phone: Phones, pbx: PbxProcess,
) -> None:
    alice, bob, carol = phone("alice", "100"), phone("bob", "101"), phone("carol", "102")
    api = SelfService(pbx, "101")
    api.change(dnd=True)

    bob_mark = bob.mark()
    mark = dial(alice, pbx, "101")
    refused = alice.wait_for("call_state", since=mark, state="DISCONNECTED")
    assert (refused["code"], refused["reason"]) == (486, "Do Not Disturb")
    assert not rings(bob, bob_mark), "a phone in DND must not ring"

    api.change(forward_busy="102")
    bob_mark = bob.mark()
    mark = dial(alice, pbx, "101")
    incoming = carol.wait_for("incoming")
    assert "sip:100@" in str(incoming["from"])
    answer_and_connect(alice, mark, carol, incoming)
    assert not rings(bob, bob_mark)


def test_call_waiting_off_refuses_when_no_device_is_free(phone: Phones, pbx: PbxProcess) -> None:
    alice, carol = phone("alice", "100"), phone("carol", "102")
    desk = phone("desk101", "101")
    connect(alice, desk, pbx, "101")             # 101's only device is in a call
    SelfService(pbx, "101").change(call_waiting=False)

    desk_mark = desk.mark()
    mark = dial(carol, pbx, "101")
    refused = carol.wait_for("call_state", since=mark, state="DISCONNECTED")
    assert refused["code"] == 486, refused
    assert not rings(desk, desk_mark), "call waiting is off: no second call on the desk"

    # A second device, free: only that one rings.
    mobile = phone("mobile101", "101")
    desk_mark = desk.mark()
    mark = dial(carol, pbx, "101")
    incoming = mobile.wait_for("incoming")
    answer_and_connect(carol, mark, mobile, incoming)
    # The PBX forks to all devices at once: an INVITE to the desk would have gone out with
    # the mobile's, long before this call was answered.
    assert not rings(desk, desk_mark), "the busy device rang although call waiting is off"


# -- forwarding ------------------------------------------------------------------------------


def test_forward_always_and_forward_busy(phone: Phones, pbx: PbxProcess) -> None:
    alice, bob, carol = phone("alice", "100"), phone("bob", "101"), phone("carol", "102")
    api = SelfService(pbx, "101")

    api.change(forward_always="102")
    bob_mark = bob.mark()
    mark = dial(alice, pbx, "101")
    incoming = carol.wait_for("incoming")
    answer_and_connect(alice, mark, carol, incoming)
    assert not rings(bob, bob_mark), "forward always: 101 must not ring"
    alice.send(cmd="hangup")
    carol.wait_for("call_state", call_id=incoming["call_id"], state="DISCONNECTED")
    alice.wait_for("call_state", since=mark, state="DISCONNECTED")

    # Busy: 101 rings and refuses with 486; the call goes on to 102.
    api.change(forward_always=None, forward_busy="102")
    carol_mark = carol.mark()
    mark = dial(alice, pbx, "101")
    on_bob = bob.wait_for("incoming")
    assert not rings(carol, carol_mark), "forward busy: 102 rings only after 101 refused"
    bob.send(cmd="hangup", code=486, call_id=on_bob["call_id"])
    incoming = carol.wait_for("incoming", since=carol_mark)
    answer_and_connect(alice, mark, carol, incoming)
    pbx.wait_for("call_forward", to="102", after=486)


def test_forward_on_no_answer_after_the_configured_time(phone: Phones, pbx: PbxProcess) -> None:
    alice, bob, dave = phone("alice", "100"), phone("bob", "101"), phone("dave", "103")
    SelfService(pbx, "101").change(forward_no_answer="103",
                                   forward_no_answer_after=int(TIMER))
    mark = dial(alice, pbx, "101")
    on_bob = bob.wait_for("incoming")
    alice.wait_for("call_state", since=mark, state="EARLY", code=180)
    on_dave = dave.wait_for("incoming", timeout=LATE)
    waited = on_dave["mono"] - on_bob["mono"]
    assert EARLY <= waited <= LATE, f"forwarded after {waited:.2f} s, not {TIMER:g} s"
    stopped = bob.wait_for("call_state", call_id=on_bob["call_id"], state="DISCONNECTED")
    assert stopped["code"] == 487, stopped        # CANCELled by the PBX
    pbx.wait_for("call_forward", to="103", after=480)
    answer_and_connect(alice, mark, dave, on_dave)


# -- ring groups -----------------------------------------------------------------------------


def test_ring_group_goes_to_the_next_destination_on_no_answer(
    phone: Phones, pbx: PbxProcess,
) -> None:
    alice, bob, carol = phone("alice", "100"), phone("bob", "101"), phone("carol", "102")
    dave = phone("dave", "103")
    mark = dial(alice, pbx, "200")
    on_bob, on_carol = bob.wait_for("incoming"), carol.wait_for("incoming")
    assert not dave.events("incoming"), "103 is the next destination, not a member"
    alice.wait_for("call_state", since=mark, state="EARLY", code=180)

    on_dave = dave.wait_for("incoming", timeout=LATE)
    waited = on_dave["mono"] - max(on_bob["mono"], on_carol["mono"])
    assert EARLY <= waited <= LATE, f"group timeout after {waited:.2f} s, not {TIMER:g} s"
    for member, call in ((bob, on_bob), (carol, on_carol)):
        stopped = member.wait_for("call_state", call_id=call["call_id"], state="DISCONNECTED")
        assert stopped["code"] == 487, (member.name, stopped)
    pbx.wait_for("call_forward", to="103", after=480)
    answer_and_connect(alice, mark, dave, on_dave)


def test_hunt_group_rings_the_members_one_after_the_other(
    phone: Phones, pbx: PbxProcess,
) -> None:
    alice, bob, carol = phone("alice", "100"), phone("bob", "101"), phone("carol", "102")
    mark = dial(alice, pbx, "201")
    on_bob = bob.wait_for("incoming")
    alice.wait_for("call_state", since=mark, state="EARLY", code=180)
    assert not carol.events("incoming"), "hunt: the second member rings only after the first"

    on_carol = carol.wait_for("incoming", timeout=LATE)
    waited = on_carol["mono"] - on_bob["mono"]
    assert EARLY <= waited <= LATE, f"next member after {waited:.2f} s, not {TIMER:g} s"
    stopped = bob.wait_for("call_state", call_id=on_bob["call_id"], state="DISCONNECTED")
    assert stopped["code"] == 487, stopped
    # The PBX cancels the first member before it invites the second (a little slack for the
    # two agents' 10 ms event loops and scheduling).
    assert stopped["mono"] <= on_carol["mono"] + 0.5, (stopped, on_carol)
    answer_and_connect(alice, mark, carol, on_carol)
    assert len(bob.events("incoming")) == 1, "the first member rang once"


def test_ring_group_shared_use_rings_only_the_free_members(
    phone: Phones, pbx: PbxProcess,
) -> None:
    alice, bob, carol = phone("alice", "100"), phone("bob", "101"), phone("carol", "102")
    dave = phone("dave", "103")
    connect(dave, bob, pbx, "101")               # 101 talks
    bob_mark = bob.mark()
    mark = dial(alice, pbx, "200")
    incoming = carol.wait_for("incoming")
    answer_and_connect(alice, mark, carol, incoming)
    assert not rings(bob, bob_mark), "shared use: the member in a call must not ring"
