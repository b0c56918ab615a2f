"""Ring group login/logout and settings through the client API, with real pjsua2 agents and
the real PBX daemon: what a member on a break and an administrator see happen.

101 and 102 are the members of hotline 200 (ring-all, no_answer 103); 100 is the
administrator and the caller. Changes are made as the softphone makes them (HTTP with a
Bearer token) and take effect on the next call; the state survives a daemon restart.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_routing_calls import answer_and_connect, dial, rings
from tests.helpers.agent import Agent, make_agent  # noqa: F401  (make_agent is a fixture)
from tests.helpers.pbxproc import PbxProcess, free_port, write_config

pytestmark = pytest.mark.e2e

GROUP = """
[[ring_groups]]
number = "200"
name = "Hotline"
members = ["101", "102"]
timeout = 30
ring_time = 30
no_answer = "103"
"""


class GroupApi:
    """The client API as extension ``number`` (password "pw<number>")."""

    def __init__(self, pbx: PbxProcess, number: str) -> None:
        self.url = pbx.api_url()
        self.token = ""
        self.token = str(self.request("POST", "/api/v1/auth/token",
                                      {"user": number, "password": f"pw{number}"})["token"])

    def request(self, method: str, path: str, body: dict[str, Any] | None = None
                ) -> dict[str, Any]:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert resp.status == 200, (method, path, resp.status)
            return dict(json.load(resp))

    def login(self, member: str = "me", logged_in: bool = True) -> dict[str, Any]:
        return self.request("PUT" if logged_in else "DELETE",
                            f"/api/v1/ring-groups/200/members/{member}/login")

    def logout(self, member: str = "me") -> dict[str, Any]:
        return self.login(member, logged_in=False)


def logged_in(group: dict[str, Any]) -> dict[str, bool]:
    return {m["number"]: m["logged_in"] for m in group["members"]}


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[list[PbxProcess]]:
    """The running daemon as a one-element list: the test replaces it when it restarts."""
    port = free_port()
    cfg = write_config(tmp_path / "pbx.toml", sip_port=port,
                       rtp_base=24000 + (port % 40) * 200, extra=GROUP)
    running = [PbxProcess(cfg, tmp_path / "data", sip_port=port).start()]
    yield running
    assert running[0].stop() == 0


def take(caller: Agent, pbx: PbxProcess, callee: Agent, others: list[Agent]) -> None:
    """Call the group; ``callee`` rings and answers, ``others`` must not ring, then hang up.
    Ring-all forks to every member at once, so an INVITE to another member would have
    arrived long before the answer got through."""
    marks, callee_mark = [o.mark() for o in others], callee.mark()
    mark = dial(caller, pbx, "200")
    incoming = callee.wait_for("incoming", since=callee_mark)
    answer_and_connect(caller, mark, callee, incoming)
    for other, other_mark in zip(others, marks, strict=True):
        assert not rings(other, other_mark), f"{other.name} rang"
    caller.send(cmd="hangup")
    callee.wait_for("call_state", call_id=incoming["call_id"], state="DISCONNECTED")
    caller.wait_for("call_state", since=mark, state="DISCONNECTED")


def test_members_log_out_and_in_admin_settings_and_a_restart(
        make_agent, daemon: list[PbxProcess]) -> None:  # noqa: F811
    pbx = daemon[0]
    alice, bob, carol, dave = (make_agent(name).register_at(pbx.sip_port, user) for name, user
                               in (("alice", "100"), ("bob", "101"), ("carol", "102"),
                                   ("dave", "103")))
    admin, bob_api = GroupApi(pbx, "100"), GroupApi(pbx, "101")

    # Bob takes a break: only Carol rings.
    assert logged_in(bob_api.logout()) == {"101": False, "102": True}
    take(alice, pbx, carol, [bob, dave])

    # Back from the break: both ring, Bob answers, Carol's phone stops.
    assert logged_in(bob_api.login()) == {"101": True, "102": True}
    bob_mark, carol_mark, mark = bob.mark(), carol.mark(), dial(alice, pbx, "200")
    on_bob = bob.wait_for("incoming", since=bob_mark)
    on_carol = carol.wait_for("incoming", since=carol_mark)
    answer_and_connect(alice, mark, bob, on_bob)
    carol.wait_for("call_state", call_id=on_carol["call_id"], state="DISCONNECTED")
    alice.send(cmd="hangup")
    bob.wait_for("call_state", call_id=on_bob["call_id"], state="DISCONNECTED")

    # The administrator makes it a hunt group: the next call rings Bob alone first.
    group = admin.request("PATCH", "/api/v1/ring-groups/200", {"strategy": "hunt"})
    assert group["settings"]["strategy"] == "hunt"
    take(alice, pbx, bob, [carol, dave])

    # Bob logs out, the administrator logs Carol out: nobody is left, so the call goes
    # to the no-answer destination at once, and the log says why.
    bob_api.logout()
    assert logged_in(admin.logout("102")) == {"101": False, "102": False}
    log_mark = len(pbx.lines)
    take(alice, pbx, dave, [bob, carol])
    pbx.wait_for("group_all_logged_out", since=log_mark, group="200", to="103")

    # Carol is back; the daemon restarts and still knows who is out and how it rings.
    admin.login("102")
    assert pbx.stop() == 0
    daemon[0] = pbx = PbxProcess(pbx.config, pbx.data_dir, sip_port=pbx.sip_port).start()
    group = GroupApi(pbx, "102").request("GET", "/api/v1/ring-groups/200")
    assert logged_in(group) == {"101": False, "102": True}
    assert group["settings"]["strategy"] == "hunt"
    take(alice, pbx, carol, [bob, dave])
