"""The routing decision, as a user of an office PBX expects it: forwarding, DND, call
waiting, busy-on-busy, ring groups with shared use and hunt."""

from __future__ import annotations

from dataclasses import replace

from softphone.common.directory import UserSettings
from softphone.pbx.config import PbxConfig, parse_config
from softphone.pbx.features.routing import Reject, Ring, Router
from softphone.pbx.store import Binding

CONFIG = """
[[extensions]]
number = "100"
password = "x"
[[extensions]]
number = "101"
password = "x"
[[extensions]]
number = "102"
password = "x"
[[extensions]]
number = "103"
password = "x"
[[ring_groups]]
number = "200"
name = "Hotline"
members = ["101", "102", "103"]
no_answer = "100"
busy = "100"
[[ring_groups]]
number = "201"
members = ["101", "102"]
strategy = "hunt"
ring_time = 10
"""


def binding(aor: str, device: str) -> Binding:
    return Binding(aor=aor, contact=f"sip:{aor}@{device}", expires_at=1e12,
                   source=("127.0.0.1", 5060), transport="udp", call_id=device, cseq=1)


class World:
    """Registrations, settings and who talks on which device: what the router reads."""

    def __init__(self, config: PbxConfig) -> None:
        self.devices = {n: [binding(n, "desk")] for n in ("100", "101", "102", "103")}
        self.settings: dict[str, UserSettings] = {}
        self.talking: dict[str, set[str]] = {}
        self.router = Router(config, lambda n: self.devices.get(n, []),
                             lambda n: self.settings.get(n, UserSettings()),
                             lambda n: bool(self.talking.get(n)),
                             lambda n, c: c in self.talking.get(n, set()))

    def set(self, number: str, **changes: object) -> None:
        self.settings[number] = replace(self.settings.get(number, UserSettings()), **changes)


def world() -> World:
    return World(parse_config(CONFIG, "t.toml"))


def ringing(decision: object) -> list[str]:
    assert isinstance(decision, Ring), decision
    return [b.contact for stage in decision.stages for b in stage.bindings]


def test_unknown_number_and_nobody_registered() -> None:
    w = world()
    assert w.router.route("999", "100") == Reject(404, "Unknown number")
    w.devices["101"] = []
    assert w.router.route("101", "100") == Reject(480, "Not registered")


def test_forward_always_and_loops() -> None:
    w = world()
    w.set("101", forward_always="102")
    assert ringing(w.router.route("101", "100")) == ["sip:102@desk"]
    w.set("102", forward_always="101")
    assert w.router.route("101", "100").status == 482  # type: ignore[union-attr]


def test_dnd_is_busy_and_follows_forward_busy() -> None:
    w = world()
    w.set("101", dnd=True)
    assert w.router.route("101", "100") == Reject(486, "Do Not Disturb")
    w.set("101", forward_busy="103")
    assert ringing(w.router.route("101", "100")) == ["sip:103@desk"]


def test_call_waiting_on_rings_the_busy_device_off_gives_busy() -> None:
    w = world()
    w.devices["101"].append(binding("101", "laptop"))
    w.talking["101"] = {"sip:101@desk"}
    assert ringing(w.router.route("101", "100")) == ["sip:101@desk", "sip:101@laptop"]
    w.set("101", call_waiting=False)  # only the free device rings
    assert ringing(w.router.route("101", "100")) == ["sip:101@laptop"]
    w.talking["101"].add("sip:101@laptop")
    assert w.router.route("101", "100") == Reject(486, "Busy Here")


def test_busy_on_busy_once_talking_on_any_device() -> None:
    w = world()
    w.devices["101"].append(binding("101", "laptop"))
    w.set("101", busy_on_busy=True)
    assert len(ringing(w.router.route("101", "100"))) == 2
    w.talking["101"] = {"sip:101@desk"}
    assert w.router.route("101", "100") == Reject(486, "Busy Here")


def test_forward_on_no_answer_sets_the_ring_time() -> None:
    w = world()
    w.set("101", forward_no_answer="102", forward_no_answer_after=15)
    plan = w.router.route("101", "100")
    assert isinstance(plan, Ring) and plan.on_no_answer == "102"
    assert plan.stages[0].timeout == 15


def test_group_shared_use_rings_free_members_only() -> None:
    w = world()
    w.talking["101"] = {"sip:101@desk"}
    w.set("103", dnd=True)
    plan = w.router.route("200", "100")
    assert ringing(plan) == ["sip:102@desk"]
    assert isinstance(plan, Ring) and (plan.on_no_answer, plan.on_busy) == ("100", "100")
    w.talking["102"] = {"sip:102@desk"}  # everyone free is busy: the busy destination
    assert ringing(w.router.route("200", "999")) == ["sip:100@desk"]


def test_group_busy_on_busy_and_hunt_order() -> None:
    config = parse_config(CONFIG.replace('busy = "100"', 'busy = "100"\nbusy_on_busy = true'),
                          "t.toml")
    w = World(config)
    w.talking["103"] = {"sip:103@desk"}
    assert ringing(w.router.route("200", "999")) == ["sip:100@desk"]
    hunt = w.router.route("201", "100")
    assert isinstance(hunt, Ring)
    assert [(s.number, s.timeout) for s in hunt.stages] == [("101", 10.0), ("102", 10.0)]
